package org.edgetrain.model.cifar;

/**
 * Per-channel normalization constants of the CIFAR-10 training set (pixel / 255, then (x - mean) / std).
 * Fixed constants rather than statistics of whatever shard a device holds, so that every device
 * normalizes identically.
 */
public final class Normalization {
    /** Channel means (R, G, B) of CIFAR-10 training pixels in [0, 1]. */
    static final float[] MEAN = {0.4914f, 0.4822f, 0.4465f};
    /** Channel standard deviations (R, G, B). */
    static final float[] STD = {0.2470f, 0.2435f, 0.2616f};

    private Normalization() {
    }

    /** @return the channel means (R, G, B) every image is normalized with */
    public static float[] mean() {
        return MEAN.clone();
    }

    /** @return the channel standard deviations (R, G, B) every image is normalized with */
    public static float[] std() {
        return STD.clone();
    }

    /**
     * Measures the per-channel mean and standard deviation of a split (pixel / 255).
     *
     * @return {meanR, meanG, meanB, stdR, stdG, stdB}
     */
    public static double[] measure(CifarSplit split) {
        double[] sum = new double[3];
        double[] squares = new double[3];
        byte[] data = split.records();
        for (int r = 0; r < split.size(); r++) {
            int base = r * CifarFormat.RECORD_BYTES + 1;
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < CifarFormat.PLANE; p++) {
                    double v = (data[base + c * CifarFormat.PLANE + p] & 0xFF) / 255.0;
                    sum[c] += v;
                    squares[c] += v * v;
                }
            }
        }
        double n = (double) split.size() * CifarFormat.PLANE;
        double[] out = new double[6];
        for (int c = 0; c < 3; c++) {
            out[c] = sum[c] / n;
            out[3 + c] = Math.sqrt(Math.max(0, squares[c] / n - out[c] * out[c]));
        }
        return out;
    }
}
