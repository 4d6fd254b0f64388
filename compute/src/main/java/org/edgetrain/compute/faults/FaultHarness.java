package org.edgetrain.compute.faults;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.events.EventType;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.grid.Reconnects;
import org.edgetrain.compute.training.CoordinatorElection;
import org.edgetrain.compute.training.CrashPoint;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.compute.training.ModelState;
import org.edgetrain.compute.training.RoundPhases;

/**
 * Injects faults into a fleet of device processes at named points of a round, then checks the invariants and measures
 * the recovery. The harness is a client of the fleet: it hears the round points from the coordinator
 * ({@link RoundPhases}) and the topology changes from Ignite's discovery, so nothing here waits a guessed time.
 *
 * <p>Invariants checked after a scenario: every sample visited exactly once per completed epoch, committed model
 * versions strictly increasing with none lost, no partition lost (with one backup and one fault at a time), and the
 * final accuracy against an undisturbed run of the same job.
 *
 * <p>Not thread-safe: one scenario at a time; the fleet must not be managed by anyone else meanwhile.
 */
public final class FaultHarness {
    private static final Logger LOG = LogManager.getLogger(FaultHarness.class);

    /** How long a woken device that the fleet dropped may take to notice it and end. */
    private static final long WAKE_SECONDS = 60;
    /** How long a leaving device may take to hand its partitions over before it is killed (and reported so). */
    private static final long LEAVE_SECONDS = 120;

    /** Committed rounds after the last fault before {@link #stopAfterFaults} stops the job. */
    private static final int ROUNDS_BEFORE_STOP = 3;
    /** How many committed rounds a device stays behind a slow link. */
    private static final int SLOW_LINK_ROUNDS = 3;
    /** A poor edge link: the rate and the loss a slowed device gets. */
    private static final int SLOW_LINK_KBIT = 5_000;
    private static final double SLOW_LINK_LOSS_PERCENT = 5;

    private final LocalFleet fleet;
    private final Ignite client;
    private NetworkFaults network;
    private boolean supervised;
    private boolean stopAfterFaults;
    private Random victims;
    private final TopologyLog topology = new TopologyLog();

    /** @param client a client node of the fleet's (this JVM's); its discovery events time the detection */
    public FaultHarness(LocalFleet fleet, Ignite client) {
        this.fleet = fleet;
        this.client = client;
    }

    /**
     * Lets the harness cut and shape the devices' links ({@link Injection.Kind#CUT_LINK},
     * {@link Injection.Kind#SLOW_LINK}): the fleet's devices must run in {@code network}'s namespaces.
     *
     * @return this
     */
    public FaultHarness withNetwork(NetworkFaults network) {
        this.network = network;
        return this;
    }

    /**
     * Makes the harness act as the devices' supervisor (Docker's restart policy): a device that crashed is started
     * again, so that a long run of faults does not wear the fleet down. Crashes at a coordinator's crash point and
     * woken hung devices that ended are always restarted.
     *
     * @return this
     */
    public FaultHarness supervised() {
        this.supervised = true;
        return this;
    }

    /**
     * Ends each job once its faults are injected and a few more rounds committed ({@code train --stop}), instead of
     * waiting for its last epoch: a run of many faults then needs a job long enough for them, not one sized to them
     * (faults do not hold the rounds back). Its exactly-once check is then the sample audit and the ROUNDS rows' total.
     *
     * @return this
     */
    public FaultHarness stopAfterFaults() {
        this.stopAfterFaults = true;
        return this;
    }

    /**
     * Hits a device chosen at random (reproducibly under {@code seed}) instead of the newest, so that a long run of
     * faults spreads over the fleet.
     *
     * @return this
     */
    public FaultHarness randomVictims(long seed) {
        this.victims = new Random(seed);
        return this;
    }

    /**
     * @return {@code count} faults of every kind but the network's at random points, reproducible under {@code seed};
     *     JOINs add devices of {@code joinClass}
     */
    public static List<Injection> randomized(long seed, int count, String joinClass) {
        return randomized(seed, count, joinClass, false);
    }

