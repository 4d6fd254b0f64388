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
 * Places partitions in proportion to each device's capability: a device that trains 4x faster owns about 4x the
 * primary partitions, so all devices run out of an epoch's samples together. Ignite's rebalancing then moves shards
 * whenever devices join, leave or fail.
 *
 * <p>Weighted rendezvous hashing: every (partition, device) pair gets a score {@code w / -ln(u)} with {@code u}
 * a hash of both in (0, 1). Primary counts are apportioned exactly to the weights (largest remainder), and pairs
 * are assigned best score first while a device has room, which keeps most partitions in place when the
 * topology changes. Backups take the next best devices on other hosts when hosts are known, otherwise other devices.
 *
 * <p>Stateless and deterministic: every node computes the same assignment from the same topology.
 */
public final class CapabilityAffinityFunction implements AffinityFunction {
    private static final long serialVersionUID = 1L;

    private final int partitions;
    private final boolean weighted;

    /**
     * @param partitions number of partitions
     * @param weighted false to give every device the same weight (the "equal split" of the benchmarks)
     */
    public CapabilityAffinityFunction(int partitions, boolean weighted) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1");
        }
        this.partitions = partitions;
        this.weighted = weighted;
    }

    @Override
    public void reset() {
    }

    @Override
    public int partitions() {
        return partitions;
    }

    @Override
    public int partition(Object key) {
        return Math.floorMod(mix(key.hashCode()), partitions);
    }

    @Override
    public void removeNode(UUID nodeId) {
    }

    @Override
    public List<List<ClusterNode>> assignPartitions(AffinityFunctionContext context) {
        return assign(context.currentTopologySnapshot(), context.backups());
    }

    /** The assignment for a topology: one list per partition, primary first. */
    public List<List<ClusterNode>> assign(List<ClusterNode> nodes, int backups) {
        List<List<ClusterNode>> out = new ArrayList<>(partitions);
        if (nodes.isEmpty()) {
            for (int p = 0; p < partitions; p++) {
                out.add(List.of());
            }
            return out;
        }
        List<ClusterNode> sorted = new ArrayList<>(nodes);
        sorted.sort(Comparator.comparing(n -> String.valueOf(n.consistentId())));
        double[] weights = new double[sorted.size()];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = weighted ? DeviceAttributes.capability(sorted.get(i)) : 1.0;
        }
        int[] room = apportion(weights, partitions);
        double[][] score = new double[partitions][sorted.size()];
        List<long[]> pairs = new ArrayList<>(partitions * sorted.size());
        for (int p = 0; p < partitions; p++) {
            for (int n = 0; n < sorted.size(); n++) {
                double u = (hash(p, String.valueOf(sorted.get(n).consistentId())) + 0.5) / 9007199254740992.0;
                score[p][n] = weights[n] / -Math.log(u);
                pairs.add(new long[] {p, n});
            }
        }
        pairs.sort((a, b) -> Double.compare(score[(int) b[0]][(int) b[1]], score[(int) a[0]][(int) a[1]]));
        int[] primary = new int[partitions];
        java.util.Arrays.fill(primary, -1);
        for (long[] pair : pairs) {
            int p = (int) pair[0];
            int n = (int) pair[1];
            if (primary[p] < 0 && room[n] > 0) {
                primary[p] = n;
                room[n]--;
            }
        }
        for (int p = 0; p < partitions; p++) {
            final int partition = p;
            List<Integer> order = new ArrayList<>();
            for (int n = 0; n < sorted.size(); n++) {
                if (n != primary[p]) {
                    order.add(n);
                }
            }
            order.sort((a, b) -> Double.compare(score[partition][b], score[partition][a]));
            List<ClusterNode> owners = new ArrayList<>();
            owners.add(sorted.get(primary[p]));
            Set<String> hosts = new HashSet<>();
            hosts.add(DeviceAttributes.host(sorted.get(primary[p])));
            for (int n : order) { // other hosts first
                if (owners.size() > backups) {
                    break;
                }
                if (hosts.add(DeviceAttributes.host(sorted.get(n)))) {
                    owners.add(sorted.get(n));
                }
            }
            for (int n : order) { // then other devices on a host already used
                if (owners.size() > backups) {
                    break;
                }
                if (!owners.contains(sorted.get(n))) {
                    owners.add(sorted.get(n));
                }
            }
            out.add(owners);
        }
        return out;
    }

    /** Largest-remainder apportionment of {@code total} slots to weights. */
    static int[] apportion(double[] weights, int total) {
        double sum = 0;
        for (double w : weights) {
            sum += w;
        }
        int[] counts = new int[weights.length];
        double[] remainders = new double[weights.length];
        int assigned = 0;
        for (int i = 0; i < weights.length; i++) {
            double exact = total * weights[i] / sum;
            counts[i] = (int) Math.floor(exact);
            remainders[i] = exact - counts[i];
            assigned += counts[i];
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            order.add(i);
        }
        order.sort((a, b) -> Double.compare(remainders[b], remainders[a]) != 0
                ? Double.compare(remainders[b], remainders[a]) : Integer.compare(a, b));
        for (int k = 0; assigned < total; k++, assigned++) {
            counts[order.get(k % order.size())]++;
        }
        return counts;
    }

    /** @return a 53-bit hash of (partition, device) */
    private static long hash(int partition, String device) {
        long h = 0x9E3779B97F4A7C15L * (partition + 1);
        for (int i = 0; i < device.length(); i++) {
            h = (h ^ device.charAt(i)) * 0x100000001B3L;
        }
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        h ^= h >>> 33;
        return h >>> 11;
    }

    private static int mix(int x) {
        int h = x * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
