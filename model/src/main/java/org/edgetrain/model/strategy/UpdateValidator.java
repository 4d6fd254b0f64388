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
     * @return empty when the result is acceptable, otherwise the reason to reject it
     */
    public Optional<String> check(float[] global, DeviceResult result) {
        float[] state = result.state();
        if (state == null || state.length != global.length) {
            return Optional.of("wrong size: " + (state == null ? "no state" : state.length + " values")
                    + ", the model has " + global.length);
        }
        if (result.samples() <= 0) {
            return Optional.of("trained on no samples");
        }
        if (!FlatVectors.allFinite(state)) {
            return Optional.of("non-finite values (NaN or infinity) in the state");
        }
        double change = FlatVectors.distance(state, global);
        double scale = Math.max(1e-6, FlatVectors.norm(global));
        if (change > maxRelativeChange * scale) {
            return Optional.of(String.format("absurd update: change %.3g is %.1fx the model's norm (limit %.1fx)",
                    change, change / scale, maxRelativeChange));
        }
        return Optional.empty();
    }
}
