package org.edgetrain.compute.training;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
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
 * nothing reads these rows to decide. A round's rows wait until {@link #flush}: the coordinator flushes once the next
 * round's jobs are out, so the writes (a few statements on every device) cost the devices no idle time. A write that
 * fails (a statement can fail while a device joins and the partitions move) is tried again at the next flushes, up to
 * {@link #WRITE_ATTEMPTS} times (the statements are MERGEs: a half-written round is completed, not doubled), then
 * logged and dropped; the commit it describes stands either way. A coordinator that dies before a flush loses the
 * device rows it kept, not the commits, nor their ROUNDS rows: those are committed with the model ({@link RoundRow})
 * and written by the next coordinator. Used by the coordinator's thread.
 */
final class RoundRecorder {
    private static final Logger LOG = LogManager.getLogger(RoundRecorder.class);
    private static final int DEVICE_ROUND_COLUMNS = 14;
    /** Flushes at which a round's rows are tried before they are dropped. */
    static final int WRITE_ATTEMPTS = 3;

    private final Ignite ignite;
    private final Supplier<Map<String, String>> deviceClasses;
    private final Consumer<RoundRow> written;
    /** Rounds whose rows are not written yet. */
    private final RetriedWrites<Round> rows = new RetriedWrites<>(WRITE_ATTEMPTS, this::write);

    /**
     * A round as it ended: what its DEVICE_ROUNDS rows are made of, and its ROUNDS row (built once: the row carries the
     * weights' checksum, and the same row is committed with the round and written to the table).
     */
    record Round(RoundDecision decision, List<DeviceRoundResult> arrived, RoundRow row) {
        /**
         * @param parentVersion the committed model version the round started from
         * @param seconds from sending the jobs to the end of collecting
         * @param lostSamples work done for nothing ({@link RoundDecision#lostSamples})
         */
        static Round of(JobSpec job, long parentVersion, RoundDecision decision, List<DeviceRoundResult> arrived,
                        double seconds, double learningRate, long lostSamples, Timestamp endedAt) {
            ModelState next = decision.next();
            long samples = decision.commits() ? decision.outcome().acceptedSamples() : 0;
            return new Round(decision, arrived, new RoundRow(next.round(), job.id(), next.epoch(), next.version(),
                    decision.commits(), decision.outcome().accepted().size(), decision.outcome().rejected().size(),
                    samples, RoundDecision.meanLoss(decision.outcome()), seconds, samples / Math.max(1e-9, seconds),
                    learningRate, endedAt.getTime(), lostSamples, parentVersion, checksum(next.state()), 0, 0,
                    decision.commits() ? acceptedResults(decision, arrived) : ""));
        }

        private static String acceptedResults(RoundDecision decision, List<DeviceRoundResult> arrived) {
            return arrived.stream().filter(r -> decision.outcome().accepted().contains(r.result()))
                    .map(DeviceRoundResult::resultId).collect(java.util.stream.Collectors.joining(","));
        }

        /** @return this round with the coordinator's work on it ({@link RoundRow#coordinatorMillis}, its CPU time) */
        Round withCoordinatorMillis(double millis, double cpuMillis) {
            return new Round(decision, arrived, row.withCoordinatorMillis(millis, cpuMillis));
        }

        @Override
        public String toString() {
            return "the metrics of round " + row.round();
        }
    }

    /**
     * @param deviceClasses each device in the fleet now, by name, with its class
     * @param written told of each ROUNDS row once it is in the table (the commit's copy may go)
     */
    RoundRecorder(Ignite ignite, Supplier<Map<String, String>> deviceClasses, Consumer<RoundRow> written) {
        this.ignite = ignite;
        this.deviceClasses = deviceClasses;
        this.written = written;
    }

    /**
     * Writes the ROUNDS rows committed but not written by another coordinator: a predecessor that died or was cut off
     * first, or one that committed once more while it was being replaced. Rows this recorder keeps are its own to write.
     */
    void restore(List<RoundRow> unwritten) {
        java.util.Set<Long> mine = rows.kept().stream().map(r -> r.row().round())
                .collect(java.util.stream.Collectors.toSet());
        for (RoundRow row : unwritten) {
            if (mine.contains(row.round())) {
                continue;
            }
            try {
                GridSchema.sql(ignite, RoundRow.MERGE, row.args());
                written.accept(row);
                LOG.info("wrote {}, which the coordinator before this one committed but did not write", row);
            } catch (RuntimeException e) {
                LOG.warn("{} not written yet (kept for the next coordinator): {}", row, e.toString());
            }
        }
    }

    /** Appends an event now (best effort). */
    void event(EventKind kind, String device, String detail) {
        GridSchema.recordEvent(ignite, kind, device, detail);
    }

    /** Keeps {@code round}'s rows until the next {@link #flush}. */
    void ended(Round round) {
        rows.add(round);
    }

    /** Writes the kept rounds' rows, oldest first, stopping at one that fails. @return milliseconds it took */
    long flush() {
        long start = System.nanoTime();
        rows.flush();
        return (System.nanoTime() - start) / 1_000_000;
    }

    /**
     * Writes every kept round's rows, trying each up to {@link #WRITE_ATTEMPTS} times a second apart: before an epoch
     * (or the job) is declared finished, and when the coordinator stops, readers must find every round's rows.
     */
    void flushAll() {
        for (int attempt = 0; attempt < WRITE_ATTEMPTS && rows.flush() > 0; attempt++) {
            try {
                Thread.sleep(1000); // a backoff: the statements failed while the partitions moved
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
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
        // The round's row last: a reader that sees it (bench, status) finds the round's device rows complete.
        RoundRow row = round.row();
        GridSchema.sql(ignite, RoundRow.MERGE, row.args());
        written.accept(row);
        for (Failure failure : decision.outcome().rejected()) {
            event(EventKind.RESULT_REJECTED, failure.device(), "round " + next.round() + ": " + failure.reason());
        }
    }

    /** @return the CRC-32 of the weights' IEEE 754 bits: equal weights, equal checksum, on any device */
    static long checksum(float[] state) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(state.length * Float.BYTES);
        buffer.asFloatBuffer().put(state);
        crc.update(buffer);
        return crc.getValue();
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
