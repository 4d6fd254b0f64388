package org.edgetrain.compute.training;

import java.sql.Timestamp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.edgetrain.compute.grid.EventKind;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.PartitionCalls;
import org.edgetrain.model.engine.Evaluation;
import org.edgetrain.model.strategy.Failure;
import org.edgetrain.model.strategy.Strategy;

/**
 * Runs a training job's rounds. It runs beside the model's primary copy, where {@link CoordinatorElection} starts
 * it: there is no fixed master; if its device dies, the device that becomes the model's primary starts another, and
 * it resumes from the last committed round, because everything it needs (job, model, partition progress) is in
 * caches with backups ({@link JobStore}). Its own memory is rebuildable: paces start again from the devices' declared
 * capability.
 *
 * <p>A round, as the protocol goes: the {@link TrainingGate} lets training run; the {@link RoundPlanner} gives each
 * device slices of its partitions, sized by its pace ({@link RoundPacer}); the {@link DeviceGateway} sends the jobs
 * and collects the results against the round's deadline; the {@link RoundDecision} aggregates them with the job's
 * strategy and decides commit, no commit or rollback; the next round goes out ({@link RoundPipeline}); the
 * {@link JobStore} commits the model and the accepted devices' progress in one transaction; the
 * {@link RoundRecorder} writes the round's rows. At an epoch's end, the model is evaluated on the test set.
 *
 * <p>Thread-safety: {@link #run} on one thread; {@link #cancel} from any thread.
 */
public final class RoundCoordinator {
    private static final Logger LOG = LogManager.getLogger(RoundCoordinator.class);
    private static final long PAUSE_MILLIS = 1000;
    private static final int EVALUATION_ATTEMPTS = 10;
    private static volatile CommitListener commitListener = (state, advances) -> { };

    private final Ignite ignite;
    private volatile boolean cancelled;
    private JobSpec job;
    private Strategy strategy;
    private JobStore store;
    private DeviceGateway devices;
    private RoundRecorder recorder;
    private TrainingGate gate;
    private final RoundPacer pacer = new RoundPacer();
    private final RoundPipeline pipeline = new RoundPipeline();
    /** Devices whose last result was refused: they reset their optimizer state. */
    private Set<String> rejectedLastRound = Set.of();

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

    /** Runs the stored job's rounds until it is finished or this coordinator is cancelled. Once per instance. */
    void run() {
        store = new JobStore(ignite);
        job = store.job();
        try (DeviceGateway gateway = new DeviceGateway(ignite)) {
            devices = gateway;
            recorder = new RoundRecorder(ignite, gateway::classes, store::rowWritten);
            recorder.restore(store.unwrittenRows());
            gate = new TrainingGate(ignite, store, recorder);
            recorder.event(EventKind.COORDINATOR_STARTED, null, "on " + ignite.cluster().localNode().consistentId());
            if (job != null) {
                strategy = job.aggregation().strategy(job.network().model());
                runRounds();
            }
        } finally {
            if (recorder != null) {
                recorder.flushAll();
            }
        }
    }

    private void runRounds() {
        while (!cancelled && !Thread.currentThread().isInterrupted()) {
            try {
                if (pipeline.idle() && !startRound()) {
                    return;
                }
                if (!pipeline.idle()) {
                    completeRound(pipeline.current());
                }
            } catch (RuntimeException e) {
                pipeline.clear();
                if (cancelled) {
                    return;
                }
                LOG.warn("round failed, re-planning: {}", e.toString());
                recorder.event(EventKind.ROUND_FAILED, null, String.valueOf(e.getMessage()));
                recorder.flush();
                pause();
            }
        }
    }

    /**
     * Starts from the stored state: plans and sends a round, or ends the epoch, or waits at the gate.
     *
     * @return false when the job has ended, was stopped, or was replaced by a new job (which has a coordinator of its
     *     own)
     */
    private boolean startRound() {
        ModelState state = store.model();
        if (state == null || state.finished() || !state.jobId().equals(job.id())) {
            recorder.flush();
            return false;
        }
        if (gate.closed()) {
            recorder.flush();
            pause(); // waiting for an operator or a load; checked again every second
            return true;
        }
        long planStart = System.nanoTime();
        Map<Integer, PartitionProgress> progress = store.progress(state.epoch());
        if (epochDone(progress)) {
            finishEpoch(state);
            return true;
        }
        pipeline.start(send(state, progress, planStart));
        announce(pipeline.current());
        return true;
    }

