package org.edgetrain.compute.grid;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.ignite.cluster.ClusterNode;
import org.edgetrain.compute.grid.FleetReader;
import org.edgetrain.compute.grid.GridNames;

/** Read-only views of the fleet and its metrics tables, shared by status, train and demo. */
public final class FleetQueries {
    private FleetQueries() {
    }

    /** One device as {@code status} shows it. */
    public record DeviceStatus(String name, String deviceClass, int partitions, double lastImagesPerSecond,
                               long rounds, long samples, double meanImagesPerSecond, double capability,
                               double heapUsedMegabytes, double offHeapUsedMegabytes, double cpuLoad,
                               double residentMegabytes, String quarantinedUntil, String engine) {
        /** @return "ok", or "quarantined until TIME" for a flapping device that gets no work for now */
        @com.fasterxml.jackson.annotation.JsonProperty("health")
        public String health() {
            return quarantinedUntil == null ? "ok" : "quarantined until " + quarantinedUntil;
        }
    }

    /** One evaluation. */
    public record EpochAccuracy(int epoch, double testAccuracy, double testLoss, long roundNo) {
    }

    /** @return every device of the fleet with its share and measured throughput */
    public static List<DeviceStatus> devices(FleetReader fleet) {
        Map<String, double[]> stats = new HashMap<>();
        for (List<?> row : rows(fleet, "SELECT DEVICE, COUNT(*), SUM(SAMPLES), AVG(IMAGES_PER_SECOND) "
                + "FROM DEVICE_ROUNDS WHERE STATUS = 'ACCEPTED' GROUP BY DEVICE")) {
            stats.put((String) row.get(0), new double[] {((Number) row.get(1)).doubleValue(),
                    ((Number) row.get(2)).doubleValue(), ((Number) row.get(3)).doubleValue()});
        }
        Map<String, List<?>> last = new HashMap<>();
        Map<String, Long> lastRound = new HashMap<>();
        for (List<?> row : rows(fleet, "SELECT DEVICE, ROUND_NO, IMAGES_PER_SECOND, HEAP_USED_MB, "
                + "OFFHEAP_USED_MB, CPU_LOAD, RESIDENT_MB, ENGINE FROM DEVICE_ROUNDS WHERE SAMPLES > 0")) {
            String device = (String) row.get(0);
            long round = ((Number) row.get(1)).longValue();
            if (round >= lastRound.getOrDefault(device, -1L)) {
                lastRound.put(device, round);
                last.put(device, row);
            }
        }
        Map<String, String> quarantined = quarantined(fleet);
        Map<java.util.UUID, Long> partitions = fleet.primaryPartitions(GridNames.TRAIN);
        List<DeviceStatus> out = new ArrayList<>();
        for (ClusterNode node : fleet.devices()) {
            String name = String.valueOf(node.consistentId());
            double[] s = stats.getOrDefault(name, new double[3]);
            List<?> l = last.get(name);
            out.add(new DeviceStatus(name, String.valueOf((Object) node.attribute(GridNames.ATTR_CLASS)),
                    partitions.getOrDefault(node.id(), 0L).intValue(),
                    l == null ? 0 : value(l, 2), (long) s[0], (long) s[1], s[2],
                    org.edgetrain.rebalancing.DeviceAttributes.capability(node),
                    l == null ? 0 : value(l, 3), l == null ? 0 : value(l, 4), l == null ? -1 : value(l, 5),
                    l == null || l.get(6) == null ? -1 : value(l, 6), quarantined.get(name),
                    l == null || l.get(7) == null ? "-" : (String) l.get(7)));
        }
        out.sort(java.util.Comparator.comparing(DeviceStatus::name));
        return out;
    }

    /** @return the device that runs the running job's coordinator, or null when no job runs or none does right now */
    public static String coordinator(FleetReader fleet) {
        return org.edgetrain.compute.training.CoordinatorElection.host(fleet).orElse(null);
    }

    /**
     * What this side of the fleet last said of its quorum ({@code FleetQuorum}).
     *
     * @param held false after a NO_QUORUM with no QUORUM_REGAINED since: this side waits
     * @param since when it was said
     * @param detail what the device that said it saw
     */
    public record Quorum(boolean held, String since, String detail) {
    }

    /** @return the last quorum change this side recorded, or null when it never lost its quorum */
    public static Quorum quorum(FleetReader fleet) {
        List<List<?>> last = rows(fleet, "SELECT KIND, AT, DETAIL FROM EVENTS WHERE KIND IN (?, ?) ORDER BY AT DESC LIMIT 1",
                EventKind.NO_QUORUM.name(), EventKind.QUORUM_REGAINED.name());
        if (last.isEmpty()) {
            return null;
        }
        List<?> row = last.get(0);
        return new Quorum(EventKind.QUORUM_REGAINED.name().equals(row.get(0)), String.valueOf(row.get(1)),
                (String) row.get(2));
    }

    /** @return devices in quarantine now, with the time of day their quarantine ends */
    private static Map<String, String> quarantined(FleetReader fleet) {
        Map<String, String> out = new HashMap<>();
        for (List<?> row : rows(fleet, "SELECT DEVICE, UNTIL FROM QUARANTINE WHERE UNTIL > ?",
                new java.sql.Timestamp(System.currentTimeMillis()))) {
            out.put((String) row.get(0), row.get(1).toString().substring(11, 19)); // HH:mm:ss
        }
        return out;
    }

    /** @return the test accuracy of each completed epoch of {@code job} */
    public static List<EpochAccuracy> evaluations(FleetReader fleet, String job) {
        List<EpochAccuracy> out = new ArrayList<>();
        for (List<?> row : rows(fleet, "SELECT EPOCH, TEST_ACCURACY, TEST_LOSS, ROUND_NO FROM EVALS WHERE JOB = ? "
                + "ORDER BY EPOCH", job)) {
            out.add(new EpochAccuracy(((Number) row.get(0)).intValue(), ((Number) row.get(1)).doubleValue(),
                    ((Number) row.get(2)).doubleValue(), ((Number) row.get(3)).longValue()));
        }
        return out;
    }

    /** @return the rows of {@code query}; none when its table does not exist yet (a fleet that never trained) */
    public static List<List<?>> rows(FleetReader fleet, String query, Object... args) {
        try {
            return fleet.sql(query, args);
        } catch (FleetReader.MissingTableException e) {
            return List.of();
        }
    }

    private static double value(List<?> row, int column) {
        Object v = row.get(column);
        return v instanceof Number n ? n.doubleValue() : 0;
    }
}
