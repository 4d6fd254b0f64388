package org.edgetrain.compute.faults;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import javax.sql.rowset.CachedRowSet;
import javax.sql.rowset.RowSetProvider;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.EventKind;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.Reconnects;
import org.edgetrain.compute.training.CoordinatorElection;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.compute.training.ModelState;

/**
 * Cuts a running fleet's network in two and checks that it keeps one model history ({@code FleetQuorum}): on device
 * processes in network namespaces ({@link NetworkFaults}), while one job trains. Each scenario cuts, watches both
 * sides over the JDBC thin driver (during a cut a client node is on one side only), heals, and waits until every
 * device trains again. After each, the history so far is checked as the healed fleet has it: the committed versions in
 * ROUNDS form one line (each one's parent the version before it, none missing), every version either side ever showed
 * has one weight checksum, and the committed rounds' samples are the model's.
 *
 * <p>Not thread-safe: one scenario at a time, on a fleet nobody else manages meanwhile.
 */
public final class PartitionScenarios {
    /** What is cut. */
    public enum Kind {
        /** Two devices, the coordinator's among them, cut from three. */
        CUT_COORDINATOR_MINORITY("cut-3-2-coordinator-minority"),
        /** Two devices cut from three, the coordinator's among the three. */
        CUT_COORDINATOR_MAJORITY("cut-3-2-coordinator-majority"),
        /** The coordinator's device cut from all others (Ignite segments it: it stops and retries until healed). */
        COORDINATOR_ISOLATED("coordinator-isolated"),
        /** Two halves of equal size (a device leaves gracefully first when the fleet is odd). */
        EVEN_SPLIT("even-split"),
        /** Two devices cut and healed every few seconds for half a minute. */
        FLAPPING_LINK("flapping-link");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        /** @return the scenario's name in results */
        public String label() {
            return label;
        }
    }

    /**
     * One scenario's figures (the {@code scenarios} of {@code bench faults --preset partitions}).
     *
     * @param smallerSide the devices cut off (for an even split, one half)
     * @param largerSide the others
     * @param forks committed versions seen with more than one weight checksum, or whose parent is not the version before
     * @param minorityCommits rounds the smaller side (either half of an even split) decided and committed after it
     *     knew it had no quorum (its NO_QUORUM event; for a device cut off alone, once the others dropped it). A
     *     round decided before, whose commit was in flight at the cut, is not one: Ignite's transaction recovery
     *     may finish it on both sides (seen in CI), and its row may be written later; it is one history all the same
     * @param lostCommittedRounds committed versions missing from the healed fleet's history
     * @param exactlyOnce the committed rounds' samples are the samples the model counts, and the per-sample audit
     *     found nothing ({@link SampleAudit})
     * @param neverTrained samples of the finished epochs no committed model was trained on (-1 when the fleet keeps no
     *     audit log: {@link LocalFleet#checkedForFaults})
     * @param trainedTwice sample visits beyond the first within an epoch, in committed models (-1 likewise)
     * @param healSeconds link restored to every device back and a round committed by the whole fleet
     * @param recoverySeconds cut to the larger side's first commit (-1 when no side may commit: an even split)
     */
    public record Result(String name, List<String> smallerSide, List<String> largerSide, long forks, long minorityCommits,
                         long lostCommittedRounds, boolean exactlyOnce, long neverTrained, long trainedTwice,
                         double healSeconds, double recoverySeconds) {
    }

    private static final long WAIT_SECONDS = 120;
    private static final long POLL_MILLIS = 200;
    /** A whole SQL call at one side, connection included: the driver's own read timeout ({@link NetworkFaults}). */
    private static final Duration SQL_DEADLINE = Duration.ofSeconds(20);
    /** How long a side without quorum is watched for commits, once both halves of an even split stopped. */
    private static final long QUIET_MILLIS = 8000;
    private static final int FLAPS = 5;
    /** How long the data must stay fully copied before a cut. */
    private static final long STEADY_MILLIS = 3000;
    private static final long FLAP_MILLIS = 3000;

    private final LocalFleet fleet;
    private final NetworkFaults network;
    private final Ignite client;
    private final String job;
    /** Every version either side ever showed, with the checksums of its weights. */
    private final ModelHistory history = new ModelHistory();

