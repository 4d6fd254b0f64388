package org.edgetrain.model.strategy;

import java.io.Serializable;
import org.edgetrain.model.net.StateLayout;

/**
 * The coordinator's own step on a round's averaged update, in the manner of FedOpt (Reddi et al. 2021) and FedAvgM
 * (Hsu et al. 2019): with {@code delta = average - global}, {@code v = momentum v + delta} and
 * {@code next = global + learningRate v}. Learning rate 1 and momentum 0 is plain federated averaging.
 *
 * <p>Why a server step at all: devices that start a round from the same model and train {@code n_i} images each move
 * it, to first order, by what one machine training all of them in a row would, divided by
 * {@code N^2 / sum(n_i^2)} (weighted averaging keeps one device's worth of steps). A server learning rate above 1
 * gives those steps back; momentum across rounds does the same and smooths the rounds' noise.
 *
 * <p>Only trainable values take the step: BatchNorm running statistics are estimates, not parameters, and take the
 * plain average. Immutable and thread-safe.
 *
 * @param learningRate multiplies the (momentum-smoothed) averaged update; 1 for plain averaging
 * @param momentum weight of the previous rounds' update, in [0, 1); 0 keeps no velocity
 */
public record ServerOptimizer(double learningRate, double momentum) implements Serializable {
    /** Federated averaging as McMahan et al.: the average becomes the model. */
    public static final ServerOptimizer AVERAGE = new ServerOptimizer(1.0, 0.0);

    /** Validates the settings. */
    public ServerOptimizer {
        if (!(learningRate > 0 && learningRate <= 10)) {
            throw new IllegalArgumentException("server learning rate must be in (0, 10], got " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("server momentum must be in [0, 1), got " + momentum);
        }
    }

    /** @return true when this step keeps a velocity between rounds */
    public boolean hasVelocity() {
        return momentum > 0;
    }

    /**
     * One step.
     *
     * @param layout the network's layout: which values are trainable
     * @param global the model the round started from (not modified)
     * @param average the round's averaged result (not modified)
     * @param velocity the velocity after the previous round, one value per trainable value; null for none yet
     * @return the next model and the next velocity (null when {@link #hasVelocity()} is false)
     */
    public Step step(StateLayout layout, float[] global, float[] average, float[] velocity) {
        if (learningRate == 1.0 && !hasVelocity()) {
            return new Step(average, null);
        }
        float[] next = average.clone();
        float[] nextVelocity = hasVelocity() ? new float[layout.trainableSize()] : null;
        for (StateLayout.Tensor tensor : layout.tensors()) {
            if (!tensor.kind().trainable()) {
                continue; // running statistics: the average stands
            }
            for (int i = 0; i < tensor.size(); i++) {
                int at = tensor.offset() + i;
                double delta = (double) average[at] - global[at];
                if (nextVelocity != null) {
                    int v = tensor.trainableOffset() + i;
                    delta += momentum * (velocity == null ? 0 : velocity[v]);
                    nextVelocity[v] = (float) delta;
                }
                next[at] = (float) (global[at] + learningRate * delta);
            }
        }
        return new Step(next, nextVelocity);
    }

    /**
     * @param state the next model
     * @param velocity the next velocity, null when the optimizer keeps none
     */
    public record Step(float[] state, float[] velocity) {
    }

    /** @return e.g. {@code server lr 1.5, momentum 0.5}, for people */
    @Override
    public String toString() {
        return "server lr " + learningRate + ", momentum " + momentum;
    }
}
