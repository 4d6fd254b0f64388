package org.edgetrain.compute.training;

import java.io.Serializable;

/**
 * A slice of one partition to train in a round: positions {@code [from, from + quota)} of the epoch permutation.
 *
 * @param partition data partition
 * @param epoch epoch of the permutation
 * @param from first position
 * @param quota most samples to take
 * @param expectedSize samples the partition had when its progress was last committed, or -1 if never counted
 * @param fromBackup true when the device trains its backup copy because the primary's device is quarantined
 */
public record PartitionWork(int partition, int epoch, int from, int quota, int expectedSize, boolean fromBackup)
        implements Serializable {
}