    /**
     * @param client a client node of the fleet, for the coordinator's place and the model (it may rejoin)
     * @param job the running job's id
     */
    public PartitionScenarios(LocalFleet fleet, NetworkFaults network, Ignite client, String job) {
        this.fleet = fleet;
        this.network = network;
        this.client = client;
        this.job = job;
    }

    /** Runs one scenario on the running job. @throws IllegalStateException when the fleet does not come back */
    public Result run(Kind kind) throws InterruptedException {
        if (kind == Kind.EVEN_SPLIT && alive().size() % 2 == 1) {
            String coordinator = coordinator();
            String leaving = alive().stream().filter(d -> !d.equals(coordinator)).reduce((a, b) -> b).orElseThrow();
            fleet.stop(leaving, 120); // a leave is no failure: the members become one fewer
            List<String> now = alive();
            await("the fleet is " + now, () -> servers(url(now.get(0))) == now.size());
        }
        List<String> devices = alive();
        awaitRebalanced(devices.get(0));
        String coordinator = coordinator();
        List<String> others = new ArrayList<>(devices);
        others.remove(coordinator);
        List<String> smaller = new ArrayList<>();
        switch (kind) {
            case CUT_COORDINATOR_MINORITY -> {
                smaller.add(coordinator);
                smaller.add(others.get(0));
            }
            case CUT_COORDINATOR_MAJORITY, FLAPPING_LINK -> smaller.addAll(others.subList(0, 2));
            case COORDINATOR_ISOLATED -> smaller.add(coordinator);
            case EVEN_SPLIT -> smaller.addAll(devices.subList(0, devices.size() / 2));
            default -> throw new IllegalArgumentException(kind.toString());
        }
        List<String> larger = new ArrayList<>(devices);
        larger.removeAll(smaller);

        long cutAt = System.currentTimeMillis();
        long before = committed(larger.get(0));
        if (kind == Kind.FLAPPING_LINK) {
            for (int i = 0; i < FLAPS; i++) {
                network.partition(smaller, larger);
                Thread.sleep(FLAP_MILLIS); // the fault's own rhythm: the link is down this long, then up as long
                network.heal();
                Thread.sleep(FLAP_MILLIS);
            }
            network.partition(smaller, larger);
        } else {
            network.partition(smaller, larger);
        }
        // Each side's NO_QUORUM time is kept from the poll that saw it: a second read could fail and say 0.
        long[] lostAt = {0, 0};
        long smallerLostAt;
        if (smaller.size() > 1) {
            await("the smaller side " + smaller + " reports NO_QUORUM",
                    () -> (lostAt[0] = quorumLostAt(smaller.get(0), cutAt)) > 0);
            smallerLostAt = lostAt[0];
        } else {
            // A device cut off alone cannot even drop the others (it has no ring left): Ignite segments it; it stops
            // its node at once and tries to rejoin until the link is back. Nothing of it commits meanwhile.
            await("the larger side " + larger + " dropped " + smaller, () -> servers(url(larger.get(0))) == larger.size());
            smallerLostAt = System.currentTimeMillis();
        }
        long minorityCommits;
        double recovery = -1;
        if (kind == Kind.EVEN_SPLIT) {
            await("the other half " + larger + " reports NO_QUORUM",
                    () -> (lostAt[1] = quorumLostAt(larger.get(0), cutAt)) > 0);
            long largerLostAt = lostAt[1];
            long quietUntil = System.currentTimeMillis() + QUIET_MILLIS;
            while (System.currentTimeMillis() < quietUntil) {
                Thread.sleep(POLL_MILLIS); // watching for commits that must not come, for a fixed window
            }
            minorityCommits = decidedSince(smaller.get(0), smallerLostAt) + decidedSince(larger.get(0), largerLostAt);
        } else {
            long[] firstCommit = {0};
            await("the larger side " + larger + " commits beyond v" + before, () -> {
                if (committed(larger.get(0)) > before) {
                    firstCommit[0] = System.currentTimeMillis();
                    return true;
                }
                return false;
            });
            recovery = (firstCommit[0] - cutAt) / 1000.0;
            minorityCommits = decidedSince(smaller.get(0), smallerLostAt);
        }

        long healAt = System.currentTimeMillis();
        network.heal();
        long[] backAt = {0};
        await("every device back and training: " + devices, () -> {
            if (backAt[0] == 0 && servers(url(larger.get(0))) == devices.size()) {
                backAt[0] = committed(larger.get(0));
            }
            return backAt[0] > 0 && committed(larger.get(0)) > backAt[0];
        });
        double heal = (System.currentTimeMillis() - healAt) / 1000.0;
        ModelHistory.Line line = history(larger.get(0));
        SampleAudit.Report audit = audit(larger.get(0));
        return new Result(kind.label(), smaller, larger, line.forks(), minorityCommits, line.missing(),
                exactlyOnce(larger.get(0)) && (audit == null || audit.exactlyOnce()),
                audit == null ? -1 : audit.neverTrained(), audit == null ? -1 : audit.trainedTwice(), heal, recovery);
    }

