package org.edgetrain.model.net;

import java.io.Serializable;

/**
 * What network to build and how to optimize it. Every device builds the same network from the same spec, so
 * flat state vectors are interchangeable between them.
 *
 * @param model e.g. {@code resnet20} (see {@link ResNet#depth(String)})
 * @param seed initialization seed
 * @param momentum Nesterov momentum (0.9 in He et al.)
 * @param weightDecay L2 weight decay (1e-4 in He et al.), applied to weights, scaled by the learning rate
 */
public record NetworkSpec(String model, long seed, double momentum, double weightDecay) implements Serializable {
    /** Validates the model name eagerly so that a typo fails before any work starts. */
    public NetworkSpec {
        ResNet.depth(model);
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
    }

    /** @return the paper's settings for {@code model}: momentum 0.9, weight decay 1e-4 */
    public static NetworkSpec of(String model, long seed) {
        return new NetworkSpec(model, seed, 0.9, 1e-4);
    }
}
