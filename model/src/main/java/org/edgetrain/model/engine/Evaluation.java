package org.edgetrain.model.engine;

import java.io.Serializable;

/**
 * Counts from evaluating a network on labelled images; additive, so partial evaluations from several devices
 * merge exactly.
 *
 * @param correct images whose arg-max prediction equals the label
 * @param count images evaluated
 * @param lossSum sum of per-image cross-entropy
 */
public record Evaluation(long correct, long count, double lossSum) implements Serializable {
    /** The evaluation of nothing. */
    public static final Evaluation EMPTY = new Evaluation(0, 0, 0);

    /** @return the sum of both evaluations */
    public Evaluation plus(Evaluation other) {
        return new Evaluation(correct + other.correct, count + other.count, lossSum + other.lossSum);
    }

    /** @return accuracy in [0, 1], NaN when nothing was evaluated */
    public double accuracy() {
        return count == 0 ? Double.NaN : (double) correct / count;
    }

    /** @return mean cross-entropy, NaN when nothing was evaluated */
    public double meanLoss() {
        return count == 0 ? Double.NaN : lossSum / count;
    }
}
