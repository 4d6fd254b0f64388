package org.edgetrain.model.cifar;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes small data sets in the exact CIFAR-10 binary layout, for tests and for trying the system on a machine
 * without the real archive. Each class has its own colour and stripe pattern plus noise, so a network can learn
 * it within a few hundred steps. Thread-safe.
 */
public final class SyntheticCifar {
    private SyntheticCifar() {
    }

    /**
     * Writes {@code cifar-10-batches-bin/} with the six batch files under {@code dir}.
     *
     * @param dir target folder (created)
     * @param trainPerFile records in each of the five training files
     * @param testRecords records in the test file
     * @param seed content seed
     * @return the {@code cifar-10-batches-bin} folder
     */
    public static Path write(Path dir, int trainPerFile, int testRecords, long seed) {
        Path folder = dir.resolve(CifarFormat.FOLDER);
        try {
            Files.createDirectories(folder);
            for (int f = 0; f < CifarFormat.TRAIN_FILES.size(); f++) {
                Files.write(folder.resolve(CifarFormat.TRAIN_FILES.get(f)), records(trainPerFile, seed + f, f * trainPerFile));
            }
            Files.write(folder.resolve(CifarFormat.TEST_FILE), records(testRecords, seed + 99, 0));
            Files.writeString(folder.resolve("batches.meta.txt"), String.join("\n", CifarFormat.LABEL_NAMES) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write synthetic CIFAR files under " + dir, e);
        }
        return folder;
    }

    /**
     * @param count records
     * @param seed noise seed
     * @param labelOffset first label is {@code labelOffset % 10}; labels then cycle, so classes are balanced
     * @return {@code count} records
     */
    public static byte[] records(int count, long seed, int labelOffset) {
        byte[] out = new byte[count * CifarFormat.RECORD_BYTES];
        SplittableRandom random = new SplittableRandom(seed);
        for (int r = 0; r < count; r++) {
            int label = (labelOffset + r) % CifarFormat.CLASSES;
            int base = r * CifarFormat.RECORD_BYTES;
            out[base] = (byte) label;
            for (int c = 0; c < CifarFormat.CHANNELS; c++) {
                int level = 40 + 20 * ((label + 3 * c) % 10);
                for (int y = 0; y < CifarFormat.SIDE; y++) {
                    for (int x = 0; x < CifarFormat.SIDE; x++) {
                        boolean stripe = ((label % 2 == 0 ? x : y) / (2 + label / 2)) % 2 == 0;
                        int v = level + (stripe ? 40 : -40) + random.nextInt(41) - 20;
                        out[base + 1 + c * CifarFormat.PLANE + y * CifarFormat.SIDE + x] = (byte) Math.max(0, Math.min(255, v));
                    }
                }
            }
        }
        return out;
    }
}
