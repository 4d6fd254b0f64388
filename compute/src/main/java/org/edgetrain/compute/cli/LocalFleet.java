package org.edgetrain.compute.cli;

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
import org.edgetrain.rebalancing.DeviceProfile;

/**
 * Device processes on this machine, one JVM each, for demos, tests and benchmarks. The fleet's state (device
 * names, classes, process ids, log files) is kept in {@code DIR/fleet.json}, so that separate commands can manage
 * the same fleet. Not thread-safe: one command manages a fleet at a time.
 */
public final class LocalFleet {
    /** One device process. */
    public record Device(String name, String deviceClass, long pid, String log) {
        /** @return true while the process runs */
        public boolean alive() {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    private final Path dir;
    private final Path config;
    private final List<Device> devices;

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
                throw new EdgetrainCommand.UserError(state + " is unreadable (" + e.getMessage() + "): delete it after "
                        + "stopping any edgetrain node processes by hand");
            }
        }
        return new LocalFleet(dir, config, devices);
    }

    /** @return the devices, alive or not */
    public List<Device> devices() {
        return List.copyOf(devices);
    }

    /** Starts a device process of class {@code deviceClass}, named after it with a running number. */
    public Device add(String deviceClass) {
        DeviceProfile profile;
        try {
            profile = DeviceProfile.of(deviceClass);
        } catch (IllegalArgumentException e) {
            throw new EdgetrainCommand.UserError(e.getMessage());
        }
        int n = 1;
        while (find(profile.name() + "-" + n).isPresent()) {
            n++;
        }
        String name = profile.name() + "-" + n;
        try {
            Files.createDirectories(dir);
            Path log = dir.resolve(name + ".out");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmFlags());
            command.add("-Xmx" + profile.heapMegabytes() + "m");
            command.add("-XX:+UseParallelGC");
            command.add("-Djava.net.preferIPv4Stack=true");
            command.add("-DIGNITE_QUIET=true");
            command.add("-DIGNITE_UPDATE_NOTIFIER=false");
            command.add("-Dedgetrain.device=" + name);
            command.add("-Dedgetrain.log.dir=" + dir.toAbsolutePath());
            command.add("-Dedgetrain.home=" + FleetOptions.home());
            command.add("-Dlog4j2.configurationFile=" + FleetOptions.home().resolve("ignite-config/log4j2-node.xml"));
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(EdgetrainCommand.class.getName());
            command.addAll(List.of("node", "--name", name, "--device", profile.name(), "--config", config.toString()));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().put("OMP_NUM_THREADS", "1");
            Process process = builder.start();
            Device device = new Device(name, profile.name(), process.pid(), log.toString());
            devices.add(device);
            save();
            return device;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start device " + name + ": " + e.getMessage(), e);
        }
    }

    /** Sends SIGKILL to a device: a crash, for tests and demos. */
    public void kill(String name) {
        Device device = find(name).orElseThrow(() -> new EdgetrainCommand.UserError("no device named " + name
                + " in " + dir + " (edgetrain cluster status lists them)"));
        ProcessHandle.of(device.pid()).ifPresent(ProcessHandle::destroyForcibly);
        devices.remove(device);
        save();
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
        devices.clear();
        save();
    }

    private Optional<Device> find(String name) {
        return devices.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    private void save() {
        Json.write(devices, dir.resolve("fleet.json"));
    }

    /** @return the JVM flags every edgetrain process needs, as built from the parent POM */
    static List<String> jvmFlags() {
        try (InputStream in = LocalFleet.class.getResourceAsStream("/edgetrain-jvm.flags")) {
            if (in == null) {
                throw new IllegalStateException("edgetrain-jvm.flags is missing from the classpath: rebuild with mvn package");
            }
            return Arrays.stream(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim().split("\\s+")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
