package org.edgetrain.rebalancing;

/**
 * The portable way to emulate a slower device when the cgroup CPU controller is not available: after each unit of
 * work that took {@code busy} nanoseconds, pause {@code busy * (1 / share - 1)}, so the process gets about
 * {@code share} of one core, as Docker's {@code --cpus=share} would give it. The share comes from the system property
 * {@value #PROPERTY}; without it nothing is throttled (a real device is what it is). Thread-safe.
 */
public final class DeviceThrottle {
    /** System property holding the emulated CPU share, e.g. 0.2 for a Raspberry Pi. */
    public static final String PROPERTY = "edgetrain.cpu.share";

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

    /** Pauses after a unit of work that kept the CPU busy for {@code busyNanos}. */
    public static void pauseAfter(long busyNanos) {
        double share = share();
        if (share >= 1.0) {
            return;
        }
        long pause = (long) (busyNanos * (1 / share - 1));
        try {
            Thread.sleep(pause / 1_000_000, (int) (pause % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