    private ModelHistory.Line history(String device) {
        List<ModelHistory.Row> rows = new ArrayList<>();
        query(device, "SELECT MODEL_VERSION, PARENT_VERSION, MODEL_CRC FROM ROUNDS WHERE COMMITTED AND JOB = '" + job
                + "' ORDER BY MODEL_VERSION", r -> rows.add(new ModelHistory.Row(r.getLong(1), r.getLong(2), r.getLong(3))));
        return history.check(rows);
    }

    /** @return the per-sample audit of the job so far, as the side of {@code device} has it; null without a log */
    private SampleAudit.Report audit(String device) throws InterruptedException {
        if (fleet.trainedSamplesDir().isEmpty()) {
            return null;
        }
        try {
            return SampleAudit.ofFleet(client, fleet.trainedSamplesDir().get(), () -> {
                List<SampleAudit.Committed> rows = new ArrayList<>();
                query(device, "SELECT MODEL_VERSION, ACCEPTED_RESULTS FROM ROUNDS WHERE COMMITTED AND JOB = '" + job
                        + "' ORDER BY MODEL_VERSION", r -> rows.add(new SampleAudit.Committed(r.getLong(1),
                        r.getString(2))));
                return rows;
            }, WAIT_SECONDS * 1000);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("the trained-samples log is unreadable", e);
        }
    }

