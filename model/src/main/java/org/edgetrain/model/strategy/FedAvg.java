package org.edgetrain.model.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.edgetrain.model.params.FlatVectors;

/**
 * Federated averaging (McMahan et al. 2017): the new global state is the average of the devices' states,
 * weighted by the number of samples each trained on. Invalid results are left out; when fewer than
 * {@code minCompletionRate} of the devices asked contributed a valid result, the round does not commit and the
 * previous model stays. Immutable and thread-safe.
 *
 * @param validator checks each result before it is averaged
 * @param minCompletionRate fraction of devices (results + failures) that must contribute, in (0, 1]
 */
public record FedAvg(UpdateValidator validator, double minCompletionRate) implements Strategy {
    /** Validates the completion rate. */
    public FedAvg {
        if (!(minCompletionRate > 0 && minCompletionRate <= 1)) {
            throw new IllegalArgumentException("minCompletionRate must be in (0, 1], got " + minCompletionRate);
        }
    }

    @Override
    public RoundOutcome aggregate(long round, float[] global, List<DeviceResult> results, List<Failure> failures) {
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
            return new RoundOutcome(null, List.copyOf(accepted), List.copyOf(rejected));
        }
        double[] weights = accepted.stream().mapToDouble(DeviceResult::samples).toArray();
        float[] average = FlatVectors.weightedAverage(accepted.stream().map(DeviceResult::state).toList(), weights);
        return new RoundOutcome(average, List.copyOf(accepted), List.copyOf(rejected));
    }
}
