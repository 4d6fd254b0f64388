package org.edgetrain.rebalancing;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The portable way to emulate a slower device when the cgroup CPU controller is not available: after each unit of
 * work, pause {@code cpu * (1 / share - 1)}, where {@code cpu} is the CPU time the whole process used during the work,
 * so the process gets about {@code share} of one core, as Docker's {@code --cpus=share} would give it. The share comes
 * from the system property {@value #PROPERTY}; without it nothing is throttled (a real device is what it is).
 * Thread-safe.
 *
 * <p>CPU time, not wall-clock time: on a shared host a step that waited for the CPU (other devices' processes) took
 * longer without working more, and a pause of {@code 1 / share} times its wall time turned each such wait into
 * seconds of idleness, more the smaller the share. The process's time, not the thread's, because what the process does
 * beside the step (Ignite's messages, preparing the next round, garbage collection) uses the same device's CPU: a real
 * device that slow would be that slow at those too.
 */
public final class DeviceThrottle {
    /** System property holding the emulated CPU share, e.g. 0.2 for a Raspberry Pi. */
    public static final String PROPERTY = "edgetrain.cpu.share";

    private static final OperatingSystemMXBean OS = ManagementFactory.getOperatingSystemMXBean();

    private DeviceThrottle() {
    }

    /** @return the emulated CPU share in (0, 1], or 1 when unthrottled */
    public static double share() {
        String value = System.getProperty(PROPERTY);
        if (value == null) {
            return 1.0;
        }
        double share = Double.parseDouble(value);
        return share > 0 && share < 1 ? share : 1.0;
    }

    /** @return a mark for {@link #pauseAfter} taken as a unit of work starts: the process's CPU time, in nanoseconds */
    public static long mark() {
        if (share() >= 1.0) {
            return 0; // unthrottled (every real device): no clock read on the training step's path
        }
        if (OS instanceof com.sun.management.OperatingSystemMXBean hotspot) {
            long cpu = hotspot.getProcessCpuTime();
            if (cpu >= 0) {
                return cpu;
            }
        }
        return System.nanoTime(); // no CPU clock here: wall-clock time, which over-counts waits
    }

    /** Pauses after a unit of work that started at {@code mark} ({@link #mark}). */
    public static void pauseAfter(long mark) {
        double share = share();
        if (share >= 1.0) {
            return;
        }
        long pause = (long) (Math.max(0, mark() - mark) * (1 / share - 1));
        try {
            Thread.sleep(pause / 1_000_000, (int) (pause % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