    /** Collects, decides, sends the next round, commits, records. */
    private void completeRound(RoundPipeline.Round r) {
        DeviceGateway.Collected collected = devices.collect(r.sent(), r.sent().start() + deadlineNanos(),
                result -> result.restored(job.transfer(), r.from().state()));
        long cpuAtCollected = threadCpuNanos();
        RoundDecision decision = RoundDecision.decide(strategy, r.from(), r.round(), collected.arrived(),
                collected.failures(), job.batch());
        learnPaces(r, collected, decision);
        if (decision.rollback() != null) {
            ModelState next = decision.next();
            recorder.event(EventKind.ROLLBACK, null, String.format("round %d: %s; model rolled back to the state of "
                    + "v%d (now v%d), learning rate x%.3g", r.round(), decision.rollback(), r.from().goodVersion(),
                    next.version(), next.learningRateScale()));
        }
        if (cancelled) {
            pipeline.clear(); // a replaced coordinator (a new job, the model's primary moved) must not commit
            return;
        }
        long aggregated = System.nanoTime();
        Map<Integer, PartitionProgress> progress = decision.progressAfter(r.progress());
        if (!collected.trainedNothing() && !epochDone(progress) && !gate.closed()) {
            pipeline.sendNext(send(decision.next(), progress, aggregated));
        }
        RoundRecorder.Round ended = RoundRecorder.Round.of(job, r.from().version(), decision, collected.arrived(),
                collected.seconds(), r.learningRate(), decision.lostSamples(r.plan(), r.shares(), collected.arrived()),
                new Timestamp(System.currentTimeMillis()));
        long committing = System.nanoTime();
        store.commitRound(r.from(), decision.next(), decision.commits() ? decision.advances() : List.of(), ended.row());
        long committed = System.nanoTime();
        double cpuMillis = (threadCpuNanos() - cpuAtCollected) / 1e6;
        CrashPoint.AFTER_COMMIT_BEFORE_METRICS.pass(ignite);
        long planMillis = (r.sent().start() - r.planStart()) / 1_000_000;
        long aggregateMillis = (aggregated - r.sent().start()) / 1_000_000 - Math.round(collected.seconds() * 1000);
        // A round's planning was counted in the round before it, which sent it (the rounds are pipelined).
        recorder.ended(ended.withCoordinatorMillis(Math.max(0, aggregateMillis) + (committed - aggregated) / 1_000_000.0,
                cpuMillis));
        // Where a round's time goes: planning and sending, training (to the last result), aggregation, the next
        // round's sending, the commit (the next round trains meanwhile).
        LOG.info("round {}: {} of {} devices accepted, {} samples, {} in {} s (plan {} ms, aggregate {} ms, next round "
                        + "out in {} ms, commit {} ms; {} ms of CPU)", r.round(), decision.outcome().accepted().size(), r.plan().size(),
                decision.outcome().acceptedSamples(), decision.commits() ? "committed v" + decision.next().version()
                        : "not committed", String.format("%.1f", collected.seconds()),
                planMillis, aggregateMillis, (committing - aggregated) / 1_000_000, (committed - committing) / 1_000_000,
                Math.round(cpuMillis));
        if (decision.commits()) {
            RoundPhases.publish(ignite, RoundPhases.Point.COMMITTED, r.round(), decision.next().version());
            commitListener.committed(decision.next(), decision.advances());
        }
        RoundPipeline.Round following = pipeline.advance();
        if (following != null) {
            announce(following);
        } else if (collected.trainedNothing()) {
            recorder.flush();
            pause(); // nothing could be trained (data moving): wait instead of re-planning at once
        }
    }

    /** Plans the round after {@code from}'s and sends every device its job, with the model in it. */
    private RoundPipeline.Round send(ModelState from, Map<Integer, PartitionProgress> progress, long planStart) {
        long round = from.round() + 1;
        long epochSamples = store.epochSamples(job, from.epoch());
        int sizeGuess = (int) ((epochSamples + GridNames.DATA_PARTITIONS - 1) / GridNames.DATA_PARTITIONS);
        RoundPlanner.Topology topology = devices.topology();
        Map<String, RoundPacer.Share> shares = pacer.shares(topology.capabilities(), job.adaptiveQuotas(), job.batch(),
                job.roundSeconds());
        Set<String> quarantined = RoundPlanner.effectiveQuarantine(topology.devices(), gate.quarantined());
        Map<String, List<PartitionWork>> plan = RoundPlanner.plan(topology, progress, shares, quarantined, sizeGuess,
                job.adaptiveQuotas(), store.expectedSizes(job, from.epoch()));
        long committedInEpoch = progress.values().stream().mapToLong(PartitionProgress::cursor).sum();
        double epochProgress = from.epoch() - 1 + Math.min(1.0, (double) committedInEpoch / epochSamples);
        long roundImages = shares.values().stream().mapToLong(RoundPacer.Share::expected).sum();
        // Not past the epoch's end: the next epoch's images go to the next round.
        double roundEpochs = Math.min(roundImages, Math.max(0, epochSamples - committedInEpoch)) / (double) epochSamples;
        RoundRate rate = RoundRate.of(p -> job.schedule().at(p) * from.learningRateScale(), epochProgress, roundEpochs);
        double learningRate = rate.start();
        byte[] modelBytes = job.transfer().packModel(from.state()); // once, not once per device
        Map<String, TrainingJob> jobs = new LinkedHashMap<>();
        plan.forEach((device, work) -> jobs.put(device, new TrainingJob(job, round, from, modelBytes, rate, work,
                rejectedLastRound.contains(device), shares.get(device).trainSeconds(), pacer.rate(device),
                devices.self())));
        return new RoundPipeline.Round(round, from, progress, plan, shares, learningRate,
                devices.send(job.id(), round, jobs), planStart);
    }

