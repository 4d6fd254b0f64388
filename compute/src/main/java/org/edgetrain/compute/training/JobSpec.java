package org.edgetrain.compute.training;

import java.io.Serializable;
import org.edgetrain.compute.settings.Defaults;
import org.edgetrain.model.engine.EngineKind;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.schedule.LearningRateSchedule;
import org.edgetrain.model.net.StateLayout;
import org.edgetrain.model.strategy.FedAvg;
import org.edgetrain.model.strategy.ServerOptimizer;
import org.edgetrain.model.strategy.Strategy;
import org.edgetrain.model.strategy.UpdateValidator;

/**
 * A training job as submitted to the fleet; stored in the model cache so that a restarted coordinator resumes it.
 * Build one with {@link #builder}.
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
 * @param aggregation how the coordinator combines the devices' results (null: {@link Aggregation#DEFAULT})
 * @param transfer how the model and the results cross the network (null, as in a job stored before there was a
 *     choice: {@link StateTransfer#FP32})
 */
public record JobSpec(String id, NetworkSpec network, int epochs, int batch, double roundSeconds,
                      LearningRateSchedule schedule, int limitTrain, long seed, int threadsPerDevice,
                      boolean adaptiveQuotas, EngineKind engine, Aggregation aggregation, StateTransfer transfer)
        implements Serializable {
    /**
     * The strategy's settings: federated averaging of the results that pass the validator, committed when enough of
     * the devices asked contributed, then the server's step towards the average.
     *
     * @param maxRelativeChange a result whose distance from the model exceeds this multiple of the model's norm is
     *     refused as absurd ({@link UpdateValidator})
     * @param minCompletionRate fraction of the devices asked whose valid results a round needs to commit
     * @param server the coordinator's step on the averaged update (null: {@link ServerOptimizer#AVERAGE}, which a job
     *     stored before there was a server step also reads as)
     */
    public record Aggregation(double maxRelativeChange, double minCompletionRate, ServerOptimizer server)
            implements Serializable {
        /** Far above any honest round of SGD; half of the devices; plain averaging. */
        public static final Aggregation DEFAULT = new Aggregation(UpdateValidator.DEFAULT.maxRelativeChange(), 0.5,
                ServerOptimizer.AVERAGE);

        /** Reads a missing server step as plain averaging. */
        public Aggregation {
            server = server == null ? ServerOptimizer.AVERAGE : server;
        }

        /** @return the strategy these settings describe, for a network of layout {@code model} */
        public Strategy strategy(String model) {
            return new FedAvg(new UpdateValidator(maxRelativeChange), minCompletionRate, server, StateLayout.of(model));
        }

        /** @return {@code fedavgm} when the server keeps momentum, else {@code fedavg} (the names of {@code --strategy}) */
        public String name() {
            return server.hasVelocity() ? "fedavgm" : "fedavg";
        }

        /** @return a copy with {@code server} as the server step */
        public Aggregation withServer(ServerOptimizer server) {
            return new Aggregation(maxRelativeChange, minCompletionRate, server);
        }
    }

    /** Validates the settings so that a bad job is refused at submission, not mid-training. */
    public JobSpec {
        if (epochs < 1 || batch < 1 || !(roundSeconds > 0) || limitTrain < 0 || threadsPerDevice < 1) {
            throw new IllegalArgumentException("job needs epochs >= 1, batch >= 1, round seconds > 0, limit >= 0, "
                    + "threads >= 1; got " + epochs + ", " + batch + ", " + roundSeconds + ", " + limitTrain + ", "
                    + threadsPerDevice);
        }
        aggregation = aggregation == null ? Aggregation.DEFAULT : aggregation;
        transfer = transfer == null ? StateTransfer.FP32 : transfer;
        aggregation.strategy(network.model()); // refuses a completion rate outside (0, 1]
    }

    /** @return true when sample {@code key} takes part in this job */
    public boolean uses(int key) {
        return limitTrain == 0 || key < limitTrain;
    }

    /** @return a builder of a job {@code id} training {@code network}, with the defaults of {@link Builder} */
    public static Builder builder(String id, NetworkSpec network) {
        return new Builder(id, network);
    }

    /**
     * Builds a {@link JobSpec}. Defaults: 1 epoch, batch {@value Defaults#BATCH}, rounds of
     * {@value Defaults#ROUND_SECONDS} s, a constant learning rate of 0.05, every training sample, seed 1, one thread
     * per device, adaptive quotas, each device's fastest engine, {@link Aggregation#DEFAULT}. Not thread-safe.
     */
    public static final class Builder {
        private final String id;
        private final NetworkSpec network;
        private int epochs = 1;
        private int batch = Integer.parseInt(Defaults.BATCH);
        private double roundSeconds = Double.parseDouble(Defaults.ROUND_SECONDS);
        private LearningRateSchedule schedule;
        private int limitTrain;
        private long seed = 1;
        private int threadsPerDevice = 1;
        private boolean adaptiveQuotas = true;
        private EngineKind engine;
        private Aggregation aggregation = Aggregation.DEFAULT;
        private StateTransfer transfer = StateTransfer.FP32;

        private Builder(String id, NetworkSpec network) {
            this.id = id;
            this.network = network;
        }

        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        public Builder batch(int batch) {
            this.batch = batch;
            return this;
        }

        public Builder roundSeconds(double roundSeconds) {
            this.roundSeconds = roundSeconds;
            return this;
        }

        public Builder schedule(LearningRateSchedule schedule) {
            this.schedule = schedule;
            return this;
        }

        /** @param limitTrain use only training samples with index below this (0 for all) */
        public Builder limitTrain(int limitTrain) {
            this.limitTrain = limitTrain;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder threadsPerDevice(int threadsPerDevice) {
            this.threadsPerDevice = threadsPerDevice;
            return this;
        }

        /** @param adaptiveQuotas false: every device gets the same quota, whatever its pace */
        public Builder adaptiveQuotas(boolean adaptiveQuotas) {
            this.adaptiveQuotas = adaptiveQuotas;
            return this;
        }

        /** @param engine null: each device's fastest */
        public Builder engine(EngineKind engine) {
            this.engine = engine;
            return this;
        }

        public Builder aggregation(Aggregation aggregation) {
            this.aggregation = aggregation;
            return this;
        }

        public Builder transfer(StateTransfer transfer) {
            this.transfer = transfer;
            return this;
        }

        /** @throws IllegalArgumentException when a setting is out of range */
        public JobSpec build() {
            LearningRateSchedule s = schedule != null ? schedule : new LearningRateSchedule("constant", 0.05, epochs, 0);
            return new JobSpec(id, network, epochs, batch, roundSeconds, s, limitTrain, seed, threadsPerDevice,
                    adaptiveQuotas, engine, aggregation, transfer);
        }
    }
}
