package org.edgetrain.compute.training;

import java.io.Serializable;
import org.edgetrain.model.engine.EngineKind;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.schedule.LearningRateSchedule;

/**
 * A training job as submitted to the fleet; stored in the model cache so that a restarted coordinator resumes it.
 *
 * @param id job id
 * @param network the network every device builds
 * @param epochs epochs to train
 * @param batch images per step on each device
 * @param roundSeconds target length of a round
 * @param schedule learning rate by epoch progress
 * @param limitTrain use only training samples with index below this (0 for all)
 * @param seed shuffling and augmentation seed
 * @param threadsPerDevice native math threads per device
 * @param adaptiveQuotas size each device's round quota by its measured throughput (false: equal quotas)
 * @param engine the engine devices train with; null: each device's fastest ({@link EngineKind#preferred()}). A device
 *     that cannot load it, or was started with another ({@code node --engine}), trains on its own: both engines read
 *     and write the same state and velocity, so their results average together.
 */
public record JobSpec(String id, NetworkSpec network, int epochs, int batch, double roundSeconds,
                      LearningRateSchedule schedule, int limitTrain, long seed, int threadsPerDevice,
                      boolean adaptiveQuotas, EngineKind engine)
        implements Serializable {
    /** A job on each device's fastest engine. */
    public JobSpec(String id, NetworkSpec network, int epochs, int batch, double roundSeconds,
                   LearningRateSchedule schedule, int limitTrain, long seed, int threadsPerDevice,
                   boolean adaptiveQuotas) {
        this(id, network, epochs, batch, roundSeconds, schedule, limitTrain, seed, threadsPerDevice, adaptiveQuotas, null);
    }

    /** Validates the settings so that a bad job is refused at submission, not mid-training. */
    public JobSpec {
        if (epochs < 1 || batch < 1 || !(roundSeconds > 0) || limitTrain < 0 || threadsPerDevice < 1) {
            throw new IllegalArgumentException("job needs epochs >= 1, batch >= 1, round seconds > 0, limit >= 0, "
                    + "threads >= 1; got " + epochs + ", " + batch + ", " + roundSeconds + ", " + limitTrain + ", "
                    + threadsPerDevice);
        }
    }

    /** @return true when sample {@code key} takes part in this job */
    public boolean uses(int key) {
        return limitTrain == 0 || key < limitTrain;
    }
}
