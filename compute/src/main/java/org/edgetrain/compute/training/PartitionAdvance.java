package org.edgetrain.compute.training;

import java.io.Serializable;

/**
 * What a device did with a {@link PartitionWork}: trained positions {@code [from, to)} of a partition of
 * {@code size} samples.
 *
 * @param partition data partition
 * @param epoch epoch of the permutation
 * @param from first position trained
 * @param to end position (exclusive)
 * @param size samples of the partition the job uses
 */
public record PartitionAdvance(int partition, int epoch, int from, int to, int size)
        implements Serializable {
}
