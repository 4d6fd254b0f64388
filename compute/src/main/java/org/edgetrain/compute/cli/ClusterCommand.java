package org.edgetrain.compute.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.FleetActivation;
import org.edgetrain.compute.settings.Defaults;
import org.edgetrain.rebalancing.DeviceProfile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code edgetrain cluster}: device processes on this machine, for demos, tests and benchmarks. */
@Command(name = "cluster", mixinStandardHelpOptions = true, description = "Launch and manage local device processes.",
        subcommands = {ClusterCommand.Up.class, ClusterCommand.Down.class, ClusterCommand.Kill.class,
                ClusterCommand.Add.class, ClusterCommand.Stop.class, ClusterCommand.ListDevices.class,
                ClusterCommand.PrepareDown.class})
public final class ClusterCommand {
    /** Options shared by the subcommands. */
    static final class Where {
        @Option(names = "--dir", defaultValue = "runs/fleet", description = "fleet folder (state and device logs); default: ${DEFAULT-VALUE}")
        Path dir;

        @Mixin
        FleetOptions fleet;

        @Option(names = "--throttle", defaultValue = "AUTO", description = "how devices are slowed to their class: "
                + "${COMPLETION-CANDIDATES} (auto: cgroup CPU quota where writable, else duty cycle); default: ${DEFAULT-VALUE}",
                converter = ThrottleConverter.class)
        LocalFleet.Throttle throttle = LocalFleet.Throttle.AUTO;

        @Option(names = "--cpu-scale", defaultValue = "1.0", description = "multiplies each class's CPU share "
                + "(pc 1.0, jetson-nano 0.35, rpi4 0.2 cores); default: ${DEFAULT-VALUE}")
        double cpuScale = 1.0;

        @Option(names = "--profiles", description = "custom device classes (lines NAME.speed=0.5, NAME.heap-mb=1024)")
        Path profiles;

        @Option(names = "--memory-limit", description = "limit each device's memory as docker --memory does (a cgroup): "
                + "class (each class's own: pc 1024, jetson-nano 800, rpi4 600 MB) or a size (600, 600m, 1g); heaps "
                + "shrink to fit and devices size Ignite's data below it. Default: no limit")
        String memoryLimit;

        @Option(names = "--persistent", description = "devices keep data, model and metrics on disk (DIR/work/NAME): "
                + "after cluster down, cluster up with the same devices resumes the job where it stopped. Devices added "
                + "to a persistent fleet are persistent too")
        boolean persistent;

        LocalFleet open() {
            if (profiles != null) {
                System.setProperty(DeviceProfile.PROFILES_PROPERTY, profiles.toAbsolutePath().toString());
            }
            LocalFleet.MemoryLimit memory = null;
            if (memoryLimit != null) {
                try {
                    memory = LocalFleet.MemoryLimit.parse(memoryLimit);
                } catch (IllegalArgumentException e) {
                    throw new EdgetrainCommand.UserError("--memory-limit: " + e.getMessage());
                }
            }
            return LocalFleet.open(dir, fleet.configPath()).throttled(throttle, cpuScale).persistent(persistent)
                    .memoryLimited(memory);
        }
    }

