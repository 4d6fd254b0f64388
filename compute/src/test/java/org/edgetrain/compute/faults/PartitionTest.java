package org.edgetrain.compute.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.grid.DatasetLoader;
import org.edgetrain.compute.grid.EventKind;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.Reconnects;
import org.edgetrain.compute.testing.Fleets;
import org.edgetrain.compute.testing.ProcessFleet;
import org.edgetrain.compute.testing.TestJobs;
import org.edgetrain.compute.testing.Waits;
import org.edgetrain.compute.training.CoordinatorElection;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.compute.training.ModelState;
import org.edgetrain.model.cifar.CifarReader;
import org.edgetrain.model.cifar.SyntheticCifar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A fleet cut in two by a real network: five device processes, each in a network namespace of its own, links cut with
 * iptables ({@link NetworkFaults}). One model history, never two: the side without a majority stops committing and
 * says so, the majority side trains on, and when the link heals the smaller side's devices rejoin by themselves; an
 * even split stops both sides until it heals. After both cuts, the committed versions in ROUNDS form one line (each
 * version's parent is the version before it, no version twice), every version either side ever showed has one
 * checksum, and the samples the rounds committed are the samples the model counts.
 *
 * <p>Reads each side over the JDBC thin driver at one of its devices: during a cut the test's client node is on one
 * side only.
 */
@Timeout(900)
class PartitionTest {
    /** Versions seen on either side, with the checksum of their weights: a second checksum is a fork. */
    private final Map<Long, Set<Long>> checksums = new TreeMap<>();

    @BeforeAll
    static void needsNetworkNamespaces() {
        String missing = NetworkFaults.missing();
        assumeTrue(missing == null, "network fault tests skipped: " + missing);
    }

    @Test
    void aCutFleetKeepsOneModelHistoryAndHealsByItself() throws Exception {
        Fleets.runWithNamespacedFleet(List.of("pc", "pc", "pc", "rpi4", "rpi4"), fleet -> {
            Ignite client = fleet.client();
            NetworkFaults network = fleet.network();
            // Two backups: a cut that takes two devices away leaves every partition a copy on the majority side.
            DatasetLoader.load(client, new CifarReader().read(SyntheticCifar.write(fleet.dir().resolve("cifar"), 40, 50,
                    5)), 2, n -> { });
            JobSubmitter.submit(client, TestJobs.small("split", "resnet8", 1000, 1.0, 17).build());
            Waits.version(client, 2);

            // 3|2, the coordinator on the smaller side.
            awaitRebalanced(network.jdbcUrl(fleet.devices().get(0)));
            String coordinator = CoordinatorElection.host(client).orElseThrow();
            List<String> minority = new ArrayList<>(List.of(coordinator));
            List<String> majority = new ArrayList<>(fleet.devices());
            majority.remove(coordinator);
            minority.add(majority.remove(0));
            long cutAt = System.currentTimeMillis();
            network.partition(minority, majority);
            Waits.until("the smaller side " + minority + " reports NO_QUORUM", 60,
                    () -> events(network.jdbcUrl(minority.get(0)), EventKind.NO_QUORUM, cutAt) > 0);
            long minorityFrozen = committed(network.jdbcUrl(minority.get(0)));
            long majorityAtCut = committed(network.jdbcUrl(majority.get(0)));
            Waits.until("the larger side " + majority + " commits two rounds beyond v" + majorityAtCut, 120,
                    () -> committed(network.jdbcUrl(majority.get(0))) >= majorityAtCut + 2);
            assertEquals(minorityFrozen, committed(network.jdbcUrl(minority.get(0))),
                    "the smaller side committed after it reported NO_QUORUM");

            network.heal();
            Waits.until("the smaller side's devices rejoined: 5 devices seen from " + majority.get(0), 120,
                    () -> servers(network.jdbcUrl(majority.get(0))) == 5
                            && events(network.jdbcUrl(majority.get(0)), EventKind.REJOINED, cutAt) >= 2);
            long healed = committed(network.jdbcUrl(majority.get(0)));
            Waits.until("the whole fleet trains again beyond v" + healed, 120,
                    () -> committed(network.jdbcUrl(majority.get(0))) >= healed + 2);

            // An even split: 2|2 after one device leaves on purpose (a leave is no failure: the members become four).
            String leaving = majority.get(majority.size() - 1);
            fleet.stop(leaving);
            List<String> left = fleet.devices().stream().filter(d -> !d.equals(leaving)).toList();
            Waits.until("four devices after " + leaving + " left", 120, () -> servers(network.jdbcUrl(left.get(0))) == 4);
            awaitRebalanced(network.jdbcUrl(left.get(0)));
            List<String> sideA = left.subList(0, 2);
            List<String> sideB = left.subList(2, 4);
            long evenCutAt = System.currentTimeMillis();
            network.partition(sideA, sideB);
            Waits.until("both halves report NO_QUORUM", 60,
                    () -> events(network.jdbcUrl(sideA.get(0)), EventKind.NO_QUORUM, evenCutAt) > 0
                            && events(network.jdbcUrl(sideB.get(0)), EventKind.NO_QUORUM, evenCutAt) > 0);
            long frozenA = committed(network.jdbcUrl(sideA.get(0)));
            long frozenB = committed(network.jdbcUrl(sideB.get(0)));
            network.heal();
            Waits.until("the halves merged: 4 devices", 120, () -> servers(network.jdbcUrl(sideA.get(0))) == 4
                    && servers(network.jdbcUrl(sideB.get(0))) == 4);
            long merged = Math.max(frozenA, frozenB);
            Waits.until("the merged fleet trains again beyond v" + merged, 120,
                    () -> committed(network.jdbcUrl(left.get(0))) >= merged + 2);

            Reconnects.read(client, ignite -> {
                JobSubmitter.stop(ignite);
                return null;
            });
            ModelState last = Waits.finished(client, 120);
            assertOneLine(network.jdbcUrl(left.get(0)), last);
        });
    }

    /**
     * The committed rounds of the whole run, as the healed fleet has them: one line of versions, each seen with one
     * checksum on any side at any time, and their samples those the model counts.
     */
    private void assertOneLine(String url, ModelState last) throws SQLException {
        List<long[]> rows = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT MODEL_VERSION, PARENT_VERSION, SAMPLES, MODEL_CRC FROM ROUNDS"
                     + " WHERE COMMITTED AND JOB = 'split' ORDER BY MODEL_VERSION")) {
            while (r.next()) {
                rows.add(new long[] {r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4)});
                checksums.computeIfAbsent(r.getLong(1), v -> new TreeSet<>()).add(r.getLong(4));
            }
        }
        assertTrue(rows.size() > 6, "rounds committed: " + rows.size());
        long samples = 0;
        for (int i = 0; i < rows.size(); i++) {
            long parent = i == 0 ? rows.get(0)[0] - 1 : rows.get(i - 1)[0];
            assertEquals(parent, rows.get(i)[1], "v" + rows.get(i)[0] + "'s parent: the history forked or lost a round");
            assertEquals(rows.get(i)[0] - 1, rows.get(i)[1], "versions go up one at a time");
            samples += rows.get(i)[2];
        }
        assertEquals(1, rows.get(0)[0], "the first committed version is v1");
        checksums.forEach((version, crcs) -> assertEquals(1, crcs.size(), "v" + version + " has two weight sets: " + crcs));
        assertEquals(last.samplesCommitted(), samples, "the rounds' samples are the samples the model counts");
    }

    /** @return the highest committed model version the side of {@code url} shows (0 when it cannot say now) */
    private long committed(String url) {
        long max = 0;
        Map<Long, Long> seen = new HashMap<>();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.setQueryTimeout(10);
            try (ResultSet r = s.executeQuery("SELECT MODEL_VERSION, MODEL_CRC FROM ROUNDS WHERE COMMITTED")) {
                while (r.next()) {
                    seen.put(r.getLong(1), r.getLong(2));
                    max = Math.max(max, r.getLong(1));
                }
            }
        } catch (SQLException e) {
            return 0; // the side is reorganizing (a cut just detected, a device rejoining): asked again
        }
        seen.forEach((version, crc) -> checksums.computeIfAbsent(version, v -> new TreeSet<>()).add(crc));
        return max;
    }

    /**
     * Waits until each of the 64 partitions of the train and test caches has its three copies complete (OWNING). A cut
     * while copies move can leave a partition complete on the smaller side only, which then loses it when it rejoins
     * empty (README, "When the network splits").
     */
    private static void awaitRebalanced(String url) {
        Waits.until(() -> "three complete copies of every data partition; states now: " + states(url), 120,
                () -> count(url, "SELECT COUNT(*) FROM (SELECT g.CACHE_GROUP_NAME, p.PARTITION_ID FROM SYS.PARTITION_STATES p"
                        + " JOIN SYS.CACHE_GROUPS g ON p.CACHE_GROUP_ID = g.CACHE_GROUP_ID WHERE g.CACHE_GROUP_NAME IN"
                        + " ('train', 'test') AND p.STATE = 'OWNING' GROUP BY g.CACHE_GROUP_NAME, p.PARTITION_ID"
                        + " HAVING COUNT(*) >= 3)") == 2L * GridNames.DATA_PARTITIONS
                        && count(url, "SELECT COUNT(*) FROM SYS.PARTITION_STATES WHERE STATE IN ('MOVING', 'LOST')") == 0);
    }

    private static String states(String url) {
        StringBuilder out = new StringBuilder();
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT CACHE_GROUP_ID, STATE, COUNT(*) FROM SYS.PARTITION_STATES"
                     + " GROUP BY CACHE_GROUP_ID, STATE")) {
            while (r.next()) {
                out.append(r.getString(1)).append(' ').append(r.getString(2)).append(' ').append(r.getLong(3)).append("; ");
            }
        } catch (SQLException e) {
            out.append(e);
        }
        return out.toString();
    }

    /** @return the {@code kind} events the side of {@code url} recorded since {@code sinceMillis} */
    private static long events(String url, EventKind kind, long sinceMillis) {
        return count(url, "SELECT COUNT(*) FROM EVENTS WHERE KIND = '" + kind.name() + "' AND AT >= '"
                + new java.sql.Timestamp(sinceMillis) + "'");
    }

    private static long servers(String url) {
        return count(url, "SELECT COUNT(*) FROM SYS.NODES WHERE IS_CLIENT = FALSE");
    }

    private static long count(String url, String query) {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.setQueryTimeout(10);
            try (ResultSet r = s.executeQuery(query)) {
                return r.next() ? r.getLong(1) : 0;
            }
        } catch (SQLException e) {
            return -1; // unreachable or reorganizing now: asked again
        }
    }
}
