package org.edgetrain.compute.training;

import java.io.Serializable;

/**
 * Where one data partition stands in the current epoch: samples {@code [0, cursor)} of the epoch's seeded
 * permutation of the partition have been trained and committed. Lasting state, committed with the model.
 *
 * @param epoch the epoch the cursor belongs to
 * @param cursor committed position in the permutation
 * @param size samples of the partition that the job uses, or -1 before a device has counted them
 */
public record PartitionProgress(int epoch, int cursor, int size) implements Serializable {
    /** @return true when the partition has been fully visited in its epoch */
    public boolean done() {
        return size >= 0 && cursor >= size;
    }
}