    /** @return whether the committed rounds' samples add up to the model's, once every row is written */
    private boolean exactlyOnce(String device) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            ModelState state = Reconnects.read(client, JobSubmitter::current);
            long[] rows = {-1};
            query(device, "SELECT SUM(SAMPLES) FROM ROUNDS WHERE COMMITTED AND JOB = '" + job + "'",
                    r -> rows[0] = r.getLong(1));
            ModelState after = Reconnects.read(client, JobSubmitter::current);
            if (state != null && after != null && state.version() == after.version()
                    && rows[0] == state.samplesCommitted()) {
                return true;
            }
            Thread.sleep(POLL_MILLIS); // rows are written while the next round trains: polled with a deadline
        }
        return false;
    }

    /** @return the highest committed version the side of {@code device} shows now (0 when it cannot say) */
    private long committed(String device) {
        long[] max = {0};
        query(device, "SELECT MODEL_VERSION, MODEL_CRC FROM ROUNDS WHERE COMMITTED AND JOB = '" + job + "'", r -> {
            history.saw(r.getLong(1), r.getLong(2));
            max[0] = Math.max(max[0], r.getLong(1));
        });
        return max[0];
    }

    /** @return when the side of {@code device} first reported NO_QUORUM since {@code sinceMillis}; 0 if it has not */
    private long quorumLostAt(String device, long sinceMillis) {
        long[] at = {0};
        query(device, "SELECT MIN(AT) FROM EVENTS WHERE KIND = '" + EventKind.NO_QUORUM.name() + "' AND AT >= '"
                + new Timestamp(sinceMillis) + "'", r -> {
                    Timestamp first = r.getTimestamp(1);
                    at[0] = first == null ? 0 : first.getTime();
                });
        return at[0];
    }

    /**
     * @return committed rounds the side of {@code device} shows as decided at or after {@code sinceMillis} (a round's
     *     ENDED_AT is taken when its coordinator decides it, before the commit); 0 when the side cannot say (it is
     *     rejoining: then it commits nothing either)
     */
    private long decidedSince(String device, long sinceMillis) {
        committed(device); // every version it shows, for the fork count
        return Math.max(0, count(url(device), "SELECT COUNT(*) FROM ROUNDS WHERE COMMITTED AND JOB = '" + job
                + "' AND ENDED_AT >= '" + new Timestamp(sinceMillis) + "'"));
    }

    /**
     * Waits until each of the data partitions of the train and test caches has three complete copies: a cut while
     * copies move can leave a partition complete on the smaller side only, which drops it when it rejoins (README).
     */
    private void awaitRebalanced(String device) throws InterruptedException {
        // Counted on live devices only, and held for STEADY_MILLIS: right after a leave the states still showed the
        // departed device's copies for a moment, and a cut then lost partitions (seen in CI).
        long[] since = {0};
        await("three complete copies of every data partition on live devices", () -> {
            boolean complete = count(url(device), "SELECT COUNT(*) FROM (SELECT g.CACHE_GROUP_NAME, p.PARTITION_ID"
                    + " FROM SYS.PARTITION_STATES p JOIN SYS.CACHE_GROUPS g ON p.CACHE_GROUP_ID = g.CACHE_GROUP_ID"
                    + " JOIN SYS.NODES n ON p.NODE_ID = n.NODE_ID WHERE NOT n.IS_CLIENT AND g.CACHE_GROUP_NAME IN"
                    + " ('train', 'test') AND p.STATE = 'OWNING' GROUP BY g.CACHE_GROUP_NAME, p.PARTITION_ID"
                    + " HAVING COUNT(*) >= 3)") == 2L * GridNames.DATA_PARTITIONS
                    && count(url(device), "SELECT COUNT(*) FROM SYS.PARTITION_STATES WHERE STATE IN ('MOVING', 'LOST')") == 0;
            if (!complete) {
                since[0] = 0;
                return false;
            }
            if (since[0] == 0) {
                since[0] = System.currentTimeMillis();
            }
            return System.currentTimeMillis() - since[0] >= STEADY_MILLIS;
        });
    }

    private static long servers(String url) {
        return count(url, "SELECT COUNT(*) FROM SYS.NODES WHERE IS_CLIENT = FALSE");
    }

    private List<String> alive() {
        return fleet.devices().stream().filter(LocalFleet.Device::alive).map(LocalFleet.Device::name).toList();
    }

    private String coordinator() throws InterruptedException {
        String[] host = {null};
        await("a coordinator runs", () -> {
            host[0] = Reconnects.read(client, i -> CoordinatorElection.host(i).orElse(null));
            return host[0] != null;
        });
        return host[0];
    }

    private String url(String device) {
        return network.jdbcUrl(device);
    }

    /** Reads one row of a result set. */
    @FunctionalInterface
    private interface Row {
        void read(ResultSet row) throws SQLException;
    }

    /**
     * Runs {@code sql} at {@code device} and reads its rows here, on the caller's thread, from a copy taken within the
     * deadline; a side that cannot answer now (reorganizing after a cut) gives no rows.
     */
    private void query(String device, String sql, Row row) {
        Optional<CachedRowSet> rows = ask(url(device), s -> {
            try (ResultSet r = s.executeQuery(sql)) {
                CachedRowSet copy = RowSetProvider.newFactory().createCachedRowSet();
                copy.populate(r);
                return copy;
            }
        });
        try {
            while (rows.isPresent() && rows.get().next()) {
                row.read(rows.get());
            }
        } catch (SQLException e) {
            // asked again at the next poll
        }
    }

    /** @return the first column of the first row of {@code sql} at {@code url}; -1 when the side did not answer */
    private static long count(String url, String sql) {
        return ask(url, s -> {
            try (ResultSet r = s.executeQuery(sql)) {
                return r.next() ? r.getLong(1) : 0L;
            }
        }).orElse(-1L);
    }

    private static <T> Optional<T> ask(String url, BoundedSql.Work<T> work) {
        try {
            return BoundedSql.ask(url, SQL_DEADLINE, work);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the caller's await sees the flag at its next sleep
            return Optional.empty();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_SECONDS * 1000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("not within " + WAIT_SECONDS + " s: " + what);
            }
            Thread.sleep(POLL_MILLIS); // polling what the fleet commits, with a deadline
        }
    }
}
