package org.edgetrain.compute.cli;

import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.StateTransfer;
import org.edgetrain.model.strategy.ServerOptimizer;
import picocli.CommandLine.Option;

/**
 * How the fleet combines its devices' rounds: {@code --strategy}, {@code --server-lr}, {@code --server-momentum}, and
 * how their states travel ({@code --transfer}).
 * Shared by {@code train}, {@code demo} and {@code bench learning}; the settings go into the job, so a successor
 * coordinator aggregates the same way.
 */
public final class StrategyOptions {
    @Option(names = "--strategy", defaultValue = "fedavg", description = "fedavg (federated averaging, optionally with "
            + "a server learning rate) or fedavgm (with server momentum); default: ${DEFAULT-VALUE}")
    String strategy;

    @Option(names = "--server-lr", defaultValue = "1.0", description = "multiplies each round's averaged update "
            + "(1: the average becomes the model); default: ${DEFAULT-VALUE}")
    double serverLearningRate;

    @Option(names = "--server-momentum", description = "fedavgm's momentum over rounds, in [0, 1); default: 0.9")
    Double serverMomentum;

    @Option(names = "--transfer", defaultValue = "fp32", description = "how the model and the results cross the "
            + "network each round: fp32, or fp16 (half the bytes both ways: the model in half precision, each device's "
            + "change to it in half precision); default: ${DEFAULT-VALUE}")
    String transfer;

    /** @return the job's state transfer ({@code --transfer}) */
    public StateTransfer transfer() {
        try {
            return StateTransfer.valueOf(transfer.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new EdgetrainCommand.UserError("unknown --transfer '" + transfer + "': use fp32 or fp16");
        }
    }

    /**
     * @return the job's aggregation settings
     * @throws EdgetrainCommand.UserError when the options contradict each other or are out of range
     */
    public JobSpec.Aggregation aggregation() {
        double momentum = switch (strategy) {
            case "fedavg" -> {
                if (serverMomentum != null && serverMomentum != 0) {
                    throw new EdgetrainCommand.UserError("--server-momentum needs --strategy fedavgm (fedavg keeps no "
                            + "momentum between rounds)");
                }
                yield 0;
            }
            case "fedavgm" -> serverMomentum == null ? 0.9 : serverMomentum;
            default -> throw new EdgetrainCommand.UserError("unknown --strategy '" + strategy + "': use fedavg or fedavgm");
        };
        try {
            return JobSpec.Aggregation.DEFAULT.withServer(new ServerOptimizer(serverLearningRate, momentum));
        } catch (IllegalArgumentException e) {
            throw new EdgetrainCommand.UserError(e.getMessage() + ": check --server-lr and --server-momentum");
        }
    }
}
