package org.edgetrain.compute.training;

import java.io.Serializable;

/**
 * The committed global model and where the job stands. Lasting state: it lives in the transactional model cache
 * (three copies, on the most capable devices) and changes only through the coordinator's commits. Immutable; the
 * methods return successors.
 *
 * @param jobId the job this model belongs to
 * @param version model version, +1 per committed round
 * @param round rounds attempted (committed or not)
 * @param epoch current epoch, from 1; {@code epochs + 1} when the job is done
 * @param samplesCommitted training samples committed over the whole job
 * @param state the network's full flat state
 * @param finished true when the job has ended (all epochs trained, or stopped)
 * @param lastAccuracy test accuracy after the last completed epoch (NaN before)
 * @param learningRateScale multiplies the schedule; halved at every rollback after a divergence
 * @param lossEwma smoothed training loss of committed rounds (NaN before the first)
 * @param goodVersion a version known good (a round that started from it trained with a normal loss), at most
 *     {@link #GOOD_EVERY} commits behind
 * @param goodState the state of {@code goodVersion}, where a divergence rolls back to; null in the stored copy, which
 *     keeps it under {@link #goodKey} (written when it moves, not with every commit)
 * @param rollbacks rollbacks so far; devices reset their optimizer state when it changes
 * @param serverVelocity the server step's velocity after the last committed round (FedAvgM), null when none is kept:
 *     committed with the model, so a successor coordinator goes on with the same momentum
 */
public record ModelState(String jobId, long version, long round, int epoch, long samplesCommitted, float[] state,
                         boolean finished, double lastAccuracy, double learningRateScale, double lossEwma,
                         long goodVersion, float[] goodState, int rollbacks, float[] serverVelocity)
        implements Serializable {
    /** The learning rate is not halved below this fraction of the schedule. */
    public static final double MIN_LEARNING_RATE_SCALE = 1.0 / 1024;

    /**
     * Commits between two moves of the known-good version. Each move writes a second copy of the weights to the
     * model's replicas; moving it every commit doubled a commit's bytes (ResNet-32: 3.8 MB to each of two backups, 24-31
     * s a commit behind a 5 Mbit/s link). The price: a divergence rolls back up to this many rounds instead of one.
     */
    public static final int GOOD_EVERY = 5;

    /** Key of the global model in the model cache. */
    public static final String KEY = "global";
    /** Key of the job spec in the model cache. */
    public static final String JOB_KEY = "job";

    /** @return the state of a job that has not trained yet */
    public static ModelState initial(String jobId, float[] state) {
        return new ModelState(jobId, 0, 0, 1, 0, state, false, Double.NaN, 1.0, Double.NaN, 0, state, 0, null);
    }

    /**
     * @return this state, placed after {@code epochsDone} epochs that trained {@code imagesTrained} images elsewhere
     *     (a checkpoint a job resumes from): the schedule goes on from there
     */
    public ModelState resumedAfter(int epochsDone, long imagesTrained) {
        return new ModelState(jobId, version, round, epoch + epochsDone, samplesCommitted + imagesTrained, state,
                finished, lastAccuracy, learningRateScale, lossEwma, goodVersion, goodState, rollbacks, serverVelocity);
    }

    /**
     * @return the successor after round {@code round} committed {@code newState} with the server's {@code velocity}
     *     (null: none); the version the round started from becomes the known-good one, since training from it gave a
     *     normal loss
     */
    public ModelState committed(long round, float[] newState, float[] velocity, long samples, double loss) {
        double ewma = Double.isNaN(lossEwma) ? loss : 0.7 * lossEwma + 0.3 * loss;
        boolean moveGood = version - goodVersion >= GOOD_EVERY;
        return new ModelState(jobId, version + 1, round, epoch, samplesCommitted + samples, newState, false, lastAccuracy,
                learningRateScale, ewma, moveGood ? version : goodVersion, moveGood ? state : goodState, rollbacks,
                velocity);
    }

    /** @return the model cache's key of this job's known-good weights at {@code goodVersion} */
    public static String goodKey(String jobId, long goodVersion) {
        return KEY + "-good-" + jobId + "-v" + goodVersion;
    }

    /** @return this state as the model cache stores it: without the known-good weights (kept apart) */
    ModelState withoutGoodState() {
        return new ModelState(jobId, version, round, epoch, samplesCommitted, state, finished, lastAccuracy,
                learningRateScale, lossEwma, goodVersion, null, rollbacks, serverVelocity);
    }

    /** @return this state with the known-good weights {@code good} (of {@link #goodVersion}) */
    ModelState withGoodState(float[] good) {
        return new ModelState(jobId, version, round, epoch, samplesCommitted, state, finished, lastAccuracy,
                learningRateScale, lossEwma, goodVersion, good, rollbacks, serverVelocity);
    }

    /** @return the successor after round {@code round} did not commit (the model stays) */
    public ModelState notCommitted(long round) {
        return new ModelState(jobId, version, round, epoch, samplesCommitted, state, finished, lastAccuracy,
                learningRateScale, lossEwma, goodVersion, goodState, rollbacks, serverVelocity);
    }

    /**
     * @return the successor after round {@code round} diverged: a new version holding the known-good state, and half
     *     the learning rate (not below {@link #MIN_LEARNING_RATE_SCALE}); the server's velocity, built on the
     *     diverging rounds, is dropped
     */
    public ModelState rolledBack(long round) {
        return new ModelState(jobId, version + 1, round, epoch, samplesCommitted, goodState, finished, lastAccuracy,
                Math.max(MIN_LEARNING_RATE_SCALE, learningRateScale / 2), lossEwma, version + 1, goodState,
                rollbacks + 1, null);
    }

    /** @return the successor after an epoch's evaluation */
    public ModelState nextEpoch(double accuracy, boolean done) {
        return new ModelState(jobId, version, round, epoch + 1, samplesCommitted, state, done, accuracy,
                learningRateScale, lossEwma, goodVersion, goodState, rollbacks, serverVelocity);
    }

    /** @return the same state, marked as ended by an operator */
    public ModelState stopped() {
        return new ModelState(jobId, version, round, epoch, samplesCommitted, state, true, lastAccuracy,
                learningRateScale, lossEwma, goodVersion, goodState, rollbacks, serverVelocity);
    }
}
