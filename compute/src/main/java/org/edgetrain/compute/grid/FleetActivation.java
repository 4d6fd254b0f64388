package org.edgetrain.compute.grid;

import java.util.Set;
import java.util.stream.Collectors;
import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.BaselineNode;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.cluster.ClusterState;

/**
 * The life cycle of a fleet with native persistence. Such a fleet starts inactive: its data is on the devices' disks
 * and Ignite waits until the devices that hold it (the baseline) are back. A brand-new fleet is activated by the first
 * tool that connects; a restarted one activates itself once every baseline device has rejoined (Ignite does that;
 * a tool that connects meanwhile waits for it). While active, the baseline follows
 * joins and departures by itself after {@link #AUTO_ADJUST_MILLIS}, so self-organization works as without
 * persistence. A whole-fleet stop deactivates first, which freezes the baseline, so the restart finds every copy.
 *
 * <p>An in-memory fleet is always active; every method here is then a no-op.
 */
public final class FleetActivation {
    /**
     * How long a departed device stays in the baseline before its data is re-replicated elsewhere: long enough that a
     * device restarting (or a whole fleet stopping one by one) does not trigger a full rebalance, short enough that a
     * dead device's redundancy is rebuilt within a minute.
     */
    public static final long AUTO_ADJUST_MILLIS = 20_000;

    private FleetActivation() {
    }

    /** @return true when the fleet's devices keep their data on disk */
    public static boolean persistent(Ignite ignite) {
        return ignite.cluster().forServers().nodes().stream()
                .anyMatch(n -> "true".equals(n.attribute(GridNames.ATTR_PERSISTENT)));
    }

    /**
     * Makes the fleet active, waiting up to {@code timeoutMillis} for the baseline devices of a restarted fleet.
     *
     * @return a line for the user saying what was done, or null when nothing was needed
     * @throws IllegalStateException naming the missing devices when they did not come back in time
     */
    public static String ensureActive(Ignite ignite, long timeoutMillis) throws InterruptedException {
        if (ignite.cluster().state() == ClusterState.ACTIVE) {
            return null;
        }
        java.util.Collection<BaselineNode> baseline = ignite.cluster().currentBaselineTopology();
        if (baseline == null) {
            activate(ignite);
            return "activated a new persistent fleet of " + ignite.cluster().forServers().nodes().size() + " devices";
        }
        long deadline = System.currentTimeMillis() + timeoutMillis;
        Set<String> missing = missing(ignite, baseline);
        while (!missing.isEmpty()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the fleet's data is on devices " + missing + ", which have not "
                        + "rejoined: start them (same names, same work directories) and run the command again");
            }
            Thread.sleep(500); // polling the topology with a deadline
            missing = missing(ignite, baseline);
        }
        activate(ignite);
        return "reactivated the fleet: all " + baseline.size() + " devices holding its data are back";
    }

    private static void activate(Ignite ignite) {
        ignite.cluster().state(ClusterState.ACTIVE);
        ignite.cluster().baselineAutoAdjustEnabled(true);
        ignite.cluster().baselineAutoAdjustTimeout(AUTO_ADJUST_MILLIS);
    }

    private static Set<String> missing(Ignite ignite, java.util.Collection<BaselineNode> baseline) {
        Set<Object> online = ignite.cluster().forServers().nodes().stream().map(ClusterNode::consistentId)
                .collect(Collectors.toSet());
        return baseline.stream().map(BaselineNode::consistentId).filter(id -> !online.contains(id)).map(String::valueOf)
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    /**
     * Prepares a whole-fleet stop, after which devices may leave at once without waiting for each other: a persistent
     * fleet is deactivated (every device checkpoints its data and the baseline stays as it is); an in-memory one is
     * switched to immediate shutdown.
     */
    public static void prepareWholeFleetStop(Ignite ignite) {
        if (persistent(ignite)) {
            // Inactive, a fleet has no partitions to hand over, so devices leave at once. The graceful policy stays:
            // it is stored on disk with the rest and must hold after the restart.
            if (ignite.cluster().state() == ClusterState.ACTIVE) {
                ignite.cluster().state(ClusterState.INACTIVE);
            }
        } else {
            ignite.cluster().shutdownPolicy(org.apache.ignite.ShutdownPolicy.IMMEDIATE);
        }
    }
}
