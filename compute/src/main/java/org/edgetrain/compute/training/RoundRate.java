package org.edgetrain.compute.training;

/**
 * The learning rate across one round, counted by the fleet's images rather than by rounds: the schedule's rate where
 * the fleet's progress stands when the round starts, and where it will stand when the round's expected images are
 * trained. A device moves from one to the other as its share of the round goes by, so the fleet follows the schedule
 * as one machine training the same images in a row would, however many devices there are and however long a round
 * is. Without it, a round's rate stays at its start: a one-epoch job of about seven rounds warmed up within its
 * first round (7,000 images at the warm-up's lowest rate, against a linear ramp standalone). Immutable.
 *
 * @param start the rate at the round's start
 * @param end the rate where the round's expected images take the fleet
 */
record RoundRate(double start, double end) {
    /**
     * @param schedule the job's schedule, scaled
     * @param progress the fleet's progress in epochs when the round starts
     * @param roundEpochs the round's expected images as a fraction of an epoch
     */
    static RoundRate of(java.util.function.DoubleUnaryOperator schedule, double progress, double roundEpochs) {
        return new RoundRate(schedule.applyAsDouble(progress), schedule.applyAsDouble(progress + roundEpochs));
    }

    /** @return the rate after {@code fraction} of the device's share of the round (clamped to [0, 1]) */
    double at(double fraction) {
        double f = Math.max(0, Math.min(1, fraction));
        return start + (end - start) * f;
    }
}
