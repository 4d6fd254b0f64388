package org.edgetrain.compute.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.GridSchema;

/** Read-only views of the fleet and its metrics tables, shared by status, train and demo. */
final class FleetQueries {
    private FleetQueries() {
    }

    /** One device as {@code status} shows it. */
    record DeviceStatus(String name, String deviceClass, int partitions, double lastImagesPerSecond,
                        long rounds, long samples, double meanImagesPerSecond) {
    }

    /** One evaluation. */
    record EpochAccuracy(int epoch, double testAccuracy, double testLoss, long roundNo) {
    }

    static List<DeviceStatus> devices(Ignite ignite) {
        Map<String, double[]> stats = new HashMap<>();
        for (List<?> row : GridSchema.sql(ignite, "SELECT DEVICE, COUNT(*), SUM(SAMPLES), AVG(IMAGES_PER_SECOND) "
                + "FROM DEVICE_ROUNDS WHERE STATUS = 'ACCEPTED' GROUP BY DEVICE")) {
            stats.put((String) row.get(0), new double[] {((Number) row.get(1)).doubleValue(),
                    ((Number) row.get(2)).doubleValue(), ((Number) row.get(3)).doubleValue()});
        }
        Map<String, Double> last = new HashMap<>();
        Map<String, Long> lastRound = new HashMap<>();
        for (List<?> row : GridSchema.sql(ignite, "SELECT DEVICE, ROUND_NO, IMAGES_PER_SECOND FROM DEVICE_ROUNDS")) {
            String device = (String) row.get(0);
            long round = ((Number) row.get(1)).longValue();
            if (round >= lastRound.getOrDefault(device, -1L)) {
                lastRound.put(device, round);
                last.put(device, ((Number) row.get(2)).doubleValue());
            }
        }
        List<DeviceStatus> out = new ArrayList<>();
        for (ClusterNode node : ignite.cluster().forServers().nodes()) {
            String name = String.valueOf(node.consistentId());
            double[] s = stats.getOrDefault(name, new double[3]);
            out.add(new DeviceStatus(name, String.valueOf((Object) node.attribute(GridNames.ATTR_CLASS)),
                    ignite.cache(GridNames.TRAIN) == null ? 0 : ignite.affinity(GridNames.TRAIN).primaryPartitions(node).length,
                    last.getOrDefault(name, 0.0), (long) s[0], (long) s[1], s[2]));
        }
        out.sort(java.util.Comparator.comparing(DeviceStatus::name));
        return out;
    }

    static List<EpochAccuracy> evaluations(Ignite ignite, String job) {
        List<EpochAccuracy> out = new ArrayList<>();
        for (List<?> row : GridSchema.sql(ignite, "SELECT EPOCH, TEST_ACCURACY, TEST_LOSS, ROUND_NO FROM EVALS WHERE JOB = ? "
                + "ORDER BY EPOCH", job)) {
            out.add(new EpochAccuracy(((Number) row.get(0)).intValue(), ((Number) row.get(1)).doubleValue(),
                    ((Number) row.get(2)).doubleValue(), ((Number) row.get(3)).longValue()));
        }
        return out;
    }

    static void printDevices(List<DeviceStatus> devices) {
        System.out.printf("%-16s %-12s %10s %8s %10s %12s %12s%n", "device", "class", "partitions", "rounds", "samples",
                "mean img/s", "last img/s");
        for (DeviceStatus d : devices) {
            System.out.printf("%-16s %-12s %10d %8d %10d %12.1f %12.1f%n", d.name(), d.deviceClass(), d.partitions(),
                    d.rounds(), d.samples(), d.meanImagesPerSecond(), d.lastImagesPerSecond());
        }
    }
}