    /** Tells the clients a round is out, and writes the previous round's rows while the devices train. */
    private void announce(RoundPipeline.Round round) {
        long millis = recorder.flush();
        recorder.restore(store.unwrittenRows());
        LOG.debug("round {} out; previous round's rows written in {} ms", round.round(), millis);
        RoundPhases.publish(ignite, RoundPhases.Point.DISPATCHED, round.round(), round.from().version());
        CrashPoint.AFTER_DISPATCH.pass(ignite);
    }

    /** Feeds what the round showed of each device's pace back to the pacer. */
    private void learnPaces(RoundPipeline.Round r, DeviceGateway.Collected collected, RoundDecision decision) {
        for (DeviceRoundResult result : collected.arrived()) {
            String device = result.result().device();
            double roundTrip = collected.roundTrips().getOrDefault(device, collected.seconds());
            pacer.observed(device, result.imagesPerSecond(), roundTrip - result.seconds());
        }
        for (Failure failure : decision.outcome().rejected()) {
            RoundPacer.Share share = r.shares().get(failure.device());
            pacer.penalize(failure.device(), share == null ? job.batch() : share.expected(), collected.seconds());
        }
        rejectedLastRound = decision.outcome().rejected().stream().map(Failure::device)
                .collect(java.util.stream.Collectors.toSet());
    }

    private void finishEpoch(ModelState state) {
        recorder.flushAll(); // every round's rows are in the tables before the epoch (or the job) is declared finished
        Evaluation evaluation = evaluate(state);
        CrashPoint.AFTER_EVALUATION.pass(ignite);
        recorder.evaluated(job, state, evaluation);
        boolean finished = state.epoch() >= job.epochs();
        store.commitEpoch(state, state.nextEpoch(evaluation.accuracy(), finished), new EvaluatedModel(job.id(),
                state.epoch(), state.version(), state.round(), state.samplesCommitted(), evaluation.accuracy(),
                evaluation.meanLoss(), state.state()));
        recorder.event(finished ? EventKind.JOB_FINISHED : EventKind.EPOCH_FINISHED, null,
                String.format("epoch %d: test accuracy %.4f", state.epoch(), evaluation.accuracy()));
    }

    /**
     * Evaluates the model on every test partition, colocated: each partition on its first owner not in quarantine
     * (its primary, else a backup that checks its copy is complete); a partition whose device failed or timed out is
     * asked of another owner.
     */
    private Evaluation evaluate(ModelState state) {
        List<EvaluationJob.Result> results = PartitionCalls.callEveryPartition(ignite, GridNames.TEST,
                gate.quarantined(), EVALUATION_ATTEMPTS, TimeUnit.NANOSECONDS.toMillis(deadlineNanos()),
                () -> cancelled, partitions -> new EvaluationJob(job, state.version(), expectedSizes(partitions)),
                EvaluationJob.Result::partitions);
        return results.stream().map(EvaluationJob.Result::evaluation).reduce(Evaluation.EMPTY, Evaluation::plus);
    }

    /** @return each partition with the size a backup copy must have, or -1 where the device is its primary */
    private Map<Integer, Long> expectedSizes(SortedMap<Integer, Boolean> fromBackup) {
        Map<Integer, Long> out = new TreeMap<>();
        fromBackup.forEach((p, backup) -> out.put(p,
                backup ? ignite.cache(GridNames.TEST).sizeLong(p, CachePeekMode.PRIMARY) : -1L));
        return out;
    }

    private static boolean epochDone(Map<Integer, PartitionProgress> progress) {
        return progress.values().stream().allMatch(PartitionProgress::done);
    }

    /** @return how long a round (or one evaluation job) may take before its stragglers count as late */
    private long deadlineNanos() {
        return (long) (RoundPacer.deadlineSeconds(job.roundSeconds()) * 1e9);
    }

    /** @return the coordinator thread's CPU time so far, or 0 where the JVM does not measure it */
    private static long threadCpuNanos() {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        return threads.isCurrentThreadCpuTimeSupported() ? Math.max(0, threads.getCurrentThreadCpuTime()) : 0;
    }

    private static void pause() {
        try {
            Thread.sleep(PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
