package org.edgetrain.model.cifar;

import java.util.SplittableRandom;

/**
 * The standard CIFAR augmentation of He et al. 2016: pad 4 pixels with zeros, take a random 32x32 crop,
 * flip horizontally with probability 1/2.
 *
 * <p>The random choices depend only on (seed, epoch, sample index), never on which device or thread
 * processes the sample: a sample moved to another device mid-epoch is augmented the same way, and runs are
 * reproducible. Stateless and thread-safe.
 *
 * @param seed run seed
 * @param enabled false for evaluation (identity)
 */
public record Augmentation(long seed, boolean enabled) {
    /** Zero padding on each side. */
    public static final int PAD = 4;

    /** @return the identity augmentation, for evaluation */
    public static Augmentation none() {
        return new Augmentation(0, false);
    }

    /**
     * Writes the augmented, normalized image of one record into {@code out} at {@code offset} (CHW order).
     *
     * @param record bytes holding the record at {@code recordOffset} (label byte first)
     * @param epoch training epoch (part of the random stream)
     * @param sampleIndex global sample index (part of the random stream)
     */
    public void apply(byte[] record, int recordOffset, long epoch, long sampleIndex, float[] out, int offset) {
        int dx = 0;
        int dy = 0;
        boolean flip = false;
        if (enabled) {
            SplittableRandom random = new SplittableRandom(mix(seed, epoch, sampleIndex));
            dx = random.nextInt(2 * PAD + 1) - PAD;
            dy = random.nextInt(2 * PAD + 1) - PAD;
            flip = random.nextBoolean();
        }
        int side = CifarFormat.SIDE;
        for (int c = 0; c < CifarFormat.CHANNELS; c++) {
            int plane = recordOffset + 1 + c * CifarFormat.PLANE;
            float mean = Normalization.MEAN[c];
            float invStd = 1f / Normalization.STD[c];
            float padValue = (0f - mean) * invStd;
            int outPlane = offset + c * CifarFormat.PLANE;
            for (int y = 0; y < side; y++) {
                int sy = y + dy;
                for (int x = 0; x < side; x++) {
                    int sx = (flip ? side - 1 - x : x) + dx;
                    float v;
                    if (sy < 0 || sy >= side || sx < 0 || sx >= side) {
                        v = padValue;
                    } else {
                        v = ((record[plane + sy * side + sx] & 0xFF) / 255f - mean) * invStd;
                    }
                    out[outPlane + y * side + x] = v;
                }
            }
        }
    }

    private static long mix(long seed, long epoch, long index) {
        long h = seed * 0x9E3779B97F4A7C15L + epoch;
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + index;
        h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
        return h ^ (h >>> 33);
    }
}
