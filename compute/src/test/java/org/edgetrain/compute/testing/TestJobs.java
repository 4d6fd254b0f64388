package org.edgetrain.compute.testing;

import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.schedule.LearningRateSchedule;

/** The small jobs cluster tests run: batch 16, a constant learning rate of 0.05, short rounds. */
public final class TestJobs {
    private TestJobs() {
    }

    /**
     * @param model resnet8, resnet20, ...
     * @param seed initialization, shuffling and augmentation seed
     * @return a builder, for anything more a test sets (engine, learning rate, batch)
     */
    public static JobSpec.Builder small(String id, String model, int epochs, double roundSeconds, long seed) {
        return small(id, NetworkSpec.of(model, 3), epochs, roundSeconds, seed);
    }

    /** The same with a network of the test's own (another initialization seed, say). */
    public static JobSpec.Builder small(String id, NetworkSpec network, int epochs, double roundSeconds, long seed) {
        return JobSpec.builder(id, network).epochs(epochs).batch(16).roundSeconds(roundSeconds)
                .schedule(new LearningRateSchedule("constant", 0.05, epochs, 0)).seed(seed);
    }
}
