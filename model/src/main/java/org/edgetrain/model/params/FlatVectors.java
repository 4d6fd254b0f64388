package org.edgetrain.model.params;

/**
 * Math on flat parameter vectors (a network's whole state as one {@code float[]}). Accumulates in double so
 * that averaging many devices' vectors does not lose precision. Stateless and thread-safe.
 */
public final class FlatVectors {
    private FlatVectors() {
    }

    /** @return true when every value is finite (no NaN, no infinity) */
    public static boolean allFinite(float[] v) {
        for (float x : v) {
            if (!Float.isFinite(x)) {
                return false;
            }
        }
        return true;
    }

    /** @return the Euclidean norm of {@code a - b} */
    public static double distance(float[] a, float[] b) {
        requireSameLength(a, b);
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }

    /** @return the Euclidean norm */
    public static double norm(float[] a) {
        double sum = 0;
        for (float x : a) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }

    /**
     * Weighted average of vectors of equal length.
     *
     * @param vectors the vectors
     * @param weights non-negative weights, at least one positive
     * @return sum(w_i * v_i) / sum(w_i)
     * @throws IllegalArgumentException on empty input, mismatched lengths or non-positive total weight
     */
    public static float[] weightedAverage(java.util.List<float[]> vectors, double[] weights) {
        if (vectors.isEmpty() || vectors.size() != weights.length) {
            throw new IllegalArgumentException("need as many weights as vectors, and at least one");
        }
        int n = vectors.get(0).length;
        double total = 0;
        for (double w : weights) {
            if (!(w >= 0)) {
                throw new IllegalArgumentException("weights must be >= 0, got " + w);
            }
            total += w;
        }
        if (!(total > 0)) {
            throw new IllegalArgumentException("total weight must be positive");
        }
        double[] sum = new double[n];
        for (int k = 0; k < vectors.size(); k++) {
            float[] v = vectors.get(k);
            if (v.length != n) {
                throw new IllegalArgumentException("vector " + k + " has length " + v.length + ", expected " + n);
            }
            double w = weights[k] / total;
            for (int i = 0; i < n; i++) {
                sum[i] += w * v[i];
            }
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) sum[i];
        }
        return out;
    }

    private static void requireSameLength(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
        }
    }
}