    /** Case-insensitive names of {@link LocalFleet.Throttle}. */
    static final class ThrottleConverter implements picocli.CommandLine.ITypeConverter<LocalFleet.Throttle> {
        @Override
        public LocalFleet.Throttle convert(String value) {
            return LocalFleet.Throttle.valueOf(value.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /**
     * Starts devices and waits until all have joined.
     *
     * @return the fleet
     */
    static LocalFleet up(Where where, java.util.List<String> classes, long timeoutSeconds) {
        LocalFleet fleet = where.open();
        requireKnownClasses(classes);
        int expected = (int) fleet.devices().stream().filter(LocalFleet.Device::alive).count() + classes.size();
        java.util.List<LocalFleet.Device> started = new java.util.ArrayList<>();
        try {
            for (String deviceClass : classes) {
                LocalFleet.Device device = fleet.add(deviceClass.trim());
                started.add(device);
                System.out.println("started " + device.name() + " (pid " + device.pid() + ", limit " + device.limit()
                        + ", log " + device.log() + ")");
            }
            awaitJoined(where, fleet, expected, timeoutSeconds);
        } catch (RuntimeException e) {
            // A command that fails midway stops what it started: no orphan device for a later status to find.
            for (LocalFleet.Device device : started) {
                fleet.kill(device.name());
            }
            throw e;
        }
        return fleet;
    }

    /**
     * @throws EdgetrainCommand.UserError naming the first unknown class and the known ones, before anything starts
     */
    static void requireKnownClasses(java.util.List<String> classes) {
        for (String deviceClass : classes) {
            try {
                LocalFleet.DeviceRequest.parse(deviceClass);
            } catch (IllegalArgumentException e) {
                throw new EdgetrainCommand.UserError(e.getMessage());
            }
        }
    }

    private static void awaitJoined(Where where, LocalFleet fleet, int expected, long timeoutSeconds) {
        try (Ignite client = where.fleet.connectAsIs(timeoutSeconds)) {
            where.fleet.awaitDevices(client, expected, timeoutSeconds, fleet);
            // A new persistent fleet is activated with every device it was started with as its baseline.
            String activated = FleetActivation.ensureActive(client, FleetOptions.ACTIVATION_TIMEOUT_MILLIS);
            if (activated != null) {
                System.out.println(activated);
            }
        } catch (IllegalStateException e) {
            throw new EdgetrainCommand.UserError(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true, description = "Start device processes and wait until they joined.")
    static final class Up implements Callable<Integer> {
        @Mixin
        Where where;

        @Option(names = "--devices", split = ",", defaultValue = Defaults.DEVICE_CLASSES, description = "device classes, "
                + "each CLASS or CLASS@ENGINE (a device on that engine whatever the job asks); default: ${DEFAULT-VALUE}")
        java.util.List<String> devices;

        @Option(names = "--timeout", defaultValue = Defaults.JOIN_TIMEOUT_SECONDS, description = "seconds to wait for the joins; default: ${DEFAULT-VALUE}")
        long timeout;

        @Override
        public Integer call() {
            up(where, devices, timeout);
            return 0;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Stop every device gracefully (SIGTERM).")
    static final class Down implements Callable<Integer> {
        @Mixin
        Where where;

        @Override
        public Integer call() {
            LocalFleet fleet = where.open();
            int n = fleet.devices().size();
            if (n > 0) {
                try (Ignite client = where.fleet.connectAsIs(10)) {
                    fleet.down(client, 30);
                } catch (EdgetrainCommand.UserError unreachable) {
                    fleet.down(30);
                }
            }
            System.out.println("stopped " + n + " device(s)");
            return 0;
        }
    }

    /**
     * What {@code down} does before its signals, for a fleet whose processes something else stops (Docker Compose,
     * systemd): devices stopped together under the graceful policy would each wait for the others to take their
     * partitions (the last one waited out Docker's whole grace period), and a persistent fleet must be deactivated so
     * that its restart finds every copy.
     */
    @Command(name = "prepare-down", mixinStandardHelpOptions = true, description = "Ready a fleet started elsewhere "
            + "(Docker, systemd) for a whole-fleet stop: its devices then stop at once, and a persistent fleet is "
            + "deactivated so that it restarts from its last committed round. Then stop them (docker-compose down).")
    static final class PrepareDown implements Callable<Integer> {
        @Mixin
        FleetOptions fleet;

        @Override
        public Integer call() {
            try (Ignite client = fleet.connectAsIs(30)) {
                FleetActivation.prepareWholeFleetStop(client);
            }
            System.out.println("ready: stop every device now (their data stays on disk if the fleet is persistent)");
            return 0;
        }
    }

    @Command(name = "kill", mixinStandardHelpOptions = true, description = "Crash a device (SIGKILL).")
    static final class Kill implements Callable<Integer> {
        @Mixin
        Where where;

        @Parameters(paramLabel = "NAME", description = "device name, e.g. rpi4-1")
        String name;

        @Override
        public Integer call() {
            where.open().kill(name);
            System.out.println("killed " + name);
            return 0;
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true, description = "Let one device leave gracefully (SIGTERM).")
    static final class Stop implements Callable<Integer> {
        /** How long a device may take to hand its partitions over before it is killed. */
        private static final long LEAVE_SECONDS = 120;

        @Mixin
        Where where;

        @Parameters(paramLabel = "NAME", description = "device name, e.g. rpi4-1")
        String name;

        @Override
        public Integer call() {
            if (!where.open().stop(name, LEAVE_SECONDS)) {
                System.err.println("edgetrain: " + name + " did not leave within " + LEAVE_SECONDS + " s and was killed; "
                        + "its partitions are restored from their backups");
                return 1;
            }
            System.out.println(name + " left the fleet");
            return 0;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Start one more device and wait until it joined.")
    static final class Add implements Callable<Integer> {
        @Mixin
        Where where;

        @Parameters(paramLabel = "DEVICE", description = "device class: pc, jetson-nano or rpi4")
        String deviceClass;

        @Override
        public Integer call() {
            up(where, java.util.List.of(deviceClass), Integer.parseInt(Defaults.JOIN_TIMEOUT_SECONDS));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the local device processes.")
    static final class ListDevices implements Callable<Integer> {
        @Mixin
        Where where;

        @Override
        public Integer call() {
            for (LocalFleet.Device d : where.open().devices()) {
                System.out.printf("%-16s %-12s pid %-8d %-8s %-16s %s%n", d.name(), d.deviceClass(), d.pid(),
                        d.alive() ? "running" : "gone", d.limit(), d.log());
            }
            return 0;
        }
    }
}
