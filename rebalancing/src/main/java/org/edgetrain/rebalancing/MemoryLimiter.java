package org.edgetrain.rebalancing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * Limits an emulated device process's memory the way Docker's {@code --memory} does: a cgroup v1 {@code memory}
 * controller group with {@code memory.limit_in_bytes}. Past the limit the kernel reclaims the group's page cache and
 * then kills the process, so a device must size itself below it ({@link #ownLimitBytes} tells it how much it has,
 * under this class, Docker or a systemd slice alike). Available where {@code /sys/fs/cgroup/memory} is mounted
 * writable (root on cgroup v1 hosts). Not thread-safe per device name.
 */
public final class MemoryLimiter {
    private static final Path ROOT = Path.of("/sys/fs/cgroup/memory");
    /** A limit above this is the kernel's "no limit" (v1 reports a page-rounded 2^63). */
    private static final long UNLIMITED = 1L << 50;
    private final Path base;

    private MemoryLimiter(Path base) {
        this.base = base;
    }

    /** @return a limiter when the cgroup v1 memory controller is writable here, otherwise null */
    public static MemoryLimiter detect() {
        Path base = ROOT.resolve("edgetrain");
        try {
            if (!Files.isWritable(ROOT) || !Files.exists(ROOT.resolve("memory.limit_in_bytes"))) {
                return null;
            }
            Files.createDirectories(base);
            return new MemoryLimiter(base);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /**
     * Moves process {@code pid} into a group whose memory (resident and page cache) is limited to {@code bytes}.
     *
     * @throws IOException when the cgroup files cannot be written
     */
    public void limit(String device, long pid, long bytes) throws IOException {
        Path group = base.resolve(device);
        Files.createDirectories(group);
        Files.writeString(group.resolve("memory.limit_in_bytes"), Long.toString(bytes));
        Files.writeString(group.resolve("cgroup.procs"), Long.toString(pid));
    }

    /** @return the group's peak usage so far in bytes ({@code memory.max_usage_in_bytes}), or -1 */
    public long peakBytes(String device) {
        try {
            return Long.parseLong(Files.readString(base.resolve(device).resolve("memory.max_usage_in_bytes")).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /**
     * @return how many times the kernel killed a process of the device's group for going over its limit
     *     ({@code oom_kill} of {@code memory.oom_control}), or -1 when the group cannot be read
     */
    public long oomKills(String device) {
        try {
            for (String line : Files.readAllLines(base.resolve(device).resolve("memory.oom_control"))) {
                if (line.startsWith("oom_kill ")) {
                    return Long.parseLong(line.substring("oom_kill ".length()).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return -1;
    }

    /** Removes the device's group once its process is gone (a group with processes cannot be removed). */
    public void release(String device) {
        try {
            Files.deleteIfExists(base.resolve(device));
        } catch (IOException ignored) {
            // still busy or already gone: harmless, reused on the next start of the same name
        }
    }

    /**
     * The memory limit this process runs under: its cgroup's, v1 ({@code memory.limit_in_bytes}, as this class and
     * Docker on v1 hosts set it) or v2 ({@code memory.max}, as Docker and systemd set it on current Raspberry Pi OS).
     *
     * @return the limit in bytes, or empty when there is none or it cannot be read
     */
    public static OptionalLong ownLimitBytes() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/cgroup"));
            for (String line : lines) {
                String[] parts = line.split(":", 3); // id:controllers:path
                if (parts.length == 3 && List.of(parts[1].split(",")).contains("memory")) {
                    return parse(ROOT.resolve(parts[2].replaceFirst("^/", "")).resolve("memory.limit_in_bytes"));
                }
            }
            for (String line : lines) {
                if (line.startsWith("0::")) {
                    return parse(Path.of("/sys/fs/cgroup").resolve(line.substring(3).replaceFirst("^/", ""))
                            .resolve("memory.max"));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no readable cgroup: no known limit
        }
        return OptionalLong.empty();
    }

    private static OptionalLong parse(Path file) throws IOException {
        if (!Files.exists(file)) {
            return OptionalLong.empty();
        }
        String text = Files.readString(file).trim();
        if (text.equals("max")) {
            return OptionalLong.empty();
        }
        long bytes = Long.parseLong(text);
        return bytes > 0 && bytes < UNLIMITED ? OptionalLong.of(bytes) : OptionalLong.empty();
    }
}
