package org.edgetrain.compute.training;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.lang.IgniteFuture;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;
import org.edgetrain.compute.grid.DatasetLoadMarker;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.health.Quarantine;
import org.edgetrain.compute.grid.Wire;
import org.edgetrain.rebalancing.DeviceAttributes;
import org.edgetrain.model.engine.Evaluation;
import org.edgetrain.model.strategy.DeviceResult;
import org.edgetrain.model.strategy.Failure;
import org.edgetrain.model.strategy.FedAvg;
import org.edgetrain.model.strategy.RoundOutcome;
import org.edgetrain.model.strategy.Strategy;
import org.edgetrain.model.strategy.UpdateValidator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a training job's rounds. It runs beside the model's primary copy, where {@link CoordinatorElection} starts
 * it: there is no fixed master; if its device dies, the device that becomes the model's primary starts another, and
 * it resumes from the last committed round, because everything it needs (job, model, partition progress) is in
 * caches with backups. Its own fields are rebuildable (throughput estimates start again from the devices' declared
 * capability).
 *
 * <p>A round: plan per-device shares from measured pace ({@link RoundPacer}), send each device one {@link TrainingJob} for the
 * partitions it owns, close the round once every device's time box is full ({@link RoundEnd}), wait for the results up
 * to a deadline, aggregate with the {@link Strategy}, and commit the new model and the
 * accepted devices' partition progress in one transaction. The next round is sent out before that commit, with the
 * new model in its jobs, so devices do not wait on it. At an epoch's end, evaluate on the test set.
 *
 * <p>Thread-safety: {@link #run} on one thread; {@link #cancel} from any thread.
 */
public final class RoundCoordinator {
    private static final Logger LOG = LoggerFactory.getLogger(RoundCoordinator.class);
    private static volatile CommitListener commitListener = (state, advances) -> { };

    private final Ignite ignite;
    private volatile boolean cancelled;
    private RoundPacer pacer;
    private int countedEpoch;
    private long countedSamples;
    private Strategy strategy;
    private java.util.Set<Integer> reportedLost;
    private boolean reportedLoading;
    private java.util.Set<String> quarantinedLastRound;
    private java.util.Set<String> rejectedLastRound;
    /** The last round's metrics rows (committed or not), not written yet (see {@link #recordPending}). */
    private Runnable unrecorded;
    /** How long writing the previous round's metrics took (logged with the next round). */
    private long recordedMillis;
    private RoundEnd.Coordinator roundEnds;

    RoundCoordinator(Ignite ignite) {
        this.ignite = ignite;
    }

    /** Registers the commit injection point (process-wide; for tests and fault injection). */
    public static void setCommitListener(CommitListener listener) {
        commitListener = listener == null ? (state, advances) -> { } : listener;
    }

    /** Stops the rounds: no commit after this call; the thread running {@link #run} returns soon after. */
    void cancel() {
        cancelled = true;
    }

    /** Runs the stored job's rounds until it is finished or this coordinator is cancelled. */
    void run() {
        pacer = new RoundPacer();
        reportedLost = java.util.Set.of();
        quarantinedLastRound = java.util.Set.of();
        rejectedLastRound = new java.util.HashSet<>();
        unrecorded = null;
        strategy = new FedAvg(UpdateValidator.DEFAULT, 0.5);
        IgniteCache<String, byte[]> model = ignite.cache(GridNames.MODEL);
        JobSpec job = Wire.unpack(model.get(ModelState.JOB_KEY));
        event("COORDINATOR_STARTED", null, "on " + ignite.cluster().localNode().consistentId());
        roundEnds = RoundEnd.Coordinator.listen(ignite);
        try {
            runRounds(job, model);
        } finally {
            roundEnds.close();
            recordPending();
        }
    }

    /**
     * A round whose jobs are out.
     *
     * @param round its number
     * @param from the model it trains from (committed, or being committed while it trains)
     * @param progress the partitions' progress it was planned from
     */
    private record Dispatched(long round, ModelState from, Map<Integer, PartitionProgress> progress,
                              Map<ClusterNode, List<PartitionWork>> plan, Map<String, RoundPacer.Share> shares,
                              double learningRate, Map<ClusterNode, IgniteFuture<byte[]>> futures,
                              Map<String, Long> arrivals, RoundEnd.Round end, long planStart, long start) {
        /** Stops waiting for the devices' results (a device's running job finishes; its result is dropped). */
        void abandon() {
            futures.values().forEach(IgniteFuture::cancel);
        }
    }

    private void runRounds(JobSpec job, IgniteCache<String, byte[]> model) {
        Dispatched inFlight = null;
        while (!cancelled && !Thread.currentThread().isInterrupted()) {
            if (inFlight == null) {
                ModelState state = Wire.unpack(model.get(ModelState.KEY));
                if (state == null || job == null || state.finished() || !state.jobId().equals(job.id())) {
                    // ended, stopped, or replaced by a new job (which gets a coordinator of its own)
                    recordPending();
                    return;
                }
                if (pausedForData()) {
                    recordPending();
                    pause(1000); // waiting for an operator; re-checked every second
                    continue;
                }
                try {
                    long planStart = System.nanoTime();
                    Map<Integer, PartitionProgress> progress = progress(job, state.epoch());
                    if (progress.values().stream().allMatch(PartitionProgress::done)) {
                        finishEpoch(job, state);
                        continue;
                    }
                    inFlight = dispatch(job, state, progress, planStart);
                    announce(inFlight);
                } catch (RuntimeException e) {
                    if (cancelled) {
                        return;
                    }
                    roundFailed(state.round() + 1, e);
                    continue;
                }
            }
            Dispatched round = inFlight;
            try {
                inFlight = complete(job, round);
            } catch (RuntimeException e) {
                inFlight = null;
                if (cancelled) {
                    return;
                }
                roundFailed(round.round(), e);
            }
        }
    }

    private void roundFailed(long round, RuntimeException e) {
        LOG.warn("round {} failed, re-planning: {}", round, e.toString());
        event("ROUND_FAILED", null, String.valueOf(e.getMessage()));
        recordPending();
        pause(1000);
    }

    /**
     * @return true while a partition has lost every copy (training waits for an operator to reload the data) or a
     *     data set load runs (a partition it fills must not be counted half-full)
     */
    private boolean pausedForData() {
        java.util.Set<Integer> lost = lostPartitions();
        if (!lost.isEmpty()) {
            if (!lost.equals(reportedLost)) {
                LOG.warn("training paused: partitions {} lost every copy", lost);
                event("PARTITIONS_LOST", null, "training paused: partitions " + lost + " lost every copy; reload the "
                        + "data set (edgetrain dataset load --cifar PATH) to bring them back");
                reportedLost = lost;
            }
            return true;
        }
        java.util.Optional<ClusterNode> loader = DatasetLoadMarker.loader(ignite);
        if (loader.isPresent()) {
            if (!reportedLoading) {
                LOG.info("training paused while {} loads the data set", loader.get().consistentId());
                event("DATASET_LOADING", null, "training paused while " + loader.get().consistentId() + " loads the data set");
                reportedLoading = true;
            }
            return true;
        }
        reportedLoading = false;
        if (!reportedLost.isEmpty()) {
            event("PARTITIONS_RESTORED", null, "training resumes: partitions " + reportedLost + " are back");
            reportedLost = java.util.Set.of();
        }
        return false;
    }

    /** Plans the round after {@code from}'s and sends every device its job, with the model in it. */
    private Dispatched dispatch(JobSpec job, ModelState from, Map<Integer, PartitionProgress> progress, long planStart) {
        long round = from.round() + 1;
        List<ClusterNode> devices = new ArrayList<>(ignite.cluster().forServers().nodes());
        long epochSamples = epochSamples(job, from.epoch());
        int sizeGuess = (int) ((epochSamples + GridNames.DATA_PARTITIONS - 1) / GridNames.DATA_PARTITIONS);
        Map<String, Double> capabilities = new LinkedHashMap<>();
        devices.forEach(d -> capabilities.put(String.valueOf(d.consistentId()), DeviceAttributes.capability(d)));
        Map<String, RoundPacer.Share> shares = pacer.shares(capabilities, job.adaptiveQuotas(), job.batch(), job.roundSeconds());
        Map<ClusterNode, List<PartitionWork>> plan = plan(devices, progress, sizeGuess, shares, job.adaptiveQuotas());
        double epochProgress = from.epoch() - 1 + Math.min(1.0, (double) committedInEpoch(progress) / epochSamples);
        double learningRate = job.schedule().at(epochProgress) * from.learningRateScale();
        long start = System.nanoTime();
        Map<ClusterNode, IgniteFuture<byte[]>> futures = new LinkedHashMap<>();
        Map<String, Long> arrivals = new java.util.concurrent.ConcurrentHashMap<>();
        byte[] modelBytes = Wire.pack(from.state()); // once, not once per device
        RoundEnd.Round end = roundEnds.open(job.id(), round,
                plan.keySet().stream().map(n -> String.valueOf(n.consistentId())).toList());
        java.util.UUID self = ignite.cluster().localNode().id();
        for (Map.Entry<ClusterNode, List<PartitionWork>> entry : plan.entrySet()) {
            String name = String.valueOf(entry.getKey().consistentId());
            TrainingJob trainingJob = new TrainingJob(job, round, from, modelBytes, learningRate, entry.getValue(),
                    rejectedLastRound.contains(name), shares.get(name).trainSeconds(), pacer.rate(name), self);
            IgniteFuture<byte[]> future = ignite.compute(ignite.cluster().forNode(entry.getKey())).callAsync(trainingJob);
            future.listen(done -> {
                arrivals.put(name, System.nanoTime());
                end.ready(name);
            });
            futures.put(entry.getKey(), future);
        }
        return new Dispatched(round, from, progress, plan, shares, learningRate, futures, arrivals, end, planStart, start);
    }

    /**
     * Once the model a round trains from is committed: writes the previous round's metrics rows (while the devices
     * train: they cost nobody idle time) and tells the clients that the round is out.
     */
    private void announce(Dispatched round) {
        long recording = System.nanoTime();
        recordPending();
        recordedMillis = (System.nanoTime() - recording) / 1_000_000;
        RoundPhases.publish(ignite, RoundPhases.Point.DISPATCHED, round.round(), round.from().version());
    }

    /**
     * Collects a round's results, aggregates them and commits the new model with the accepted devices' progress.
     * The next round is sent out before the commit, planned from this round's outcome in memory, so that devices
     * train while the commit (a transaction every device takes part in) runs. Should the commit fail, the next round
     * is abandoned with it: its own commit could never land anyway, since it requires the stored model to be the
     * one it trained from.
     *
     * @return the next round, already dispatched, or null when the loop must look at the stored state first (an
     *     epoch's end, a stopped job, lost partitions, a round that trained nothing)
     */
    private Dispatched complete(JobSpec job, Dispatched r) {
        long deadline = r.start() + TimeUnit.MILLISECONDS.toNanos(deadlineMillis(job));
        try {
            roundEnds.awaitClose(r.end(), r.futures().keySet(), deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // cancelled: the results below are collected without waiting
        }
        List<DeviceRoundResult> arrived = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        for (Map.Entry<ClusterNode, IgniteFuture<byte[]>> entry : r.futures().entrySet()) {
            String device = String.valueOf(entry.getKey().consistentId());
            try {
                long wait = Math.max(1, deadline - System.nanoTime());
                arrived.add(Wire.unpack(entry.getValue().get(wait, TimeUnit.NANOSECONDS)));
            } catch (org.apache.ignite.lang.IgniteFutureTimeoutException e) {
                entry.getValue().cancel();
                failures.add(new Failure(device, "late: no result before the round deadline"));
            } catch (RuntimeException e) {
                LOG.warn("round {}: device {} failed", r.round(), device, e);
                failures.add(new Failure(device, "failed: " + e.getMessage()));
            }
        }
        long round = r.round();
        ModelState state = r.from();
        double seconds = (System.nanoTime() - r.start()) / 1e9;
        RoundOutcome outcome = strategy.aggregate(round, state.state(),
                arrived.stream().map(DeviceRoundResult::result).toList(), failures);
        List<PartitionAdvance> advances = new ArrayList<>();
        for (DeviceRoundResult result : arrived) {
            if (outcome.accepted().contains(result.result())) {
                advances.addAll(result.advances());
            }
            String device = result.result().device();
            double roundTrip = (r.arrivals().getOrDefault(device, System.nanoTime()) - r.start()) / 1e9;
            pacer.observed(device, result.imagesPerSecond(), roundTrip - result.seconds());
        }
        rejectedLastRound.clear();
        for (Failure failure : outcome.rejected()) {
            RoundPacer.Share share = r.shares().get(failure.device());
            pacer.penalize(failure.device(), share == null ? job.batch() : share.expected(), seconds);
            rejectedLastRound.add(failure.device());
        }
        long samples = outcome.acceptedSamples();
        double loss = outcome.accepted().stream().mapToDouble(DeviceResult::lossSum).sum() / Math.max(1, samples);
        String divergence = divergence(state, outcome, loss, job.batch());
        ModelState next;
        if (divergence != null) {
            next = state.rolledBack(round);
            event("ROLLBACK", null, String.format("round %d: %s; model rolled back to the state of v%d (now v%d), "
                    + "learning rate x%.3g", round, divergence, state.goodVersion(), next.version(), next.learningRateScale()));
        } else {
            next = outcome.commits() ? state.committed(round, outcome.state(), samples, loss) : state.notCommitted(round);
        }
        boolean commits = outcome.commits() && divergence == null;
        if (cancelled) {
            return null; // a replaced coordinator (a new job, the model's primary moved) must not commit over its successor
        }
        long aggregated = System.nanoTime();
        Map<Integer, PartitionProgress> progress = commits ? advanced(r.progress(), advances) : r.progress();
        boolean trainedNothing = arrived.stream().allMatch(a -> a.result().samples() == 0);
        Dispatched following = trainedNothing || progress.values().stream().allMatch(PartitionProgress::done)
                || pausedForData() ? null : dispatch(job, next, progress, aggregated);
        long committing = System.nanoTime();
        try {
            commit(state, next, commits ? advances : List.of());
        } catch (RuntimeException e) {
            if (following != null) {
                following.abandon();
            }
            throw e;
        }
        long committed = System.nanoTime();
        Timestamp endedAt = now();
        long lost = lostSamples(r.plan(), r.shares(), arrived, outcome, commits);
        unrecorded = () -> recordRound(job, next, outcome, commits, arrived, seconds, r.learningRate(), lost, endedAt);
        // Where a round's time goes: planning and dispatch, training (to the last result), aggregation, the next
        // round's dispatch, the commit (the next round trains meanwhile); and the previous round's metrics.
        LOG.info("round {}: {} of {} devices accepted, {} samples, {} in {} s (plan {} ms, aggregate {} ms, next round "
                        + "out in {} ms, commit {} ms, previous round's metrics {} ms)", round, outcome.accepted().size(),
                r.plan().size(), samples, commits ? "committed v" + next.version() : "not committed",
                String.format("%.1f", seconds), (r.start() - r.planStart()) / 1_000_000,
                (aggregated - r.start()) / 1_000_000 - Math.round(seconds * 1000), (committing - aggregated) / 1_000_000,
                (committed - committing) / 1_000_000, recordedMillis);
        if (commits) {
            RoundPhases.publish(ignite, RoundPhases.Point.COMMITTED, round, next.version());
            commitListener.committed(next, advances);
        }
        if (following != null) {
            announce(following);
        } else if (trainedNothing) {
            recordPending();
            pause(1000); // nothing could be trained (data moving): wait instead of re-planning at once
        }
        return following;
    }

    /** @return {@code progress} with {@code advances} applied, as {@link #commit} stores them */
    private static Map<Integer, PartitionProgress> advanced(Map<Integer, PartitionProgress> progress,
                                                            List<PartitionAdvance> advances) {
        Map<Integer, PartitionProgress> out = new HashMap<>(progress);
        advances.forEach(a -> out.put(a.partition(), new PartitionProgress(a.epoch(), a.to(), a.size())));
        return out;
    }

    /**
     * @return why the round diverged (its result must not become the model), or null when it did not: every result
     *     non-finite, a non-finite loss, or a loss far above the recent ones over at least one batch of samples (the
     *     loss of a few images says nothing: at an epoch's end a round may train a single one, and rolling that round
     *     back would leave its partition unfinished and the epoch stuck, round after round)
     */
    static String divergence(ModelState state, RoundOutcome outcome, double loss, int batch) {
        long blownUp = outcome.rejected().stream()
                .filter(f -> f.reason().startsWith("non-finite") || f.reason().startsWith("absurd update")).count();
        if (outcome.accepted().isEmpty() && blownUp > 0 && blownUp * 2 >= outcome.rejected().size()) {
            return "every result was NaN, infinite or absurdly far from the model";
        }
        if (outcome.commits() && !Double.isFinite(loss)) {
            return "training loss is not finite";
        }
        if (outcome.acceptedSamples() < batch) {
            return null;
        }
        // A fresh 10-class network starts near ln(10) = 2.3; three times that is no longer learning.
        if (outcome.commits() && Double.isNaN(state.lossEwma()) && loss > 3 * Math.log(10)) {
            return String.format("training loss %.3g on the first round", loss);
        }
        if (outcome.commits() && !Double.isNaN(state.lossEwma()) && loss > Math.max(4 * state.lossEwma(), 3.0)) {
            return String.format("training loss exploded to %.3g (recent %.3g)", loss, state.lossEwma());
        }
        return null;
    }

    /**
     * Gives each device slices of the partitions it owns as primary, sized by its measured pace so that devices
     * finish together ({@link RoundPacer}). A quarantined device gets nothing; the first backup owner that is not
     * quarantined trains its partitions instead. With {@code stealing}, spare quota goes to backups of partitions
     * nobody reaches this round.
     */
    private Map<ClusterNode, List<PartitionWork>> plan(List<ClusterNode> devices, Map<Integer, PartitionProgress> progress,
                                                      int sizeGuess, Map<String, RoundPacer.Share> shares,
                                                      boolean stealing) {
        Map<ClusterNode, List<PartitionWork>> plan = new LinkedHashMap<>();
        java.util.Set<String> quarantined = quarantined(devices);
        Map<java.util.UUID, List<Integer>> owned = new HashMap<>();
        Map<Integer, List<ClusterNode>> owners = new HashMap<>();
        java.util.Set<Integer> fromBackup = new java.util.HashSet<>();
        for (int partition = 0; partition < GridNames.DATA_PARTITIONS; partition++) {
            boolean primary = true;
            owners.put(partition, new ArrayList<>(ignite.affinity(GridNames.TRAIN).mapPartitionToPrimaryAndBackups(partition)));
            for (ClusterNode owner : owners.get(partition)) {
                if (!quarantined.contains(String.valueOf(owner.consistentId()))) {
                    owned.computeIfAbsent(owner.id(), n -> new ArrayList<>()).add(partition);
                    if (!primary) {
                        fromBackup.add(partition);
                    }
                    break;
                }
                primary = false;
            }
        }
        Map<ClusterNode, Integer> spare = new LinkedHashMap<>();
        java.util.Set<Integer> planned = new java.util.HashSet<>();
        for (ClusterNode device : devices) {
            int quota = shares.get(String.valueOf(device.consistentId())).quota();
            List<PartitionWork> slices = new ArrayList<>();
            for (int partition : owned.getOrDefault(device.id(), List.of())) {
                PartitionProgress p = progress.get(partition);
                if (quota <= 0 || p.done()) {
                    continue;
                }
                // Unknown size (first visit): plan with the average; the device takes what the partition has.
                int take = Math.min(quota, (p.size() < 0 ? sizeGuess : p.size()) - p.cursor());
                if (take <= 0) {
                    continue;
                }
                slices.add(new PartitionWork(partition, p.epoch(), p.cursor(), take, p.size(), fromBackup.contains(partition)));
                planned.add(partition);
                quota -= take;
            }
            plan.put(device, slices);
            spare.put(device, quota);
        }
        if (stealing) {
            stealFromBackups(plan, spare, planned, owners, quarantined, progress);
        }
        plan.values().removeIf(List::isEmpty);
        return plan;
    }

    /**
     * Gives devices with spare quota whole partitions that nobody trains this round and that they hold a backup copy
     * of: a slow device's partitions beyond its quota. Without it a fast device sits idle once its own shard is done
     * for the epoch while a slow one works through the rest of its shard alone, round after round. A partition goes to
     * one device per round, so cursors still advance in one chain. Only partitions of known size are taken, so a
     * backup copy caught mid-rebalance is recognized (and skipped) by the device.
     */
    private static void stealFromBackups(Map<ClusterNode, List<PartitionWork>> plan, Map<ClusterNode, Integer> spare,
                                         java.util.Set<Integer> planned, Map<Integer, List<ClusterNode>> owners,
                                         java.util.Set<String> quarantined, Map<Integer, PartitionProgress> progress) {
        List<Map.Entry<ClusterNode, Integer>> fastestFirst = new ArrayList<>(spare.entrySet());
        fastestFirst.sort(Map.Entry.<ClusterNode, Integer>comparingByValue().reversed());
        for (Map.Entry<ClusterNode, Integer> device : fastestFirst) {
            if (quarantined.contains(String.valueOf(device.getKey().consistentId()))) {
                continue;
            }
            int quota = device.getValue();
            for (int partition = 0; partition < GridNames.DATA_PARTITIONS && quota > 0; partition++) {
                PartitionProgress p = progress.get(partition);
                List<ClusterNode> holders = owners.get(partition);
                if (planned.contains(partition) || p.done() || p.size() < 0 || holders.indexOf(device.getKey()) < 1) {
                    continue;
                }
                int take = Math.min(quota, p.size() - p.cursor());
                plan.get(device.getKey()).add(new PartitionWork(partition, p.epoch(), p.cursor(), take, p.size(), true));
                planned.add(partition);
                quota -= take;
            }
        }
    }

    /**
     * @return the devices in quarantine now, reporting those whose quarantine ended; none when every device is (a
     *     fleet of flapping devices still trains)
     */
    private java.util.Set<String> quarantined(List<ClusterNode> devices) {
        java.util.Set<String> now = activeQuarantine();
        for (String device : quarantinedLastRound) {
            if (!now.contains(device)) {
                event("QUARANTINE_ENDED", device, device + " gets training work again");
            }
        }
        quarantinedLastRound = now;
        java.util.Set<String> names = devices.stream().map(n -> String.valueOf(n.consistentId()))
                .collect(java.util.stream.Collectors.toSet());
        return names.stream().allMatch(now::contains) ? java.util.Set.of() : now;
    }

    private Map<Integer, PartitionProgress> progress(JobSpec job, int epoch) {
        IgniteCache<Integer, byte[]> cache = ignite.cache(GridNames.PROGRESS);
        java.util.Set<Integer> partitions = new java.util.TreeSet<>();
        for (int p = 0; p < GridNames.DATA_PARTITIONS; p++) {
            partitions.add(p);
        }
        Map<Integer, byte[]> all = cache.getAll(partitions); // one call, not one per partition
        Map<Integer, PartitionProgress> out = new HashMap<>();
        for (int p : partitions) {
            PartitionProgress stored = Wire.unpack(all.get(p));
            out.put(p, stored == null || stored.epoch() != epoch
                    ? new PartitionProgress(epoch, 0, stored == null ? -1 : stored.size()) : stored);
        }
        return out;
    }

    /**
     * @return samples one epoch visits: the job's limit or the whole training cache, counted once per epoch (a count
     *     asks every device, and a busy one answers slowly)
     */
    private long epochSamples(JobSpec job, int epoch) {
        if (epoch != countedEpoch) {
            long size = ignite.cache(GridNames.TRAIN).size();
            countedSamples = Math.max(1, job.limitTrain() > 0 ? Math.min(job.limitTrain(), size) : size);
            countedEpoch = epoch;
        }
        return countedSamples;
    }

    private static long committedInEpoch(Map<Integer, PartitionProgress> progress) {
        return progress.values().stream().mapToLong(PartitionProgress::cursor).sum();
    }

    private static long deadlineMillis(JobSpec job) {
        return (long) (RoundPacer.deadlineSeconds(job.roundSeconds()) * 1000);
    }

    /** @return partitions of the train or test cache that lost every copy */
    private java.util.Set<Integer> lostPartitions() {
        java.util.Set<Integer> lost = new java.util.TreeSet<>(ignite.cache(GridNames.TRAIN).lostPartitions());
        lost.addAll(ignite.cache(GridNames.TEST).lostPartitions());
        return lost;
    }

    /**
     * Writes {@code next} (and the partitions' advances) if the stored model is still {@code planned}: a coordinator
     * that was replaced while it worked (cancelled, or cut off and redeployed elsewhere) must not overwrite its
     * successor's commits.
     */
    private void commit(ModelState planned, ModelState next, List<PartitionAdvance> advances) {
        IgniteCache<String, byte[]> model = ignite.cache(GridNames.MODEL);
        IgniteCache<Integer, byte[]> progress = ignite.cache(GridNames.PROGRESS);
        try (Transaction tx = ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                TransactionIsolation.REPEATABLE_READ)) {
            requireUnchanged(model, planned);
            // One locking read and one write for all partitions (sorted keys: no lock-order deadlock), not a round
            // trip per partition: every round trip waits on devices that may be throttled.
            java.util.SortedSet<Integer> keys = new java.util.TreeSet<>();
            advances.forEach(a -> keys.add(a.partition()));
            Map<Integer, byte[]> stored = progress.getAll(keys);
            Map<Integer, PartitionProgress> updated = new java.util.TreeMap<>();
            for (PartitionAdvance advance : advances) {
                PartitionProgress current = updated.containsKey(advance.partition()) ? updated.get(advance.partition())
                        : Wire.unpack(stored.get(advance.partition()));
                int cursor = current == null || current.epoch() != advance.epoch() ? 0 : current.cursor();
                if (cursor != advance.from()) {
                    throw new IllegalStateException("partition " + advance.partition() + " moved on to " + cursor
                            + " while a device trained from " + advance.from());
                }
                updated.put(advance.partition(), new PartitionProgress(advance.epoch(), advance.to(), advance.size()));
            }
            Map<Integer, byte[]> packed = new java.util.TreeMap<>();
            updated.forEach((partition, p) -> packed.put(partition, Wire.pack(p)));
            progress.putAll(packed);
            model.put(ModelState.KEY, Wire.pack(next));
            tx.commit();
        }
    }

    /** @throws IllegalStateException when the stored model is no longer {@code planned} (read under the tx's lock) */
    private static void requireUnchanged(IgniteCache<String, byte[]> model, ModelState planned) {
        ModelState stored = Wire.unpack(model.get(ModelState.KEY));
        if (stored == null || stored.version() != planned.version() || stored.epoch() != planned.epoch()
                || stored.finished() != planned.finished() || !stored.jobId().equals(planned.jobId())) {
            throw new IllegalStateException("the model moved on (v" + (stored == null ? "-" : stored.version())
                    + ") while this coordinator worked from v" + planned.version() + ": another coordinator took over");
        }
    }

    private void finishEpoch(JobSpec job, ModelState state) {
        recordPending(); // every round's rows are in the tables before the epoch (or the job) is declared finished
        Evaluation evaluation = evaluate(job, state);
        GridSchema.sql(ignite, "MERGE INTO EVALS (EPOCH, JOB, ROUND_NO, MODEL_VERSION, TEST_ACCURACY, TEST_LOSS, IMAGES, AT)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", state.epoch(), job.id(), state.round(), state.version(),
                evaluation.accuracy(), evaluation.meanLoss(), evaluation.count(), now());
        boolean finished = state.epoch() >= job.epochs();
        ModelState next = state.nextEpoch(evaluation.accuracy(), finished);
        IgniteCache<String, byte[]> model = ignite.cache(GridNames.MODEL);
        try (Transaction tx = ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                TransactionIsolation.REPEATABLE_READ)) {
            requireUnchanged(model, state);
            model.put(ModelState.KEY, Wire.pack(next));
            model.put(EvaluatedModel.KEY, Wire.pack(new EvaluatedModel(job.id(), state.epoch(), state.version(),
                    state.round(), state.samplesCommitted(), evaluation.accuracy(), evaluation.meanLoss(), state.state())));
            tx.commit();
        }
        event(finished ? "JOB_FINISHED" : "EPOCH_FINISHED", null, String.format("epoch %d: test accuracy %.4f",
                state.epoch(), evaluation.accuracy()));
    }

    /**
     * Evaluates the global model on every test partition, colocated. Each partition goes to its first owner that is
     * neither quarantined nor failed an earlier attempt of this evaluation (its primary, else a backup); partitions
     * that moved, or whose device failed or timed out, are re-asked elsewhere.
     */
    private Evaluation evaluate(JobSpec job, ModelState state) {
        Evaluation total = Evaluation.EMPTY;
        java.util.Set<Integer> missing = new java.util.TreeSet<>();
        for (int p = 0; p < GridNames.DATA_PARTITIONS; p++) {
            missing.add(p);
        }
        java.util.Set<String> avoid = new java.util.HashSet<>(activeQuarantine());
        for (int attempt = 0; attempt < 10 && !missing.isEmpty() && !cancelled; attempt++) {
            Map<ClusterNode, Map<Integer, Long>> byOwner = new HashMap<>();
            for (int p : missing) {
                List<ClusterNode> owners = new ArrayList<>(ignite.affinity(GridNames.TEST).mapPartitionToPrimaryAndBackups(p));
                ClusterNode owner = owners.stream().filter(n -> !avoid.contains(String.valueOf(n.consistentId())))
                        .findFirst().orElse(owners.isEmpty() ? null : owners.get(0));
                if (owner != null) {
                    long expected = owner.equals(owners.get(0)) ? -1 : ignite.cache(GridNames.TEST).sizeLong(p, CachePeekMode.PRIMARY);
                    byOwner.computeIfAbsent(owner, n -> new HashMap<>()).put(p, expected);
                }
            }
            long start = System.nanoTime();
            for (Map.Entry<ClusterNode, Map<Integer, Long>> entry : byOwner.entrySet()) {
                String device = String.valueOf(entry.getKey().consistentId());
                try {
                    // Bounded like a round: a device that hangs must not stall the fleet at the end of an epoch.
                    EvaluationJob.Result result = Wire.unpack(ignite.compute(ignite.cluster().forNode(entry.getKey()))
                            .callAsync(new EvaluationJob(job, state.version(), entry.getValue()))
                            .get(deadlineMillis(job), TimeUnit.MILLISECONDS));
                    total = total.plus(result.evaluation());
                    result.partitions().forEach(missing::remove);
                } catch (RuntimeException e) {
                    if (cancelled) {
                        throw e;
                    }
                    avoid.add(device);
                    LOG.warn("evaluation on {} failed, retrying its partitions elsewhere: {}", device, e.toString());
                }
            }
            LOG.info("epoch {} evaluation, attempt {}: {} images, {} partitions left, {} s", state.epoch(), attempt + 1,
                    total.count(), missing.size(), String.format("%.1f", (System.nanoTime() - start) / 1e9));
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("test partitions " + missing + " could not be evaluated");
        }
        return total;
    }

    /** @return devices in quarantine now (none if the table does not exist yet) */
    private java.util.Set<String> activeQuarantine() {
        try {
            return Quarantine.active(ignite, System.currentTimeMillis());
        } catch (RuntimeException e) {
            return java.util.Set.of(); // no table yet: nobody was ever quarantined
        }
    }

    /**
     * @return work done for nothing in this round: the samples of results that were refused, and the samples devices
     *     whose result never came (crashed, late) were expected to train; all of it when the round did not commit
     */
    private static long lostSamples(Map<ClusterNode, List<PartitionWork>> plan, Map<String, RoundPacer.Share> shares,
                                    List<DeviceRoundResult> arrived, RoundOutcome outcome, boolean committed) {
        long lost = 0;
        for (Map.Entry<ClusterNode, List<PartitionWork>> entry : plan.entrySet()) {
            String device = String.valueOf(entry.getKey().consistentId());
            DeviceResult result = arrived.stream().map(DeviceRoundResult::result).filter(r -> r.device().equals(device))
                    .findFirst().orElse(null);
            if (result == null) {
                lost += Math.min(shares.get(device).expected(), entry.getValue().stream().mapToLong(PartitionWork::quota).sum());
            } else if (!committed || !outcome.accepted().contains(result)) {
                lost += result.samples();
            }
        }
        return lost;
    }

    private void recordRound(JobSpec job, ModelState next, RoundOutcome outcome, boolean committed,
                             List<DeviceRoundResult> arrived, double seconds, double learningRate, long lostSamples,
                             Timestamp endedAt) {
        long samples = committed ? outcome.acceptedSamples() : 0;
        double loss = outcome.accepted().stream().mapToDouble(DeviceResult::lossSum).sum()
                / Math.max(1, outcome.acceptedSamples());
        // One statement for all of the round's device rows: each statement is a round trip to every device.
        List<Object> args = new ArrayList<>();
        Map<String, String> classes = deviceClasses();
        for (DeviceRoundResult result : arrived) {
            DeviceResult r = result.result();
            boolean accepted = outcome.accepted().contains(r);
            String status = accepted ? (committed ? "ACCEPTED" : "ROUND_NOT_COMMITTED") : outcome.rejected().stream()
                    .filter(f -> f.device().equals(r.device())).map(Failure::reason).findFirst().orElse("REJECTED");
            args.addAll(java.util.Arrays.asList(next.round(), r.device(), classes.getOrDefault(r.device(), "?"),
                    result.advances().size(), r.samples(), result.seconds(), result.imagesPerSecond(),
                    r.samples() == 0 ? 0 : r.lossSum() / r.samples(), status, result.heapUsedMegabytes(),
                    result.offHeapUsedMegabytes(), result.cpuLoad(), result.residentMegabytes(), result.engine()));
        }
        for (Failure failure : outcome.rejected()) {
            if (arrived.stream().noneMatch(a -> a.result().device().equals(failure.device()))) {
                args.addAll(java.util.Arrays.asList(next.round(), failure.device(),
                        classes.getOrDefault(failure.device(), "?"), 0, 0L, 0.0, 0.0, 0.0, failure.reason(), 0.0, 0.0, -1.0,
                        -1.0, null));
            }
        }
        if (!args.isEmpty()) {
            GridSchema.sql(ignite, "MERGE INTO DEVICE_ROUNDS (ROUND_NO, DEVICE, DEVICE_CLASS, PARTITIONS, SAMPLES, SECONDS,"
                    + " IMAGES_PER_SECOND, TRAIN_LOSS, STATUS, HEAP_USED_MB, OFFHEAP_USED_MB, CPU_LOAD, RESIDENT_MB, ENGINE) VALUES "
                    + String.join(", ", java.util.Collections.nCopies(args.size() / 14, "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)")),
                    args.toArray());
        }
        // The round's row last: a reader that sees it (bench, status) finds the round's device rows complete. Written
        // first, a benchmark that stopped the job on seeing it exported the last round with one device row of eleven.
        GridSchema.sql(ignite, "MERGE INTO ROUNDS (ROUND_NO, JOB, EPOCH, MODEL_VERSION, COMMITTED, DEVICES, FAILED, SAMPLES,"
                        + " TRAIN_LOSS, SECONDS, IMAGES_PER_SECOND, LEARNING_RATE, ENDED_AT, LOST_SAMPLES)"
                        + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                next.round(), job.id(), next.epoch(), next.version(), committed, outcome.accepted().size(),
                outcome.rejected().size(), samples, loss, seconds, samples / Math.max(1e-9, seconds), learningRate, endedAt,
                lostSamples);
        for (Failure failure : outcome.rejected()) {
            event("RESULT_REJECTED", failure.device(), "round " + next.round() + ": " + failure.reason());
        }
    }

    /**
     * Writes the last round's metrics rows, if not written yet. Called once the next round's jobs are out
     * (the writes, a few statements on every device, then cost the devices no idle time), and before the coordinator
     * waits, finishes an epoch or stops. A coordinator that dies between a commit and this call loses that round's
     * rows, not its commit.
     */
    private void recordPending() {
        Runnable pending = unrecorded;
        unrecorded = null;
        if (pending != null) {
            try {
                pending.run();
            } catch (RuntimeException e) {
                LOG.warn("metrics of the last round not recorded: {}", e.toString()); // its commit stands
            }
        }
    }

    /** @return each device in the topology now, by name, with its class */
    private Map<String, String> deviceClasses() {
        Map<String, String> classes = new HashMap<>();
        for (ClusterNode node : ignite.cluster().forServers().nodes()) {
            classes.put(String.valueOf(node.consistentId()), String.valueOf((Object) node.attribute(GridNames.ATTR_CLASS)));
        }
        return classes;
    }

    private void event(String kind, String device, String detail) {
        GridSchema.recordEvent(ignite, kind, device, detail);
    }

    private static Timestamp now() {
        return new Timestamp(System.currentTimeMillis());
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
