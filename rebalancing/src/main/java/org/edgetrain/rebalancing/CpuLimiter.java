package org.edgetrain.rebalancing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Limits an emulated device process to a share of the CPU the way Docker's {@code --cpus} does: a cgroup v1
 * {@code cpu} controller group with {@code cpu.cfs_quota_us = share * cpu.cfs_period_us}. Available where
 * {@code /sys/fs/cgroup/cpu} is mounted writable (root on cgroup v1 hosts); elsewhere callers fall back to
 * {@link DeviceThrottle}. Not thread-safe per device name.
 */
public final class CpuLimiter {
    private static final Path ROOT = Path.of("/sys/fs/cgroup/cpu");
    private final Path base;

    private CpuLimiter(Path base) {
        this.base = base;
    }

    /** @return a limiter when the cgroup v1 cpu controller is writable here, otherwise null */
    public static CpuLimiter detect() {
        Path base = ROOT.resolve("edgetrain");
        try {
            if (!Files.isWritable(ROOT) || !Files.exists(ROOT.resolve("cpu.cfs_period_us"))) {
                return null;
            }
            Files.createDirectories(base);
            return new CpuLimiter(base);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /**
     * Moves process {@code pid} (all its threads) into a group limited to {@code share} CPUs.
     *
     * @throws IOException when the cgroup files cannot be written
     */
    public void limit(String device, long pid, double share) throws IOException {
        Path group = base.resolve(device);
        Files.createDirectories(group);
        long period = Long.parseLong(Files.readString(group.resolve("cpu.cfs_period_us")).trim());
        Files.writeString(group.resolve("cpu.cfs_quota_us"), Long.toString(Math.max(1000, (long) (share * period))));
        Files.writeString(group.resolve("cgroup.procs"), Long.toString(pid));
    }

    /**
     * The CPU quota this process runs under, as {@link #limit} sets it (or Docker's {@code --cpus}): its cgroup v1 cpu
     * group's {@code cfs_quota_us / cfs_period_us}.
     *
     * @return CPUs allowed, or 0 when this process has no quota (or the controller cannot be read)
     */
    public static double ownQuota() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] parts = line.split(":", 3); // id:controllers:path
                if (parts.length == 3 && java.util.Arrays.asList(parts[1].split(",")).contains("cpu")) {
                    Path group = ROOT.resolve(parts[2].replaceFirst("^/", ""));
                    long quota = Long.parseLong(Files.readString(group.resolve("cpu.cfs_quota_us")).trim());
                    long period = Long.parseLong(Files.readString(group.resolve("cpu.cfs_period_us")).trim());
                    return quota > 0 && period > 0 ? (double) quota / period : 0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no cgroup v1 cpu controller here: report no quota
        }
        return 0;
    }

    /** Removes the device's group once its process is gone (a group with processes cannot be removed). */
    public void release(String device) {
        try {
            Files.deleteIfExists(base.resolve(device));
        } catch (IOException ignored) {
            // still busy or already gone: harmless, reused on the next start of the same name
        }
    }
}
