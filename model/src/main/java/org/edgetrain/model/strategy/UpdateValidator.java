package org.edgetrain.model.strategy;

import java.io.Serializable;
import java.util.Optional;
import org.edgetrain.model.params.FlatVectors;

/**
 * Rejects results that would corrupt the global model: wrong length, NaN or infinity, no samples, or an update
 * whose size is absurd compared with the model ({@code ||state - global|| > maxRelativeChange * ||global||}).
 * Immutable and thread-safe.
 *
 * @param maxRelativeChange bound on the update's norm relative to the global state's norm
 */
public record UpdateValidator(double maxRelativeChange) implements Serializable {
    /** A bound that no honest round of SGD comes near, but a garbage vector does. */
    public static final UpdateValidator DEFAULT = new UpdateValidator(2.0);

    /**
     * @return empty when the result is acceptable, otherwise why it is rejected
     */
    public Optional<Failure> check(float[] global, DeviceResult result) {
        float[] state = result.state();
        if (state == null || state.length != global.length) {
            return reject(result, Failure.Kind.WRONG_SIZE, "wrong size: "
                    + (state == null ? "no state" : state.length + " values") + ", the model has " + global.length);
        }
        if (result.samples() <= 0) {
            return reject(result, Failure.Kind.NO_SAMPLES, "trained on no samples");
        }
        if (!FlatVectors.allFinite(state)) {
            return reject(result, Failure.Kind.NON_FINITE, "non-finite values (NaN or infinity) in the state");
        }
        double change = FlatVectors.distance(state, global);
        double scale = Math.max(1e-6, FlatVectors.norm(global));
        if (change > maxRelativeChange * scale) {
            return reject(result, Failure.Kind.ABSURD, String.format(
                    "absurd update: change %.3g is %.1fx the model's norm (limit %.1fx)", change, change / scale,
                    maxRelativeChange));
        }
        return Optional.empty();
    }

    private static Optional<Failure> reject(DeviceResult result, Failure.Kind kind, String reason) {
        return Optional.of(new Failure(result.device(), kind, reason));
    }
}