    /**
     * @param network whether to include cut and slow links (the fleet must be in network namespaces)
     * @return {@code count} faults of every kind at random points, reproducible under {@code seed}. JOINs add devices of
     *     {@code joinClass}; joins and leaves alternate so the fleet stays within one device of its size
     */
    public static List<Injection> randomized(long seed, int count, String joinClass, boolean network) {
        Random random = new Random(seed);
        List<Injection.Kind> kinds = java.util.Arrays.stream(Injection.Kind.values())
                .filter(k -> network || !k.network()).toList();
        List<Injection> out = new ArrayList<>();
        long version = 1;
        int extra = 0;
        for (int i = 0; i < count; i++) {
            Injection.Kind kind = kinds.get(random.nextInt(kinds.size()));
            while ((kind == Injection.Kind.JOIN && extra > 0) || (kind == Injection.Kind.LEAVE && extra < 0)) {
                kind = kinds.get(random.nextInt(kinds.size()));
            }
            extra += kind == Injection.Kind.JOIN ? 1 : kind == Injection.Kind.LEAVE ? -1 : 0;
            RoundPhases.Point at = random.nextBoolean() ? RoundPhases.Point.DISPATCHED : RoundPhases.Point.COMMITTED;
            out.add(new Injection(kind, at, version, kind == Injection.Kind.JOIN ? joinClass : null));
            version += 2 + random.nextInt(2);
        }
        return out;
    }

    /**
     * Runs {@code job} on the fleet (its data already loaded) with {@code injections}, in order, then waits for the
     * job to end.
     *
     * @param trainSize samples one epoch visits
     * @param baselineAccuracy the undisturbed run's final accuracy, or NaN when this is that run
     */
    public ScenarioResult run(String name, JobSpec job, long trainSize, List<Injection> injections,
                              double baselineAccuracy, long timeoutMillis) throws InterruptedException {
        List<String> devices = fleet.devices().stream().filter(LocalFleet.Device::alive)
                .map(LocalFleet.Device::deviceClass).toList();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        try (TopologyLog.Listening listening = topology.listen(client); RoundPhases phases = RoundPhases.listen(client)) {
            long start = System.currentTimeMillis();
            JobSubmitter.submit(client, job);
            List<ScenarioResult.InjectionResult> results = new ArrayList<>();
            for (Injection injection : injections) {
                RoundPhases.Phase point = phases.await(injection.at(), injection.afterVersion(),
                        Math.max(1, deadline - System.currentTimeMillis()));
                if (point == null) {
                    break; // the job ended (or stalled) before this point: the remaining faults are not injected
                }
                ScenarioResult.InjectionResult result = inject(injection, phases, start, deadline);
                if (result != null) {
                    results.add(result);
                }
            }
            if (stopAfterFaults) {
                long after = System.currentTimeMillis();
                for (int i = 0; i < ROUNDS_BEFORE_STOP; i++) {
                    after = awaitCommitAfter(phases, after, deadline);
                }
                Reconnects.read(client, ignite -> {
                    JobSubmitter.stop(ignite);
                    return null;
                });
            }
            ModelState last = awaitFinished(job, deadline);
            double seconds = (System.currentTimeMillis() - start) / 1000.0;
            long committedRows = number(GridSchema.sql(client, "SELECT SUM(SAMPLES) FROM ROUNDS WHERE JOB = ? AND COMMITTED",
                    job.id()));
            // a job stopped mid-epoch must have what its rows say (the audit checks its samples); one run to its end,
            // its epochs' worth
            long expected = stopAfterFaults ? last.samplesCommitted() : (long) job.epochs() * trainSize;
            List<Long> tableVersions = GridSchema.sql(client, "SELECT MODEL_VERSION FROM ROUNDS WHERE JOB = ? AND COMMITTED "
                    + "ORDER BY ROUND_NO", job.id()).stream().map(r -> ((Number) r.get(0)).longValue()).toList();
            List<Long> heardVersions = phases.history().stream().filter(p -> p.point() == RoundPhases.Point.COMMITTED)
                    .map(RoundPhases.Phase::version).toList();
            long lostRounds = Math.max(lostVersions(tableVersions), lostVersions(heardVersions));
            long lostSamples = number(GridSchema.sql(client, "SELECT SUM(LOST_SAMPLES) FROM ROUNDS WHERE JOB = ?", job.id()));
            List<double[]> throughput = new ArrayList<>();
            for (List<?> row : GridSchema.sql(client, "SELECT ENDED_AT, IMAGES_PER_SECOND FROM ROUNDS WHERE JOB = ? AND "
                    + "COMMITTED ORDER BY ROUND_NO", job.id())) {
                throughput.add(new double[] {(((java.sql.Timestamp) row.get(0)).getTime() - start) / 1000.0,
                        ((Number) row.get(1)).doubleValue()});
            }
            long partitionsLost = number(GridSchema.sql(client, "SELECT COUNT(*) FROM EVENTS WHERE KIND = 'PARTITIONS_LOST' "
                    + "AND AT >= ?", new java.sql.Timestamp(start)));
            List<ModelHistory.Row> history = GridSchema.sql(client, "SELECT MODEL_VERSION, PARENT_VERSION, MODEL_CRC "
                    + "FROM ROUNDS WHERE JOB = ? AND COMMITTED ORDER BY MODEL_VERSION", job.id()).stream()
                    .map(r -> new ModelHistory.Row(((Number) r.get(0)).longValue(), ((Number) r.get(1)).longValue(),
                            ((Number) r.get(2)).longValue())).toList();
            SampleAudit.Report audit = audit(job, deadline);
            double accuracy = last.lastAccuracy();
            return new ScenarioResult(name, devices, mean(results, true), mean(results, false), lostRounds,
                    new ModelHistory().check(history).forks(), lostSamples,
                    last.samplesCommitted() == expected && (audit == null || audit.exactlyOnce()),
                    audit == null ? -1 : audit.neverTrained(), audit == null ? -1 : audit.trainedTwice(),
                    audit == null ? List.of() : audit.findings(), committedRows == expected, partitionsLost,
                    Double.isNaN(baselineAccuracy) ? 0 : accuracy - baselineAccuracy, accuracy,
                    last.samplesCommitted() / seconds, seconds, results, throughput);
        } catch (RuntimeException | InterruptedException | Error failed) {
            stopAfterFailure(job, failed);
            throw failed;
        }
    }

