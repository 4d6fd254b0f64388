package org.edgetrain.compute.training;

import java.util.Arrays;
import org.apache.ignite.Ignite;

/**
 * Named fault-injection points of a device, for tests and the fault harness: a device told to misbehave returns
 * garbage from its next training jobs, exactly as a broken device would. Stored in the node-local map, so it
 * affects only that device and vanishes with it.
 */
public enum DeviceFault {
    /** Behave. */
    NONE,
    /** Return a state full of NaN. */
    NAN_STATE,
    /** Return a state of the wrong length. */
    WRONG_SIZE,
    /** Train four times slower, as a device whose CPU was cut to a quarter. */
    SLOW,
    /**
     * Stall for {@link #STALL_MILLIS} after the next training step, once, as a device whose CPU another process took
     * for a while; then behave. The stall keeps a core busy rather than sleeping: devices of one test JVM share the
     * host's cores, and a sleeping device would hand its core to the others (which then trained twice as fast and ran
     * out of slices during the stall, in a test that measures how long they train on).
     */
    STALL;

    /** How long a {@link #STALL} lasts. */
    static final long STALL_MILLIS = 5_000;

    private static final String KEY = "edgetrain.fault";

    /** Makes device {@code ignite} misbehave (or behave again with {@link #NONE}). */
    public static void inject(Ignite ignite, DeviceFault fault) {
        ignite.cluster().nodeLocalMap().put(KEY, fault);
    }

    /** @return the fault injected on this device */
    static DeviceFault of(Ignite ignite) {
        Object fault = ignite.cluster().nodeLocalMap().get(KEY);
        return fault instanceof DeviceFault f ? f : NONE;
    }

    /** Pauses after a training step of device {@code ignite} that took {@code busyNanos}, when this fault slows it. */
    void slowDown(Ignite ignite, long busyNanos) {
        if (this == SLOW) {
            pause(3 * busyNanos / 1_000_000);
        } else if (this == STALL && ignite.cluster().nodeLocalMap().remove(KEY, STALL)) {
            long end = System.nanoTime() + STALL_MILLIS * 1_000_000;
            while (System.nanoTime() < end) {
                Thread.onSpinWait(); // busy on purpose: another process holds this device's CPU
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return {@code state} as this fault corrupts it */
    float[] corrupt(float[] state) {
        return switch (this) {
            case NONE, SLOW, STALL -> state;
            case NAN_STATE -> {
                float[] out = state.clone();
                Arrays.fill(out, Float.NaN);
                yield out;
            }
            case WRONG_SIZE -> Arrays.copyOf(state, state.length / 2);
        };
    }
}
