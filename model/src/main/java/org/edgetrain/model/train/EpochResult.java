package org.edgetrain.model.train;

/**
 * One epoch of standalone training.
 *
 * @param epoch epoch number, from 1
 * @param trainLoss mean training loss
 * @param testAccuracy accuracy on the test set after the epoch
 * @param testLoss mean cross-entropy on the test set
 * @param imagesPerSecond training throughput of the epoch (evaluation excluded)
 * @param seconds wall time of the epoch's training
 * @param learningRate learning rate at the end of the epoch
 */
public record EpochResult(int epoch, double trainLoss, double testAccuracy, double testLoss,
                          double imagesPerSecond, double seconds, double learningRate) {
}
