package org.edgetrain.compute.training;

import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.lang.IgnitePredicate;
import org.apache.ignite.resources.IgniteInstanceResource;
import org.edgetrain.rebalancing.DeviceAttributes;

/**
 * Where the coordinator may run: on one of the fleet's most capable devices. The coordinator aggregates, commits and
 * records every round between two rounds of training; on a device throttled to a fifth of a core that work takes
 * seconds and stalls the whole fleet (measured: 1.4 s between rounds with the coordinator on an rpi4), and it eats
 * into that device's own training. Devices within {@link #TOLERANCE} of the best measured capability qualify, so
 * two similar machines with slightly different calibrations both do.
 *
 * <p>Ignite evaluates the filter when it assigns the singleton (deployment, and after the host leaves); a deployed
 * coordinator is kept where it runs while its device lives, so a stronger device joining later does not move it
 * mid-round. Ignite injects the instance before it applies the filter.
 *
 * <p>Every node evaluates the filter, a disconnected client too (while it reconnects): there the cluster view throws,
 * and an exception escaping the filter broke the client's reconnection (the error is not serializable). Without a
 * view, any device qualifies.
 */
final class CoordinatorPlacement implements IgnitePredicate<ClusterNode> {
    /** Fraction of the best capability a device needs to host the coordinator. */
    static final double TOLERANCE = 0.8;
    private static final long serialVersionUID = 1L;

    @IgniteInstanceResource
    private transient Ignite ignite;

    @Override
    public boolean apply(ClusterNode node) {
        if (node.isClient()) {
            return false;
        }
        if (ignite == null) {
            return true; // no view of the fleet: any device will do
        }
        try {
            double best = ignite.cluster().forServers().nodes().stream().mapToDouble(DeviceAttributes::capability)
                    .max().orElse(0);
            return DeviceAttributes.capability(node) >= TOLERANCE * best;
        } catch (RuntimeException e) {
            return true; // no view of the fleet (a client between two connections): any device will do
        }
    }
}