    /**
     * Ends the job a failed scenario leaves running, so that the fleet can take the next scenario's job (a fleet runs
     * one job at a time); what cannot be stopped is added to {@code failed}, which stays the error reported.
     */
    private void stopAfterFailure(JobSpec job, Throwable failed) {
        try {
            ModelState current = Reconnects.read(client, JobSubmitter::current);
            if (current != null && current.jobId().equals(job.id()) && !current.finished()) {
                Reconnects.read(client, ignite -> {
                    JobSubmitter.stop(ignite);
                    return null;
                });
            }
        } catch (RuntimeException stopFailed) {
            failed.addSuppressed(stopFailed);
        }
    }

    /** @return the per-sample audit of the finished job, or null when the fleet keeps no log */
    private SampleAudit.Report audit(JobSpec job, long deadline) throws InterruptedException {
        if (fleet.trainedSamplesDir().isEmpty()) {
            return null;
        }
        try {
            return SampleAudit.ofFleet(client, fleet.trainedSamplesDir().get(), () -> GridSchema.sql(client,
                    "SELECT MODEL_VERSION, ACCEPTED_RESULTS FROM ROUNDS WHERE JOB = ? AND COMMITTED", job.id()).stream()
                    .map(r -> new SampleAudit.Committed(((Number) r.get(0)).longValue(), (String) r.get(1))).toList(),
                    Math.max(1, deadline - System.currentTimeMillis()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("the trained-samples log is unreadable", e);
        }
    }

    private ScenarioResult.InjectionResult inject(Injection injection, RoundPhases phases, long start, long deadline)
            throws InterruptedException {
        long t0 = System.currentTimeMillis();
        String device;
        Set<Integer> noticedAs;
        String restartAfterNoticed = null;
        Thread leaving = null;
        AtomicBoolean forcedKill = new AtomicBoolean();
        switch (injection.kind()) {
            case JOIN -> {
                device = fleet.add(injection.deviceClass()).name();
                noticedAs = Set.of(EventType.EVT_NODE_JOINED);
            }
            case CRASH_COORDINATOR_HOST, CRASH -> {
                device = injection.kind() == Injection.Kind.CRASH ? victim(injection) : coordinatorHost();
                String deviceClass = classOf(device);
                fleet.kill(device);
                if (supervised) {
                    restartAfterNoticed = deviceClass;
                }
                noticedAs = Set.of(EventType.EVT_NODE_FAILED);
            }
            case CUT_LINK -> {
                device = victim(injection);
                requireNetwork(injection).isolate(device); // from the host too: this client must not route through it
                noticedAs = Set.of(EventType.EVT_NODE_FAILED);
            }
            case SLOW_LINK -> {
                device = victim(injection);
                requireNetwork(injection).slow(device, SLOW_LINK_KBIT);
                network.lossy(device, SLOW_LINK_LOSS_PERCENT);
                return slowLink(injection, device, phases, start, t0, deadline);
            }
            case HANG -> {
                device = victim(injection);
                fleet.pause(device);
                noticedAs = Set.of(EventType.EVT_NODE_FAILED);
            }
            case HANG_COORDINATOR_HOST -> {
                device = coordinatorHost();
                fleet.pause(device);
                noticedAs = Set.of(EventType.EVT_NODE_FAILED);
            }
            case CRASH_COORDINATOR_AFTER_DISPATCH, CRASH_COORDINATOR_IN_COMMIT, CRASH_COORDINATOR_BEFORE_METRICS,
                 CRASH_COORDINATOR_AFTER_EVALUATION -> {
                device = crashAtPoint(injection.kind().crashPoint(), t0, deadline);
                if (device == null) {
                    return null; // the job ended before a coordinator reached the point
                }
                noticedAs = Set.of(EventType.EVT_NODE_FAILED);
            }
            case LEAVE -> {
                device = victim(injection);
                String name = device;
                leaving = new Thread(() -> {
                    if (!fleet.stop(name, LEAVE_SECONDS)) {
                        forcedKill.set(true);
                    }
                }, "harness-leave-" + name);
                leaving.start();
                // A device told to leave while it is still joining ends without Ignite seeing it leave: it is
                // dropped as failed (a full run waited an hour for such a leave).
                noticedAs = Set.of(EventType.EVT_NODE_LEFT, EventType.EVT_NODE_FAILED);
            }
            default -> throw new IllegalArgumentException(injection.kind().toString());
        }
        long noticed = topology.await(device, noticedAs, t0, deadline);
        boolean hang = injection.kind() == Injection.Kind.HANG || injection.kind() == Injection.Kind.HANG_COORDINATOR_HOST;
        if (hang && !wake(device, noticed, deadline)) {
            forcedKill.set(true);
        }
        if (injection.kind().crashPoint() != null) {
            restart(device, deadline); // the device halted itself at the point; its supervisor starts it again
        }
        if (restartAfterNoticed != null) {
            fleet.add(restartAfterNoticed);
        }
        if (injection.kind() == Injection.Kind.CUT_LINK) {
            awaitCommitAfter(phases, noticed, deadline); // the larger side trains on without it
            network.heal();
            if (!awaitBack(device, noticed, deadline)) {
                forcedKill.set(true);
            }
        }
        if (leaving != null) {
            leaving.join(Math.max(1, deadline - System.currentTimeMillis()));
        }
        long recovered = awaitCommitAfter(phases, noticed, deadline);
        return new ScenarioResult.InjectionResult(injection.toString(), device, (t0 - start) / 1000.0,
                (noticed - t0) / 1000.0, (recovered - t0) / 1000.0, forcedKill.get());
    }

    /**
     * Wakes a hung device (SIGCONT) that the fleet dropped, as a real hang ends. The device then either finds its side of
     * the fleet without a quorum and rejoins the fleet by itself ({@code FleetQuorum}), or finds its node stopped and
     * ends (NodeCommand), when the harness starts it again as a supervisor (Docker's restart policy) would.
     *
     * @return false when it did neither within {@link #WAKE_SECONDS} (it is killed then)
     */
    private boolean wake(String device, long dropped, long deadline) throws InterruptedException {
        fleet.resume(device);
        return awaitBack(device, dropped, deadline);
    }

    /**
     * Waits for a device the fleet dropped (hung, or cut off) and that can reach the fleet again to rejoin by itself, or
     * to end, when it is started again as a supervisor would.
     *
     * @return false when it did neither within {@link #WAKE_SECONDS} (it is killed then)
     */
    private boolean awaitBack(String device, long dropped, long deadline) throws InterruptedException {
        LocalFleet.Device process = fleet.devices().stream().filter(d -> d.name().equals(device)).findFirst()
                .orElseThrow();
        long until = Math.min(deadline, System.currentTimeMillis() + WAKE_SECONDS * 1000);
        while (System.currentTimeMillis() < until) {
            if (!process.alive()) {
                fleet.awaitExit(device, 0);
                fleet.add(process.deviceClass());
                return true;
            }
            topology.awaitNext(100);
            if (topology.find(device, EventType.EVT_NODE_JOINED, dropped).isPresent()) {
                return true;
            }
        }
        fleet.awaitExit(device, 0);
        return false;
    }

    /**
     * A device behind a poor link for {@value #SLOW_LINK_ROUNDS} committed rounds, then healed. Nothing is to be
     * detected: the fleet should keep the device and shrink its share. Recovery is the first commit after the link
     * was shaped; a device dropped meanwhile is reported as {@code forcedKill}.
     */
    private ScenarioResult.InjectionResult slowLink(Injection injection, String device, RoundPhases phases, long start,
                                                    long t0, long deadline) throws InterruptedException {
        long firstCommit = awaitCommitAfter(phases, t0, deadline);
        long last = firstCommit;
        for (int i = 1; i < SLOW_LINK_ROUNDS; i++) {
            last = awaitCommitAfter(phases, last, deadline);
        }
        network.heal();
        boolean dropped = topology.find(device, EventType.EVT_NODE_FAILED, t0).isPresent();
        if (dropped && !awaitBack(device, t0, deadline)) {
            throw new IllegalStateException(device + " was dropped behind its slow link and did not come back");
        }
        return new ScenarioResult.InjectionResult(injection.toString(), device, (t0 - start) / 1000.0, 0,
                (firstCommit - t0) / 1000.0, dropped);
    }

    private NetworkFaults requireNetwork(Injection injection) {
        if (network == null) {
            throw new IllegalStateException(injection + " needs the fleet in network namespaces (withNetwork)");
        }
        return network;
    }

    private String classOf(String device) {
        return fleet.devices().stream().filter(d -> d.name().equals(device)).findFirst().orElseThrow().deviceClass();
    }

    /**
     * Arms {@code point} on the coordinator's device, and again on each device that becomes the coordinator before the
     * point is reached (the coordinator moves with the model's primary copy, after a join say), until one of them
     * halts there; then disarms the others, so that no later coordinator halts too.
     *
     * @return the device that halted, or null when the job ended first
     */
    private String crashAtPoint(CrashPoint point, long t0, long deadline) throws InterruptedException {
        Set<String> armed = new LinkedHashSet<>();
        try {
            while (System.currentTimeMillis() < deadline) {
                String host = CoordinatorElection.host(client).orElse(null);
                ClusterNode hostNode = host == null || armed.contains(host) ? null : node(host);
                if (hostNode != null && point.arm(client, hostNode)) {
                    armed.add(host);
                }
                for (String device : armed) {
                    if (topology.find(device, EventType.EVT_NODE_FAILED, t0).isPresent()) {
                        armed.remove(device);
                        return device;
                    }
                }
                ModelState state = Reconnects.read(client, JobSubmitter::current);
                if (state != null && state.finished()) {
                    return null;
                }
                topology.awaitNext(200);
            }
            throw new IllegalStateException("no coordinator reached " + point + " in time (armed on " + armed + ")");
        } finally {
            for (String device : armed) {
                ClusterNode node = node(device);
                if (node != null) {
                    CrashPoint.disarm(client, node);
                }
            }
        }
    }

    /** @return the server node of {@code device}, or null when it is not in the topology */
    private ClusterNode node(String device) {
        return client.cluster().forServers().nodes().stream()
                .filter(n -> String.valueOf(n.consistentId()).equals(device)).findFirst().orElse(null);
    }

    private String coordinatorHost() {
        return CoordinatorElection.host(client).orElseThrow(() -> new IllegalStateException("no coordinator"));
    }

    /** Starts a device of {@code device}'s class once its process has ended, as a supervisor (Docker) would. */
    private void restart(String device, long deadline) {
        LocalFleet.Device process = fleet.devices().stream().filter(d -> d.name().equals(device)).findFirst()
                .orElseThrow();
        if (!fleet.awaitExit(device, Math.max(1, Math.min(WAKE_SECONDS, (deadline - System.currentTimeMillis()) / 1000)))) {
            throw new IllegalStateException(device + " was dropped by the fleet but its process did not end");
        }
        fleet.add(process.deviceClass());
    }

    /**
     * @return the device to hit: in the topology, never the coordinator's host, of the injection's class if one is
     *     there (else of any class: the only device of the class may host the coordinator, as the coordinator follows
     *     the model's primary copy from device to device); the newest, or one at random after {@link #randomVictims}
     */
    private String victim(Injection injection) {
        String coordinator = CoordinatorElection.host(client).orElse("");
        // In the topology, not just running: a device restarted a moment ago and frozen before it joined would never
        // be noticed failing (the first 100-fault soak waited on one for minutes).
        List<LocalFleet.Device> anyClass = fleet.devices().stream().filter(LocalFleet.Device::alive)
                .filter(d -> node(d.name()) != null)
                .filter(d -> !d.name().equals(coordinator)).toList();
        List<LocalFleet.Device> candidates = anyClass.stream()
                .filter(d -> injection.deviceClass() == null || d.deviceClass().equals(injection.deviceClass())).toList();
        if (candidates.isEmpty() && !anyClass.isEmpty()) {
            LOG.warn("{}: the only {} device hosts the coordinator; hitting a device of another class", injection,
                    injection.deviceClass());
            candidates = anyClass;
        }
        if (candidates.isEmpty()) {
            throw new IllegalStateException("no device to hit for " + injection + " among " + fleet.devices());
        }
        return candidates.get(victims == null ? candidates.size() - 1 : victims.nextInt(candidates.size())).name();
    }

    /**
     * @return when the first round after {@code since} committed; or, when the job ended before another round, when
     *     that was seen (the fleet had nothing left to recover)
     */
    private long awaitCommitAfter(RoundPhases phases, long since, long deadline) throws InterruptedException {
        while (true) {
            for (RoundPhases.Phase phase : phases.history()) {
                if (phase.point() == RoundPhases.Point.COMMITTED && phase.atMillis() > since) {
                    return phase.atMillis();
                }
            }
            ModelState state = Reconnects.read(client, JobSubmitter::current);
            if (state != null && state.finished()) {
                return Math.max(since, System.currentTimeMillis());
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("no round committed after the fault");
            }
            Thread.sleep(50); // polling the phases heard so far, with a deadline
        }
    }

    private ModelState awaitFinished(JobSpec job, long deadline) throws InterruptedException {
        while (true) {
            ModelState state = Reconnects.read(client, JobSubmitter::current);
            if (state != null && state.jobId().equals(job.id()) && state.finished()) {
                return state;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("job " + job.id() + " did not finish in time: " + state);
            }
            Thread.sleep(200); // polling the committed state with a deadline
        }
    }

    /** @return committed versions that a later commit went back on (0 for a strictly increasing sequence) */
    static long lostVersions(List<Long> versions) {
        long lost = 0;
        long highest = Long.MIN_VALUE;
        for (long version : versions) {
            if (version <= highest) {
                lost += highest - version + 1;
            }
            highest = Math.max(highest, version);
        }
        return lost;
    }

    private static long number(List<List<?>> rows) {
        Object value = rows.isEmpty() ? null : rows.get(0).get(0);
        return value instanceof Number n ? n.longValue() : 0;
    }

    private static double mean(List<ScenarioResult.InjectionResult> results, boolean detection) {
        return results.stream().mapToDouble(r -> detection ? r.detectionSeconds() : r.recoverySeconds()).average().orElse(0);
    }
}
