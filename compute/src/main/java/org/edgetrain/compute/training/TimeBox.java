package org.edgetrain.compute.training;

/**
 * How much a device trains next within its time box: the batch sizes of one device's round. The device paces itself
 * by what it measures in this very round, so devices finish together even when their speed swings from round to
 * round. Not thread-safe: one training thread asks it, batch after batch.
 */
final class TimeBox {
    /**
     * Smallest batch that fills a box to its end when less than {@link #smallestBatch} still fits. Why: at 0.054 core
     * a quarter batch of 16 images takes an rpi4 about 2.5 s, so stopping at the last whole step left it idle for up
     * to 2.5 s of a 12 s box (the rpi4s trained 80 % of each round). Batch Normalization takes its
     * statistics over the batch and every position of a feature map (8 x 8 or more in these ResNets), 256 values or
     * more a channel with 4 images; the learning rate is scaled to the batch ({@link TrainingJob#learningRateFor}).
     */
    static final int FILLING_BATCH_MIN = 4;

    /** What lies past the box: the round's close ({@link RoundEnd.Device} on a device). */
    interface Extension {
        /**
         * @param batchSeconds how long a {@link #smallestBatch} takes at this box's mean pace
         * @return true to train one more small batch past the box (the round has not closed yet)
         */
        boolean keepsTraining(double batchSeconds, double elapsedSeconds);

        /** @return true once the round has closed */
        boolean closed();
    }

    private final double seconds;
    private final int jobBatch;
    private final int smallest;
    private final double expectedRate;
    private final Extension extension;
    private int trained;
    private double slowestPerSample; // seconds per sample of this box's slowest batch so far

    /**
     * @param seconds the box, or 0 to train every slice in full at the job's batch
     * @param expectedRate the coordinator's estimate of this device's images/s (sizes the first batch), or 0
     */
    TimeBox(double seconds, int jobBatch, double expectedRate, Extension extension) {
        this.seconds = seconds;
        this.jobBatch = jobBatch;
        this.smallest = smallestBatch(jobBatch);
        this.expectedRate = expectedRate;
        this.extension = extension;
    }

    /**
     * @param left samples left in the device's slices
     * @param elapsedSeconds since the box began
     * @return the next batch's size, or 0 when the device stops
     */
    int next(int left, double elapsedSeconds) {
        int size = Math.min(jobBatch, left);
        if (trained > 0 && extension.closed()) {
            // The round is over. Past the box that is the usual close; within the box or the whole slices it means the
            // deadline passed, so this result comes too late to count and the next round needs the device (without
            // this, in the 11-device paper fleet's warm-up, rpi4s trained on 68 s boxes past a 40 s deadline and their
            // next job waited 25-29 s behind them).
            return 0;
        }
        if (seconds <= 0) {
            return size;
        }
        if (trained == 0) {
            // A slow device may fit about one batch in its box; a whole first batch would then decide alone when it
            // finishes. At most half the box, so its own pace can size the rest.
            return expectedRate > 0 ? Math.min(size, Math.max(smallest, (int) (expectedRate * seconds / 2))) : size;
        }
        // Paced by the slowest batch so far, not the mean: a batch that ends past the box holds up every device of
        // the round, one left out costs only this device a batch (measured: rpi4s at 0.054 core, whose batches vary
        // as Ignite's threads take their share of the quota, ran 4-5 s past 14 s boxes in 2 of 4 rounds, and the
        // fleet idled meanwhile).
        int fits = (int) ((seconds - elapsedSeconds) / slowestPerSample);
        if (fits >= smallest) {
            // At most half of what still fits: the device measures its pace again before the box's end, so a batch
            // slower than the ones before overruns by part of a half, not by a whole batch (measured on the 11-device
            // paper fleet with only the batch that would fill the box split: after a fast first batch, rpi4s sized a
            // 64-image second one at that pace and ran up to 2.3 s past their box, and the round waited for them).
            return Math.min(size, fits >= 2 * smallest ? fits / 2 : fits);
        }
        if (extension.keepsTraining(elapsedSeconds / trained * smallest, elapsedSeconds)) {
            // Judged at the box's mean pace: one slow batch (a GC pause, a busy host) must not make a fast device idle
            // for the rest of the round (judged by the slowest batch, a device stopped 0.5 s early and idled). Past the box only the
            // round's close can be late, and by one small batch at most.
            return Math.min(size, smallest); // the box is full, the round is not: small steps until it is
        }
        if (fits >= FILLING_BATCH_MIN) {
            return Math.min(size, fits); // a device with long batches fills its box to the end
        }
        return 0; // the box is full: stopping now is what makes devices finish together
    }

    /** Records a batch of {@code size} that took {@code batchSeconds}, from the start of its sizing to its end. */
    void trained(int size, double batchSeconds) {
        trained += size;
        slowestPerSample = Math.max(slowestPerSample, batchSeconds / size);
    }

    /**
     * Smallest batch of a time box's steps: a quarter of the job's batch and at least 8 images. A device halves what
     * still fits in its box down to this, and one with short batches trains on past its box in steps of this size.
     * Coarser steps cost the slow devices their box: at 0.054 core an rpi4's half batch takes 5-7 s of a 10-12 s box,
     * and one that did not fit was 2-5 s idle while the round waited for another rpi4 (measured on the 11-device paper
     * fleet: rpi4s trained 6.2-11.4 s of a 12.1 s round).
     */
    static int smallestBatch(int jobBatch) {
        return Math.min(jobBatch, Math.max(8, jobBatch / 4));
    }
}
