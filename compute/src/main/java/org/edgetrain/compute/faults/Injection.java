package org.edgetrain.compute.faults;

import org.edgetrain.compute.training.CrashPoint;
import org.edgetrain.compute.training.RoundPhases;

/**
 * One fault to inject at a named point of a round.
 *
 * @param kind what happens
 * @param at the round point at which it happens (DISPATCHED: devices are training; COMMITTED: between rounds)
 * @param afterVersion the first point reached with at least this committed model version is used
 * @param deviceClass for JOIN, the class of the device that joins; otherwise the class of the device to hit, or null
 *     for any device (never the coordinator's host, except for the kinds that name it)
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
        JOIN,
        /**
         * SIGSTOP of the device that runs the coordinator, past the failure detection, then SIGCONT: a successor
         * takes over and commits meanwhile; the woken coordinator must not commit over it.
         */
        HANG_COORDINATOR_HOST,
        /** The coordinator's device dies (halts) at {@link CrashPoint#AFTER_DISPATCH}; restarted, as by a supervisor. */
        CRASH_COORDINATOR_AFTER_DISPATCH(CrashPoint.AFTER_DISPATCH),
        /** The same at {@link CrashPoint#IN_COMMIT}. */
        CRASH_COORDINATOR_IN_COMMIT(CrashPoint.IN_COMMIT),
        /** The same at {@link CrashPoint#AFTER_COMMIT_BEFORE_METRICS}. */
        CRASH_COORDINATOR_BEFORE_METRICS(CrashPoint.AFTER_COMMIT_BEFORE_METRICS),
        /** The same at {@link CrashPoint#AFTER_EVALUATION} (the next epoch's end after the injection's point). */
        CRASH_COORDINATOR_AFTER_EVALUATION(CrashPoint.AFTER_EVALUATION),
        /**
         * A device's link cut ({@link NetworkFaults#isolate}) until the others dropped it and committed without it, then
         * healed: it must rejoin by itself. Needs the fleet in network namespaces.
         */
        CUT_LINK,
        /**
         * A device behind a poor link (5 Mbit/s, 5 % loss) for three committed rounds, then healed: it should stay in
         * the fleet, with a smaller share. Needs the fleet in network namespaces.
         */
        SLOW_LINK;

        private final CrashPoint crashPoint;

        Kind() {
            this(null);
        }

        Kind(CrashPoint crashPoint) {
            this.crashPoint = crashPoint;
        }

        /** @return the coordinator's crash point this kind arms, or null for a fault from outside the process */
        public CrashPoint crashPoint() {
            return crashPoint;
        }

        /** @return whether this fault is the network's (the fleet must be in network namespaces) */
        public boolean network() {
            return this == CUT_LINK || this == SLOW_LINK;
        }
    }

    /** @return e.g. {@code CRASH rpi4 at DISPATCHED after v2} */
    @Override
    public String toString() {
        return kind + (deviceClass == null ? "" : " " + deviceClass) + " at " + at + " after v" + afterVersion;
    }
}
