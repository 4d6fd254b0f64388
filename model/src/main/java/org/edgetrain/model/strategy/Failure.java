package org.edgetrain.model.strategy;

import java.io.Serializable;
import java.util.Objects;

/**
 * A device whose work in a round does not count: it failed, was late, or its result was rejected. Decisions read
 * {@link #kind}; {@link #reason} is for people (logs, the EVENTS table, DEVICE_ROUNDS.STATUS).
 *
 * @param device device name
 * @param kind why, as data
 * @param reason human-readable cause, e.g. {@code non-finite values (NaN or infinity) in the state}
 */
public record Failure(String device, Kind kind, String reason) implements Serializable {
    /** Why a device's work of a round does not count. */
    public enum Kind {
        /** no result before the round's deadline */
        LATE,
        /** the device's job threw, or the device left */
        FAILED,
        /** a result of another round */
        STALE,
        /** a state whose length is not the model's */
        WRONG_SIZE,
        /** a result that trained no sample */
        NO_SAMPLES,
        /** NaN or infinity in the state */
        NON_FINITE,
        /** an update far larger than any honest round of SGD makes */
        ABSURD;

        /** @return true when the result itself was garbage (as opposed to missing): a sign of a diverging model */
        public boolean corrupt() {
            return this == NON_FINITE || this == ABSURD;
        }
    }

    /** Checks that every component is given. */
    public Failure {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(reason, "reason");
    }
}
