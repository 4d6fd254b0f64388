package org.edgetrain.model.cifar;

/**
 * A mini-batch ready for an engine: normalized images in NCHW order and integer labels.
 *
 * @param features {@code size * 3 * 32 * 32} floats
 * @param labels {@code size} labels 0-9
 */
public record Batch(float[] features, int[] labels) {
    /** @return images in the batch */
    public int size() {
        return labels.length;
    }

    /**
     * Assembles a batch from records.
     *
     * @param records contiguous records
     * @param recordIndices which records (indices into {@code records})
     * @param sampleIds global sample ids, for the augmentation's random stream
     * @param augmentation pad-crop-flip or {@link Augmentation#none()}
     * @param epoch epoch, for the augmentation's random stream
     */
    public static Batch of(byte[] records, int[] recordIndices, long[] sampleIds, Augmentation augmentation, long epoch) {
        int n = recordIndices.length;
        float[] features = new float[n * CifarFormat.IMAGE_BYTES];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int offset = recordIndices[i] * CifarFormat.RECORD_BYTES;
            labels[i] = records[offset] & 0xFF;
            augmentation.apply(records, offset, epoch, sampleIds[i], features, i * CifarFormat.IMAGE_BYTES);
        }
        return new Batch(features, labels);
    }

    /** @return records {@code from} to {@code from + size - 1} of {@code split} as they are (for evaluation) */
    public static Batch plain(CifarSplit split, int from, int size) {
        int[] indices = new int[size];
        long[] ids = new long[size];
        for (int i = 0; i < size; i++) {
            indices[i] = from + i;
            ids[i] = from + i;
        }
        return of(split.records(), indices, ids, Augmentation.none(), 0);
    }
}
