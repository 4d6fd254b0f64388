package org.edgetrain.model.strategy;

import java.util.List;

/**
 * The result of aggregating a round.
 *
 * @param state the new global state, or null to keep the previous one (the round does not commit)
 * @param velocity the server's velocity to keep with {@code state}, or null (none)
 * @param accepted results that went into {@code state}
 * @param rejected results and failures left out, with reasons
 */
public record RoundOutcome(float[] state, float[] velocity, List<DeviceResult> accepted, List<Failure> rejected) {
    /** @return true when the round produced a new global model */
    public boolean commits() {
        return state != null;
    }

    /** @return images trained by the accepted results */
    public long acceptedSamples() {
        return accepted.stream().mapToLong(DeviceResult::samples).sum();
    }
}
