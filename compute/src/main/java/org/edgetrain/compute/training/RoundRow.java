package org.edgetrain.compute.training;

import java.io.Serializable;
import java.sql.Timestamp;

/**
 * A round's ROUNDS row. It is committed with the model it describes, in the same transaction ({@link JobStore}), and
 * removed once the row is in the table: a coordinator that dies, or is cut off, before it writes the row leaves it
 * for its successor to write ({@link RoundRecorder#restore}). So the table has every committed round, and a gap in
 * its versions means a round was lost, not a row.
 *
 * @param parentVersion the committed version the round started from
 * @param modelCrc CRC-32 of the weights the round left ({@link RoundRecorder#checksum})
 * @param coordinatorMillis the coordinator's own work at the round's end: aggregating its results, planning and sending
 *     the next round, committing (metrics are written later, off the rounds' path); 0 when not known: in the copy
 *     committed with the model (the commit's time is known only after it), and so in a row a successor writes
 * @param coordinatorCpuMillis the CPU time the coordinator's thread spent on that work (0 when not known). Apart from
 *     {@code coordinatorMillis} because a coordinator on a host shared with other devices (an emulated fleet) waits
 *     for a core: the wall-clock figure then measures the host, this one the coordinator's own cost. Work Ignite does
 *     on its own threads for it (sending messages, the commit's other participants) is not in it.
 * @param acceptedResults the ids of the device answers this version is made of ({@link DeviceRoundResult#resultId}),
 *     comma-separated; empty when the round did not commit. What a committed model was trained on, for the per-sample
 *     audit ({@link TrainedSamples})
 */
record RoundRow(long round, String job, int epoch, long version, boolean committed, int devices, int failed,
                long samples, double trainLoss, double seconds, double imagesPerSecond, double learningRate,
                long endedAtMillis, long lostSamples, long parentVersion, long modelCrc, double coordinatorMillis,
                double coordinatorCpuMillis, String acceptedResults)
        implements Serializable {
    /** The MERGE that writes it: idempotent, so a row written twice (before and after a takeover) is one row. */
    static final String MERGE = "MERGE INTO ROUNDS (ROUND_NO, JOB, EPOCH, MODEL_VERSION, COMMITTED, DEVICES, FAILED,"
            + " SAMPLES, TRAIN_LOSS, SECONDS, IMAGES_PER_SECOND, LEARNING_RATE, ENDED_AT, LOST_SAMPLES, PARENT_VERSION,"
            + " MODEL_CRC, COORDINATOR_MS, COORDINATOR_CPU_MS, ACCEPTED_RESULTS) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";

    /** @return the MERGE's arguments (COORDINATOR_MS and COORDINATOR_CPU_MS null when not known) */
    Object[] args() {
        return new Object[] {round, job, epoch, version, committed, devices, failed, samples, trainLoss, seconds,
                imagesPerSecond, learningRate, new Timestamp(endedAtMillis), lostSamples, parentVersion, modelCrc,
                coordinatorMillis > 0 ? coordinatorMillis : null, coordinatorCpuMillis > 0 ? coordinatorCpuMillis : null,
                acceptedResults};
    }

    /** @return this row with the coordinator's work on the round (wall-clock and CPU), once its commit is done */
    RoundRow withCoordinatorMillis(double millis, double cpuMillis) {
        return new RoundRow(round, job, epoch, version, committed, devices, failed, samples, trainLoss, seconds,
                imagesPerSecond, learningRate, endedAtMillis, lostSamples, parentVersion, modelCrc, millis, cpuMillis,
                acceptedResults);
    }

    @Override
    public String toString() {
        return "the ROUNDS row of round " + round + " (v" + version + ")";
    }
}
