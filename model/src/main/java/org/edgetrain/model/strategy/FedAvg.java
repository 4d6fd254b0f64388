package org.edgetrain.model.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.edgetrain.model.net.StateLayout;
import org.edgetrain.model.params.FlatVectors;

/**
 * Federated averaging (McMahan et al. 2017): the devices' states are averaged, weighted by the number of samples
 * each trained on, and the {@link ServerOptimizer} steps from the round's model towards that average (plain averaging
 * takes the average as it is; FedAvgM adds server momentum). Invalid results are left out; when fewer than
 * {@code minCompletionRate} of the devices asked contributed a valid result, the round does not commit and the
 * previous model stays. Immutable and thread-safe.
 *
 * @param validator checks each result before it is averaged
 * @param minCompletionRate fraction of devices (results + failures) that must contribute, in (0, 1]
 * @param server the step from the round's model towards the average
 * @param layout the network's layout (which values the server step updates); may be null with
 *     {@link ServerOptimizer#AVERAGE}
 */
public record FedAvg(UpdateValidator validator, double minCompletionRate, ServerOptimizer server, StateLayout layout)
        implements Strategy {
    /** Validates the completion rate. */
    public FedAvg {
        if (!(minCompletionRate > 0 && minCompletionRate <= 1)) {
            throw new IllegalArgumentException("minCompletionRate must be in (0, 1], got " + minCompletionRate);
        }
        if (layout == null && !server.equals(ServerOptimizer.AVERAGE)) {
            throw new IllegalArgumentException("a server step other than plain averaging needs the network's layout");
        }
    }

    /** Plain federated averaging. */
    public FedAvg(UpdateValidator validator, double minCompletionRate) {
        this(validator, minCompletionRate, ServerOptimizer.AVERAGE, null);
    }

    @Override
    public RoundOutcome aggregate(long round, float[] global, float[] velocity, List<DeviceResult> results,
                                  List<Failure> failures) {
        List<DeviceResult> accepted = new ArrayList<>();
        List<Failure> rejected = new ArrayList<>(failures);
        for (DeviceResult result : results) {
            Optional<Failure> problem = result.round() == round
                    ? validator.check(global, result)
                    : Optional.of(new Failure(result.device(), Failure.Kind.STALE,
                            "result of round " + result.round() + " arrived in round " + round));
            problem.ifPresentOrElse(rejected::add, () -> accepted.add(result));
        }
        int asked = results.size() + failures.size();
        if (accepted.isEmpty() || accepted.size() < minCompletionRate * asked) {
            return new RoundOutcome(null, velocity, List.copyOf(accepted), List.copyOf(rejected));
        }
        double[] weights = accepted.stream().mapToDouble(DeviceResult::samples).toArray();
        float[] average = FlatVectors.weightedAverage(accepted.stream().map(DeviceResult::state).toList(), weights);
        ServerOptimizer.Step step = layout == null ? new ServerOptimizer.Step(average, null)
                : server.step(layout, global, average, velocity);
        return new RoundOutcome(step.state(), step.velocity(), List.copyOf(accepted), List.copyOf(rejected));
    }
}
