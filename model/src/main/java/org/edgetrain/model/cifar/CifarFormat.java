package org.edgetrain.model.cifar;

import java.util.List;

/**
 * Constants of the official CIFAR-10 "binary version": one record is a label byte followed by a
 * 32x32 image as 1,024 red, 1,024 green and 1,024 blue bytes, row-major.
 */
public final class CifarFormat {
    /** Image side in pixels. */
    public static final int SIDE = 32;
    /** Colour channels (red, green, blue). */
    public static final int CHANNELS = 3;
    /** Pixels per channel plane. */
    public static final int PLANE = SIDE * SIDE;
    /** Bytes of one image (no label). */
    public static final int IMAGE_BYTES = CHANNELS * PLANE;
    /** Bytes of one record: label byte + image. */
    public static final int RECORD_BYTES = 1 + IMAGE_BYTES;
    /** Number of classes; labels are 0..CLASSES-1. */
    public static final int CLASSES = 10;
    /** Records per batch file in the official archive. */
    public static final int RECORDS_PER_OFFICIAL_FILE = 10_000;
    /** Training images in the official archive. */
    public static final int OFFICIAL_TRAIN = 50_000;
    /** Test images in the official archive. */
    public static final int OFFICIAL_TEST = 10_000;
    /** Folder inside the official archive. */
    public static final String FOLDER = "cifar-10-batches-bin";
    /** Training files, in order. */
    public static final List<String> TRAIN_FILES = List.of(
            "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    /** Test file. */
    public static final String TEST_FILE = "test_batch.bin";
    /** MD5 of the official {@code cifar-10-binary.tar.gz}. */
    public static final String OFFICIAL_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
    /** Label names, index = label. */
    public static final List<String> LABEL_NAMES = List.of(
            "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

    private CifarFormat() {
    }
}
