package org.edgetrain.model.strategy;

import java.io.Serializable;

/**
 * What one device returns from a round: its replica's full state after training, and how much it trained.
 *
 * @param device device name
 * @param round the round this result belongs to
 * @param state the replica's full state after training (same layout as the global model)
 * @param samples images trained on in this round (the FedAvg weight)
 * @param lossSum sum of per-batch mean losses times batch sizes, for the mean training loss
 */
public record DeviceResult(String device, long round, float[] state, long samples, double lossSum)
        implements Serializable {
}
