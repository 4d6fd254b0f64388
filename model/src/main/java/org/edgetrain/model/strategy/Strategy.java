package org.edgetrain.model.strategy;

import java.util.List;

/**
 * Owns the math of federated aggregation; the coordinator owns only the loop. Implementations must be
 * stateless or internally synchronized, and must not modify their arguments.
 */
public interface Strategy {
    /**
     * Aggregates one round.
     *
     * @param round the round number
     * @param global the global state the devices started from
     * @param velocity the server's velocity after the previous committed round, or null (none kept, or none yet)
     * @param results the results that arrived in time
     * @param failures devices that failed or were late (an argument, not an exception)
     * @return the new global state, or an outcome that keeps the previous one
     */
    RoundOutcome aggregate(long round, float[] global, float[] velocity, List<DeviceResult> results,
                           List<Failure> failures);
}
