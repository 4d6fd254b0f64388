package org.edgetrain.compute.faults;

import org.edgetrain.compute.training.RoundPhases;

/**
 * One fault to inject at a named point of a round.
 *
 * @param kind what happens
 * @param at the round point at which it happens (DISPATCHED: devices are training; COMMITTED: between rounds)
 * @param afterVersion the first point reached with at least this committed model version is used
 * @param deviceClass for JOIN, the class of the device that joins; otherwise the class of the device to hit, or null
 *     for any device (never the coordinator's host, except for {@link Kind#CRASH_COORDINATOR_HOST})
 */
public record Injection(Kind kind, RoundPhases.Point at, long afterVersion, String deviceClass) {
    /** What happens to a device. */
    public enum Kind {
        /** SIGKILL. */
        CRASH,
        /** SIGKILL of the device that runs the coordinator. */
        CRASH_COORDINATOR_HOST,
        /**
         * SIGSTOP for longer than the failure detection, then SIGCONT: a device that hangs and wakes up dropped by the
         * fleet; it rejoins by itself, or ends and is started again (as its supervisor would).
         */
        HANG,
        /** SIGTERM: a graceful leave. */
        LEAVE,
        /** A new device starts and joins. */
        JOIN
    }

    /** @return e.g. {@code CRASH rpi4 at DISPATCHED after v2} */
    @Override
    public String toString() {
        return kind + (deviceClass == null ? "" : " " + deviceClass) + " at " + at + " after v" + afterVersion;
    }
}
