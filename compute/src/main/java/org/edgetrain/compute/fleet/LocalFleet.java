package org.edgetrain.compute.fleet;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.edgetrain.compute.grid.DeviceMemory;
import org.edgetrain.compute.grid.FleetActivation;
import org.edgetrain.compute.io.Json;
import org.edgetrain.compute.settings.SystemProperty;
import org.edgetrain.model.engine.EngineKind;
import org.edgetrain.rebalancing.CpuLimiter;
import org.edgetrain.rebalancing.DeviceProfile;
import org.edgetrain.rebalancing.DeviceThrottle;
import org.edgetrain.rebalancing.MemoryLimiter;

/**
 * Device processes on this machine, one JVM each, for demos, tests and benchmarks. The fleet's state (device
 * names, classes, process ids, log files) is kept in {@code DIR/fleet.json}, so that separate commands can manage
 * the same fleet. Not thread-safe: one command manages a fleet at a time.
 */
public final class LocalFleet {
    /**
     * What a device process runs: the command line's {@code node} command, the entry a user runs. Named, not
     * imported: the commands sit above this package.
     */
    private static final String DEVICE_MAIN_CLASS = "org.edgetrain.compute.cli.EdgetrainCommand";
    /** Environment variable with extra JVM options for every process this class starts (after its own). */
    public static final String DEVICE_JAVA_OPTIONS = "EDGETRAIN_DEVICE_JAVA_OPTS";

    /** How emulated devices are slowed to their profile's CPU share. */
    public enum Throttle {
        /** cgroup when available, else duty cycle. */
        AUTO,
        /** cgroup v1 CPU quota, as Docker's --cpus. */
        CGROUP,
        /** The device pauses after each step ({@link DeviceThrottle}); portable. */
        DUTY,
        /** No limit: every device runs at full speed. */
        NONE
    }

