package org.edgetrain.compute.training;

import java.util.List;

/**
 * Named injection point of the coordinator, called on the coordinator's thread right after a round commits (and
 * before the next starts). Tests and fault-injection harnesses register one with
 * {@link RoundCoordinator#setCommitListener}; the default does nothing.
 */
@FunctionalInterface
public interface CommitListener {
    /**
     * @param committed the model state just committed
     * @param advances the partition progress committed with it
     */
    void committed(ModelState committed, List<PartitionAdvance> advances);
}
