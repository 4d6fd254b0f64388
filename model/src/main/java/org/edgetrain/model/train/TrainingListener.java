package org.edgetrain.model.train;

/** Progress callbacks of {@link LocalTrainer}; called on the training thread, so keep them quick. */
public interface TrainingListener {
    /**
     * After every batch.
     *
     * @param epoch epoch, from 1
     * @param imagesDone images trained in this epoch so far
     * @param imagesTotal images in the epoch
     * @param loss running mean loss of the epoch
     * @param imagesPerSecond running throughput of the epoch
     */
    default void batchDone(int epoch, long imagesDone, long imagesTotal, double loss, double imagesPerSecond) {
    }

    /** After each epoch's evaluation. */
    default void epochDone(EpochResult result) {
    }
}
