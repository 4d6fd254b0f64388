package org.edgetrain.compute.training;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.ignite.Ignite;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.edgetrain.compute.grid.EventKind;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.model.engine.Evaluation;
import org.edgetrain.model.strategy.DeviceResult;
import org.edgetrain.model.strategy.Failure;

/**
 * Writes what the coordinator did to the SQL tables (ROUNDS, DEVICE_ROUNDS, EVALS, EVENTS). A record, never state:
 * nothing reads these rows to decide, so a write that fails is logged and dropped (the commit it describes stands).
 * A round's rows wait until {@link #flush}: the coordinator flushes once the next round's jobs are out, so the writes
 * (a few statements on every device) cost the devices no idle time. A coordinator that dies before a flush loses that
 * round's rows, not its commit. Used by the coordinator's thread.
 */
final class RoundRecorder {
    private static final Logger LOG = LogManager.getLogger(RoundRecorder.class);
    private static final int DEVICE_ROUND_COLUMNS = 14;

    private final Ignite ignite;
    private final Supplier<Map<String, String>> deviceClasses;
    private Round pending;

    /**
     * A round as it ended.
     *
     * @param next the model state it left (its round, epoch and version label the rows)
     * @param seconds from sending the jobs to the end of collecting
     * @param lostSamples work done for nothing ({@link RoundDecision#lostSamples})
     */
    record Round(JobSpec job, RoundDecision decision, List<DeviceRoundResult> arrived, double seconds,
                 double learningRate, long lostSamples, Timestamp endedAt) {
    }

    /** @param deviceClasses each device in the fleet now, by name, with its class */
    RoundRecorder(Ignite ignite, Supplier<Map<String, String>> deviceClasses) {
        this.ignite = ignite;
        this.deviceClasses = deviceClasses;
    }

    /** Appends an event now (best effort). */
    void event(EventKind kind, String device, String detail) {
        GridSchema.recordEvent(ignite, kind, device, detail);
    }

    /** Keeps {@code round}'s rows until the next {@link #flush} (replacing rows not flushed: there are none then). */
    void ended(Round round) {
        pending = round;
    }

    /** Writes the kept round's rows, if any. @return milliseconds it took */
    long flush() {
        Round round = pending;
        pending = null;
        if (round == null) {
            return 0;
        }
        long start = System.nanoTime();
        try {
            write(round);
        } catch (RuntimeException e) {
            LOG.warn("metrics of round {} not recorded: {}", round.decision().next().round(), e.toString());
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** Writes an epoch's evaluation: its EVALS row. */
    void evaluated(JobSpec job, ModelState state, Evaluation evaluation) {
        GridSchema.sql(ignite, "MERGE INTO EVALS (EPOCH, JOB, ROUND_NO, MODEL_VERSION, TEST_ACCURACY, TEST_LOSS, IMAGES, AT)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", state.epoch(), job.id(), state.round(), state.version(),
                evaluation.accuracy(), evaluation.meanLoss(), evaluation.count(), new Timestamp(System.currentTimeMillis()));
    }

    private void write(Round round) {
        RoundDecision decision = round.decision();
        ModelState next = decision.next();
        // One statement for all of the round's device rows: each statement is a round trip to every device.
        List<Object> args = new ArrayList<>();
        Map<String, String> classes = deviceClasses.get();
        for (DeviceRoundResult result : round.arrived()) {
            DeviceResult r = result.result();
            args.addAll(Arrays.asList(next.round(), r.device(), classes.getOrDefault(r.device(), "?"),
                    result.advances().size(), r.samples(), result.seconds(), result.imagesPerSecond(),
                    r.samples() == 0 ? 0 : r.lossSum() / r.samples(), status(decision, r), result.heapUsedMegabytes(),
                    result.offHeapUsedMegabytes(), result.cpuLoad(), result.residentMegabytes(), result.engine()));
        }
        for (Failure failure : decision.outcome().rejected()) {
            if (round.arrived().stream().noneMatch(a -> a.result().device().equals(failure.device()))) {
                args.addAll(Arrays.asList(next.round(), failure.device(), classes.getOrDefault(failure.device(), "?"),
                        0, 0L, 0.0, 0.0, 0.0, failure.reason(), 0.0, 0.0, -1.0, -1.0, null));
            }
        }
        if (!args.isEmpty()) {
            GridSchema.sql(ignite, "MERGE INTO DEVICE_ROUNDS (ROUND_NO, DEVICE, DEVICE_CLASS, PARTITIONS, SAMPLES, SECONDS,"
                    + " IMAGES_PER_SECOND, TRAIN_LOSS, STATUS, HEAP_USED_MB, OFFHEAP_USED_MB, CPU_LOAD, RESIDENT_MB, ENGINE)"
                    + " VALUES " + String.join(", ", Collections.nCopies(args.size() / DEVICE_ROUND_COLUMNS,
                    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)")), args.toArray());
        }
        long samples = decision.commits() ? decision.outcome().acceptedSamples() : 0;
        // The round's row last: a reader that sees it (bench, status) finds the round's device rows complete.
        GridSchema.sql(ignite, "MERGE INTO ROUNDS (ROUND_NO, JOB, EPOCH, MODEL_VERSION, COMMITTED, DEVICES, FAILED, SAMPLES,"
                        + " TRAIN_LOSS, SECONDS, IMAGES_PER_SECOND, LEARNING_RATE, ENDED_AT, LOST_SAMPLES)"
                        + " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                next.round(), round.job().id(), next.epoch(), next.version(), decision.commits(),
                decision.outcome().accepted().size(), decision.outcome().rejected().size(), samples,
                RoundDecision.meanLoss(decision.outcome()), round.seconds(), samples / Math.max(1e-9, round.seconds()),
                round.learningRate(), round.endedAt(), round.lostSamples());
        for (Failure failure : decision.outcome().rejected()) {
            event(EventKind.RESULT_REJECTED, failure.device(), "round " + next.round() + ": " + failure.reason());
        }
    }

    /** @return a result's DEVICE_ROUNDS.STATUS: ACCEPTED, ROUND_NOT_COMMITTED, or why it was refused */
    static String status(RoundDecision decision, DeviceResult result) {
        if (decision.outcome().accepted().contains(result)) {
            return decision.commits() ? "ACCEPTED" : "ROUND_NOT_COMMITTED";
        }
        return decision.outcome().rejected().stream().filter(f -> f.device().equals(result.device()))
                .map(Failure::reason).findFirst().orElse("REJECTED");
    }
}
