package org.edgetrain.rebalancing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.ignite.cache.affinity.AffinityFunction;
import org.apache.ignite.cache.affinity.AffinityFunctionContext;
import org.apache.ignite.cluster.ClusterNode;

/**
 * Keeps a small cache on the most capable devices: one partition, its primary on the device with the highest
 * capability, its backups on the next ones (other hosts first when hosts are known).
 *
 * <p>For the fleet's shared state (the global model, the partitions' progress), written in a transaction every
 * round. Replicated on every device, each commit waited for the slowest device's share of CPU to take the new model
 * (measured: 7-10 s per commit with rpi4-class devices at 0.07 core, on a 3-device fleet); held by the strongest
 * few, it waits for them only, and the coordinator, deployed on this cache's primary, commits locally first.
 *
 * <p>Stateless and deterministic: every node computes the same owners from the same topology. Ties in capability
 * are broken by consistent id, so a device that joins or leaves moves the state only if it is among the strongest.
 */
public final class StrongestDevicesAffinityFunction implements AffinityFunction {
    private static final long serialVersionUID = 1L;

    /** Strongest first; equal capabilities in consistent-id order. */
    private static final Comparator<ClusterNode> STRONGEST_FIRST = Comparator
            .comparingDouble((ClusterNode n) -> -DeviceAttributes.capability(n))
            .thenComparing(n -> String.valueOf(n.consistentId()));

    @Override
    public void reset() {
    }

    @Override
    public int partitions() {
        return 1;
    }

    @Override
    public int partition(Object key) {
        return 0;
    }

    @Override
    public void removeNode(UUID nodeId) {
    }

    @Override
    public List<List<ClusterNode>> assignPartitions(AffinityFunctionContext context) {
        return List.of(owners(context.currentTopologySnapshot(), context.backups()));
    }

    /** @return the owners of the one partition for a topology: the strongest device, then its backups */
    public static List<ClusterNode> owners(List<ClusterNode> nodes, int backups) {
        List<ClusterNode> ranked = new ArrayList<>(nodes);
        ranked.sort(STRONGEST_FIRST);
        List<ClusterNode> owners = new ArrayList<>();
        if (ranked.isEmpty()) {
            return owners;
        }
        owners.add(ranked.get(0));
        Set<String> hosts = new HashSet<>();
        hosts.add(DeviceAttributes.host(ranked.get(0)));
        for (ClusterNode n : ranked) { // backups on other hosts first, as for the data
            if (owners.size() > backups) {
                break;
            }
            if (!owners.contains(n) && hosts.add(DeviceAttributes.host(n))) {
                owners.add(n);
            }
        }
        for (ClusterNode n : ranked) {
            if (owners.size() > backups) {
                break;
            }
            if (!owners.contains(n)) {
                owners.add(n);
            }
        }
        return owners;
    }
}
