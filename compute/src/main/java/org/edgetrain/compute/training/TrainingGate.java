package org.edgetrain.compute.training;

import java.util.Optional;
import java.util.Set;
import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.edgetrain.compute.grid.DatasetLoadMarker;
import org.edgetrain.compute.grid.EventKind;
import org.edgetrain.compute.health.FleetQuorum;
import org.edgetrain.compute.health.Quarantine;

/**
 * What must hold before devices are given work: this side of the fleet holds a quorum ({@link FleetQuorum}), the data
 * complete and still (no partition without a copy, no data set load running), and who is in quarantine. Reports each change once, as an event. Reads the grid, writes only
 * events; its memory of what it reported is rebuilt by a new coordinator (which may report a state once more). Used
 * by the coordinator's thread.
 */
final class TrainingGate {
    private static final Logger LOG = LogManager.getLogger(TrainingGate.class);

    private final Ignite ignite;
    private final JobStore store;
    private final RoundRecorder recorder;
    private Set<Integer> reportedLost = Set.of();
    private boolean reportedLoading;
    private Set<String> quarantinedBefore = Set.of();

    TrainingGate(Ignite ignite, JobStore store, RoundRecorder recorder) {
        this.ignite = ignite;
        this.store = store;
        this.recorder = recorder;
    }

    /**
     * @return true while this side of the fleet has no quorum (the device that sees it records NO_QUORUM), a
     *     partition has lost every copy (training waits for an operator to reload the data) or a
     *     data set load runs (a partition it fills must not be counted half-full)
     */
    boolean closed() {
        if (!FleetQuorum.allowsCommits(ignite)) {
            return true;
        }
        Set<Integer> lost = store.lostPartitions();
        if (!lost.isEmpty()) {
            if (!lost.equals(reportedLost)) {
                LOG.warn("training paused: partitions {} lost every copy", lost);
                recorder.event(EventKind.PARTITIONS_LOST, null, "training paused: partitions " + lost + " lost every "
                        + "copy; reload the data set (edgetrain dataset load --cifar PATH) to bring them back");
                reportedLost = lost;
            }
            return true;
        }
        Optional<ClusterNode> loader = DatasetLoadMarker.loader(ignite);
        if (loader.isPresent()) {
            if (!reportedLoading) {
                LOG.info("training paused while {} loads the data set", loader.get().consistentId());
                recorder.event(EventKind.DATASET_LOADING, null, "training paused while " + loader.get().consistentId()
                        + " loads the data set");
                reportedLoading = true;
            }
            return true;
        }
        reportedLoading = false;
        if (!reportedLost.isEmpty()) {
            recorder.event(EventKind.PARTITIONS_RESTORED, null, "training resumes: partitions " + reportedLost + " are back");
            reportedLost = Set.of();
        }
        return false;
    }

    /** @return the devices in quarantine now (none before anybody ever was), reporting those whose quarantine ended */
    Set<String> quarantined() {
        Set<String> now;
        try {
            now = Quarantine.active(ignite, System.currentTimeMillis());
        } catch (RuntimeException e) {
            now = Set.of(); // no table yet: nobody was ever quarantined
        }
        for (String device : quarantinedBefore) {
            if (!now.contains(device)) {
                recorder.event(EventKind.QUARANTINE_ENDED, device, device + " gets training work again");
            }
        }
        quarantinedBefore = now;
        return now;
    }
}
