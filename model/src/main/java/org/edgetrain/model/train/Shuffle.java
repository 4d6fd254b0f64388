package org.edgetrain.model.train;

import java.util.SplittableRandom;

/** Seeded permutations: the visiting order of an epoch, reproducible from (seed, epoch, stream). Thread-safe. */
public final class Shuffle {
    private Shuffle() {
    }

    /**
     * @param n size
     * @param seed run seed
     * @param epoch epoch number
     * @param stream independent stream id (e.g. a partition number)
     * @return a permutation of 0..n-1 (Fisher-Yates)
     */
    public static int[] permutation(int n, long seed, long epoch, long stream) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed ^ (epoch * 0x9E3779B97F4A7C15L) ^ (stream * 0xC2B2AE3D27D4EB4FL));
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