    /**
     * One device process.
     *
     * @param limit how it is limited, e.g. {@code cgroup 0.20 cpu}
     * @param persistent whether it keeps its data on disk, in {@code DIR/work/NAME}
     */
    public record Device(String name, String deviceClass, long pid, String log, String limit, boolean persistent) {
        /** @return true while the process runs */
        public boolean alive() {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    private final Path dir;
    private final Path config;
    private final List<Device> devices;
    private Throttle throttle = Throttle.AUTO;
    private double cpuScale = 1.0;
    private boolean persistent;
    private MemoryLimit memoryLimit;
    private java.util.function.Function<String, List<String>> launcher;
    private Path faultChecks;

    private LocalFleet(Path dir, Path config, List<Device> devices) {
        this.dir = dir;
        this.config = config;
        this.devices = new ArrayList<>(devices);
    }

    /** @return the fleet recorded in {@code dir}, or an empty one */
    public static LocalFleet open(Path dir, Path config) {
        Path state = dir.resolve("fleet.json");
        List<Device> devices = new ArrayList<>();
        if (Files.exists(state)) {
            try {
                devices.addAll(Json.mapper().readValue(state.toFile(), new TypeReference<List<Device>>() { }));
            } catch (IOException e) {
                throw new FleetException(state + " is unreadable (" + e.getMessage() + "): delete it after "
                        + "stopping any edgetrain node processes by hand");
            }
        }
        return new LocalFleet(dir, config, devices);
    }

    /**
     * Sets how devices started from now on are limited.
     *
     * @param cpuScale multiplies every profile's CPU share (to fit a big emulated fleet on few cores)
     * @return this
     */
    public LocalFleet throttled(Throttle mode, double cpuScale) {
        this.throttle = mode;
        this.cpuScale = cpuScale;
        return this;
    }

    /**
     * A memory limit per device, as {@code docker --memory} sets it: a fixed size for every device, or each class's own
     * ({@link DeviceProfile#memoryMegabytes()}).
     *
     * @param megabytes the limit, or 0 for each class's own
     */
    public record MemoryLimit(int megabytes) {
        /** Each device limited to its class's memory. */
        public static final MemoryLimit BY_CLASS = new MemoryLimit(0);

        /**
         * @param text {@code class}, or a size: {@code 600} (megabytes), {@code 600m}, {@code 1g}
         * @throws IllegalArgumentException saying what is accepted
         */
        public static MemoryLimit parse(String text) {
            String t = text.trim().toLowerCase(java.util.Locale.ROOT);
            if (t.equals("class")) {
                return BY_CLASS;
            }
            try {
                int megabytes = t.endsWith("g") ? Integer.parseInt(t.substring(0, t.length() - 1)) * 1024
                        : Integer.parseInt(t.endsWith("m") ? t.substring(0, t.length() - 1) : t);
                if (megabytes >= 256) {
                    return new MemoryLimit(megabytes);
                }
            } catch (NumberFormatException e) {
                // explained below
            }
            throw new IllegalArgumentException("memory limit '" + text + "': use class (each device class's own: pc "
                    + "1024, jetson-nano 800, rpi4 600 MB) or a size of at least 256 MB, e.g. 600, 600m or 1g");
        }

        long bytesFor(DeviceProfile profile) {
            return (megabytes > 0 ? megabytes : profile.memoryMegabytes()) * (1L << 20);
        }
    }

    /**
     * Limits the memory of devices started from now on (a cgroup v1 memory group each; null: no limit). Their heaps
     * shrink to fit ({@link DeviceMemory#heapFor}) and each device sizes its data region below the limit itself.
     *
     * @return this
     */
    public LocalFleet memoryLimited(MemoryLimit limit) {
        this.memoryLimit = limit;
        return this;
    }

    /**
     * Makes devices started from now on keep their data on disk ({@code DIR/work/NAME}, so a device restarted under
     * the same name finds it). A fleet that has persistent devices stays persistent: later devices inherit it.
     *
     * @return this
     */
    public LocalFleet persistent(boolean on) {
        this.persistent = on;
        return this;
    }

    /**
     * Starts devices from now on through a command prefix, e.g. {@code ip netns exec NS} to put each in a network
     * namespace of its own ({@code NetworkFaults#prefix}). Not kept in {@code fleet.json}: for the process that manages
     * the fleet.
     *
     * @param prefix the prefix for a device, by name
     * @return this
     */
    public LocalFleet launchedThrough(java.util.function.Function<String, List<String>> prefix) {
        this.launcher = prefix;
        return this;
    }

    /**
     * Prepares devices started from now on for a fault harness: each records the samples it trains under {@code dir}
     * ({@code training/TrainedSamples}, for the per-sample audit) and lets the harness arm the coordinator's crash
     * points ({@code training/CrashPoint}). Not kept in {@code fleet.json}: for the process that manages the fleet.
     *
     * @return this
     */
    public LocalFleet checkedForFaults(Path dir) {
        this.faultChecks = dir.toAbsolutePath();
        return this;
    }

    /** @return where devices record the samples they train, when {@link #checkedForFaults} was set */
    public Optional<Path> trainedSamplesDir() {
        return Optional.ofNullable(faultChecks);
    }

    /** @return the devices, alive or not */
    public List<Device> devices() {
        return List.copyOf(devices);
    }

    /**
     * A device to start, as the command line names it: {@code CLASS}, or {@code CLASS@ENGINE} for a device that trains
     * with that engine whatever a job asks ({@code node --engine}), e.g. {@code rpi4@dl4j}.
     */
    public record DeviceRequest(DeviceProfile profile, EngineKind engine) {
        /** @throws IllegalArgumentException naming the valid classes or engines */
        public static DeviceRequest parse(String text) {
            String[] parts = text.trim().split("@", 2);
            return new DeviceRequest(DeviceProfile.of(parts[0]), parts.length == 2 ? EngineKind.parse(parts[1]) : null);
        }
    }

    /**
     * Starts a device process named after its class with a running number.
     *
     * @param requested {@code CLASS} or {@code CLASS@ENGINE} (see {@link DeviceRequest})
     */
    public Device add(String requested) {
        DeviceRequest request;
        try {
            request = DeviceRequest.parse(requested);
        } catch (IllegalArgumentException e) {
            throw new FleetException(e.getMessage());
        }
        DeviceProfile profile = request.profile();
        int n = 1;
        while (find(profile.name() + "-" + n).isPresent()) {
            n++;
        }
        String name = profile.name() + "-" + n;
        try {
            Files.createDirectories(dir);
            Path log = dir.resolve(name + ".out");
            Limits limits = limitsFor(profile);
            List<String> command = javaCommand(profile, limits);
            command.add("-Dedgetrain.device=" + name);
            SystemProperty.DEVICE_PROFILES.value().ifPresent(f -> command.add("-D" + SystemProperty.DEVICE_PROFILES.key()
                    + "=" + Path.of(f).toAbsolutePath()));
            SystemProperty.QUARANTINE_SECONDS.passOn().ifPresent(command::add);
            if (faultChecks != null) {
                command.add("-D" + SystemProperty.TRAINED_SAMPLES_DIR.key() + "=" + faultChecks);
                command.add("-D" + SystemProperty.CRASH_POINTS.key() + "=true");
            }
            command.add("-D" + SystemProperty.LOG_DIR.key() + "=" + dir.toAbsolutePath());
            command.add("-D" + SystemProperty.HOME.key() + "=" + SystemProperty.home());
            command.add("-DIGNITE_MARSHALLER_WHITELIST=" + SystemProperty.home().resolve("ignite-config/marshaller-allowlist.txt"));
            command.add("-Dlog4j2.configurationFile=" + SystemProperty.home().resolve("ignite-config/log4j2-node.xml"));
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(DEVICE_MAIN_CLASS);
            command.addAll(List.of("node", "--name", name, "--device", profile.name(), "--config", config.toString(),
                    "--work-dir", dir.resolve("work").resolve(name).toAbsolutePath().toString()));
            if (request.engine() != null) {
                command.addAll(List.of("--engine", request.engine().cliName()));
            }
            boolean keepsData = persistent || devices.stream().anyMatch(Device::persistent);
            if (keepsData) {
                command.add("--persistent");
            }
            if (launcher != null) {
                command.addAll(0, launcher.apply(name));
            }
            Process process = start(command, log);
            Device device = new Device(name, profile.name(), process.pid(), log.toString(), limits.apply(name, process),
                    keepsData);
            devices.add(device);
            save();
            return device;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start device " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs a program of this installation in a JVM of its own, limited exactly as a device of {@code deviceClass}
     * started by this fleet would be (CPU share and mechanism, heap, one native thread), and waits for it: the bare
     * engine under a device's quota, the reference of {@code bench hetero}'s {@code efficiencyVsEngine}. Not a device:
     * it joins no fleet and is not recorded in {@code fleet.json}.
     *
     * @param name a name for its limit group and log ({@code DIR/NAME.out}), unique among running processes
     * @return the program's exit code
     * @throws FleetException when it does not end within {@code timeoutSeconds} (it is killed)
     */
    public int runLike(String deviceClass, String name, String mainClass, List<String> args, long timeoutSeconds)
            throws InterruptedException {
        DeviceProfile profile = DeviceProfile.of(deviceClass);
        Limits limits = limitsFor(profile);
        List<String> command = javaCommand(profile, limits);
        command.add("-Dedgetrain.device=" + name);
        command.add("-D" + SystemProperty.LOG_DIR.key() + "=" + dir.toAbsolutePath());
        command.add("-Dlog4j2.configurationFile=" + SystemProperty.home().resolve("ignite-config/log4j2-node.xml"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        try {
            Files.createDirectories(dir);
            Process process = start(command, dir.resolve(name + ".out"));
            limits.apply(name, process);
            try {
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    throw new FleetException(name + " did not end within " + timeoutSeconds + " s; see "
                            + dir.resolve(name + ".out"));
                }
                return process.exitValue();
            } finally {
                process.destroyForcibly();
                process.onExit().join();
                limits.release(name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * How a process emulating a device class is slowed to its CPU share.
     *
     * @param limiter the cgroup limiter, or null (duty cycle or no limit)
     * @param duty whether the process pauses after each step by itself ({@link DeviceThrottle})
     */
    private record Limits(double share, CpuLimiter limiter, boolean duty, long memoryBytes, MemoryLimiter memory) {
        /**
         * Puts a started process under its limits.
         *
         * @return how it is limited, e.g. {@code cgroup 0.20 cpu} or {@code cgroup 0.20 cpu, 600 MB}
         */
        String apply(String name, Process process) throws IOException {
            String cpu = "none";
            if (limiter != null) {
                limiter.limit(name, process.pid(), share);
                cpu = String.format("cgroup %.2f cpu", share);
            } else if (duty && share < 1.0) {
                cpu = String.format("duty %.2f cpu", share);
            }
            if (memory == null) {
                return cpu;
            }
            memory.limit(name, process.pid(), memoryBytes);
            return cpu + ", " + (memoryBytes >> 20) + " MB";
        }

        void release(String name) {
            if (limiter != null) {
                limiter.release(name);
            }
            if (memory != null) {
                memory.release(name);
            }
        }
    }

    private Limits limitsFor(DeviceProfile profile) {
        double share = Math.min(1.0, profile.relativeSpeed() * cpuScale);
        MemoryLimiter memory = null;
        long memoryBytes = 0;
        if (memoryLimit != null) {
            memory = MemoryLimiter.detect();
            if (memory == null) {
                throw new FleetException("--memory-limit needs a writable cgroup v1 memory controller at "
                        + "/sys/fs/cgroup/memory (run as root on a cgroup v1 host), or leave the limit out");
            }
            memoryBytes = memoryLimit.bytesFor(profile);
        }
        if (throttle == Throttle.NONE) {
            return new Limits(share, null, false, memoryBytes, memory);
        }
        CpuLimiter limiter = throttle == Throttle.AUTO || throttle == Throttle.CGROUP ? CpuLimiter.detect() : null;
        if (throttle == Throttle.CGROUP && limiter == null) {
            throw new FleetException("--throttle cgroup needs a writable cgroup v1 cpu controller at "
                    + "/sys/fs/cgroup/cpu (run as root on a cgroup v1 host), or use --throttle duty");
        }
        return new Limits(share, limiter, limiter == null, memoryBytes, memory);
    }

    /** The JVM and its settings for a process of this profile, up to (not including) the classpath. */
    private static List<String> javaCommand(DeviceProfile profile, Limits limits) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags());
        long heap = profile.heapMegabytes() * (1L << 20);
        long limit = limits.memory() != null ? limits.memoryBytes() : -1;
        if (limit >= 0) {
            heap = DeviceMemory.heapFor(limit, heap);
        }
        command.add("-Xmx" + (heap >> 20) + "m");
        command.add(DeviceMemory.collectorFlag(limit));
        command.addAll(deviceJvmFlags()); // C1 only and a small young generation: why in the parent POM
        command.add("-Djava.net.preferIPv4Stack=true");
        command.add("-DIGNITE_QUIET=true");
        command.add("-DIGNITE_UPDATE_NOTIFIER=false");
        if (limits.duty() && limits.share() < 1.0) {
            command.add("-D" + SystemProperty.CPU_SHARE.key() + "=" + limits.share());
        }
        // for measuring a device as it runs, e.g. -XX:NativeMemoryTracking=summary (README, "Memory")
        String extra = System.getenv(DEVICE_JAVA_OPTIONS);
        if (extra != null && !extra.isBlank()) {
            command.addAll(Arrays.asList(extra.trim().split("\\s+")));
        }
        return command;
    }

    /**
     * jemalloc where the host has it (Debian's {@code libjemalloc2}). With glibc's allocator a device's native heap
     * only grew through an epoch (libtorch's tensors of changing sizes, freed between Ignite's long-lived blocks):
     * measured on an rpi4-class device training ResNet-8, 850 MB resident at the epoch's end against 600 with
     * jemalloc, at the same images/s (bench/RESULTS.md, "Memory").
     */
    private static final List<Path> JEMALLOC = List.of(Path.of("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"),
            Path.of("/usr/lib/aarch64-linux-gnu/libjemalloc.so.2"), Path.of("/usr/lib64/libjemalloc.so.2"));

    /**
     * jemalloc's settings for device processes. Its dedicated arena for allocations over 8 MB returns their pages to
     * the OS as soon as they are freed; libtorch's activations of a batch are that big, so every training step faulted
     * its memory in again (a device's CPU went to the kernel): ResNet-20 at batch 128 trained at 120 images/s against
     * 210 with glibc's allocator, and 243 with the arena off, at the same resident size (bench/RESULTS.md, "Memory").
     */
    static final String JEMALLOC_CONF = "oversize_threshold:0";

    /** @return the jemalloc library to preload into device processes, if this host has one */
    public static Optional<Path> jemalloc() {
        return JEMALLOC.stream().filter(Files::isReadable).findFirst();
    }

    private static Process start(List<String> command, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        if (!builder.environment().containsKey("LD_PRELOAD")) {
            jemalloc().ifPresent(library -> {
                builder.environment().put("LD_PRELOAD", library.toString());
                builder.environment().putIfAbsent("MALLOC_CONF", JEMALLOC_CONF);
            });
        }
        builder.environment().put("OMP_NUM_THREADS", "1");
        builder.environment().putIfAbsent("TORCH_CPP_LOG_LEVEL", "ERROR"); // as bin/edgetrain
        // Without jemalloc, glibc gives each thread that allocates its own 64 MB arena; Ignite's and ND4J's many threads
        // then keep freed native memory in arenas of their own. Two arenas bound that, as on a small board.
        builder.environment().put("MALLOC_ARENA_MAX", "2");
        return builder.start();
    }

    /** Sends SIGKILL to a device: a crash, for tests and demos. */
    public void kill(String name) {
        Device device = find(name).orElseThrow(() -> new FleetException("no device named " + name
                + " in " + dir + " (edgetrain cluster list shows them)"));
        ProcessHandle.of(device.pid()).ifPresent(handle -> {
            handle.destroyForcibly();
            handle.onExit().join();
        });
        release(device);
        devices.remove(device);
        save();
    }

    /** Sends SIGKILL to every device at once, then waits for them to end: a power cut, for tests. */
    public void killAll() {
        List<ProcessHandle> handles = devices.stream().map(d -> ProcessHandle.of(d.pid())).flatMap(Optional::stream)
                .toList();
        handles.forEach(ProcessHandle::destroyForcibly);
        handles.forEach(handle -> handle.onExit().join());
        devices.forEach(LocalFleet::release);
        devices.clear();
        save();
    }

    /** Freezes a device (SIGSTOP): a hang, as of a device that stops answering without dying. */
    public void pause(String name) {
        signal(name, "STOP");
    }

    /** Lets a frozen device go on (SIGCONT). */
    public void resume(String name) {
        signal(name, "CONT");
    }

    private void signal(String name, String signal) {
        Device device = find(name).orElseThrow(() -> new FleetException("no device named " + name
                + " in " + dir + " (edgetrain cluster list shows them)"));
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(device.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + device.pid() + " failed (is " + name + " running?)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot signal " + name + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits for a device to end by itself (a device the fleet dropped while it hung ends when it wakes up); SIGKILL
     * if it is still running after {@code seconds}.
     *
     * @return true when it ended by itself
     */
    public boolean awaitExit(String name, long seconds) {
        Device device = find(name).orElseThrow(() -> new FleetException("no device named " + name
                + " in " + dir + " (edgetrain cluster list shows them)"));
        boolean ended = ProcessHandle.of(device.pid()).map(handle -> {
            try {
                handle.onExit().get(seconds, TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                handle.destroyForcibly();
                handle.onExit().join();
                return false;
            }
        }).orElse(true);
        release(device);
        devices.remove(device);
        save();
        return ended;
    }

    /**
     * Graceful leave of one device (SIGTERM): it finishes its running job and waits until its partitions have
     * another copy, then exits; SIGKILL if it is still running after {@code seconds}.
     *
     * @return true when it left by itself; false when it had to be killed (its leave hung)
     */
    public boolean stop(String name, long seconds) {
        Device device = find(name).orElseThrow(() -> new FleetException("no device named " + name
                + " in " + dir + " (edgetrain cluster list shows them)"));
        ProcessHandle.of(device.pid()).ifPresent(ProcessHandle::destroy);
        return awaitExit(name, seconds);
    }

    /**
     * Stops the whole fleet: through {@code client}, deactivates a persistent fleet (its data stays on disk for the
     * restart) and switches to immediate shutdown (devices leaving one by one under the graceful policy would wait for
     * each other forever); then SIGTERM, then SIGKILL for any device still running after {@code seconds}.
     */
    public void down(org.apache.ignite.Ignite client, long seconds) {
        try {
            FleetActivation.prepareWholeFleetStop(client);
        } catch (RuntimeException e) {
            // the fleet is already gone or unreachable: the signals below still stop the processes
        }
        down(seconds);
    }

    /** Graceful leave of every device (SIGTERM), then SIGKILL for any still running after {@code seconds}. */
    public void down(long seconds) {
        List<ProcessHandle> handles = devices.stream().map(d -> ProcessHandle.of(d.pid())).flatMap(Optional::stream).toList();
        handles.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (ProcessHandle handle : handles) {
            try {
                handle.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                handle.destroyForcibly();
            }
        }
        devices.forEach(LocalFleet::release);
        devices.clear();
        save();
    }

    private static void release(Device device) {
        if (device.limit().startsWith("cgroup")) {
            CpuLimiter limiter = CpuLimiter.detect();
            if (limiter != null) {
                limiter.release(device.name());
            }
        }
        if (device.limit().endsWith(" MB")) {
            MemoryLimiter memory = MemoryLimiter.detect();
            if (memory != null) {
                memory.release(device.name());
            }
        }
    }

    private Optional<Device> find(String name) {
        return devices.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    private void save() {
        Json.write(devices, dir.resolve("fleet.json"));
    }

    /** @return the JVM flags every edgetrain process needs, as built from the parent POM */
    public static List<String> jvmFlags() {
        return flags("edgetrain-jvm.flags");
    }

    /** @return the JVM flags a device process adds to {@link #jvmFlags} (the parent POM says why each) */
    static List<String> deviceJvmFlags() {
        return flags("edgetrain-device-jvm.flags");
    }

    private static List<String> flags(String resource) {
        try (InputStream in = LocalFleet.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the classpath: rebuild with mvn package");
            }
            return Arrays.stream(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim().split("\\s+")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
