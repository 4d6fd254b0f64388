package org.edgetrain.compute;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.FleetActivation;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;
import org.edgetrain.compute.settings.SystemProperty;

/**
 * Test fixture: device processes started the way {@code edgetrain cluster up} starts them (one JVM each, unthrottled),
 * and a client node of the test's JVM joined to them. Closing it stops the whole fleet, also when the test failed, and
 * keeps the devices' logs under {@code target/fleet-logs/} so that a failure on CI can be read afterwards.
 */
public final class DeviceFleet implements AutoCloseable {
    private final Path dir;
    private final Path config;
    private final LocalFleet fleet;
    private Ignite client;

    private DeviceFleet(Path dir, Path config, LocalFleet fleet) {
        this.dir = dir;
        this.config = config;
        this.fleet = fleet;
    }

    /**
     * Writes a node configuration for a fleet on 127.0.0.1 with one backup: discovery on {@code port} (and the nine
     * next ports), communication from {@code port - 400}, JDBC from {@code port + 20}.
     */
    public static Path config(Path dir, int port) throws IOException {
        Path config = dir.resolve("fleet-" + port + ".properties");
        Files.writeString(config, "discovery.addresses=127.0.0.1:" + port + ".." + (port + 9) + "\nlocal.address=127.0.0.1\n"
                + "discovery.port=" + port + "\ncommunication.port=" + (port - 400) + "\nclient.port=" + (port + 20)
                + "\nbackups=1\n");
        return config;
    }

    /** Starts {@code devices} (classes) under {@code dir}, joins a client and waits until every device is in. */
    public static DeviceFleet start(Path dir, int port, String... devices) throws IOException, InterruptedException {
        return start(dir, port, false, devices);
    }

    /** The same with native persistence: each device keeps its data in {@code dir/fleet/work/NAME}. */
    public static DeviceFleet start(Path dir, int port, boolean persistent, String... devices)
            throws IOException, InterruptedException {
        Path config = config(dir, port);
        DeviceFleet fleet = new DeviceFleet(dir, config, LocalFleet.open(dir.resolve("fleet"), config)
                .throttled(LocalFleet.Throttle.NONE, 1).persistent(persistent));
        try {
            fleet.startDevices(List.of(devices));
        } catch (RuntimeException | Error | InterruptedException e) {
            fleet.close();
            throw e;
        }
        return fleet;
    }

    /** Starts {@code devices} and a new client node (after {@link #stopAll()}), and waits until every device is in. */
    public void startDevices(List<String> devices) throws InterruptedException {
        devices.forEach(fleet::add);
        // Device JVMs on a busy machine may take longer than a tool's 20 s to open their discovery port.
        String previous = System.setProperty(SystemProperty.CLIENT_JOIN_TIMEOUT_MILLIS.key(), "180000");
        try {
            client = Ignition.start(NodeConfigurations.build(
                    NodeSettings.fromFile(config, "test-client", "client", 0).asClient()));
        } finally {
            if (previous == null) {
                System.clearProperty(SystemProperty.CLIENT_JOIN_TIMEOUT_MILLIS.key());
            } else {
                System.setProperty(SystemProperty.CLIENT_JOIN_TIMEOUT_MILLIS.key(), previous);
            }
        }
        awaitServers(devices.size());
    }

    /** @return the test's client node */
    public Ignite client() {
        return client;
    }

    /** @return the device processes */
    public LocalFleet fleet() {
        return fleet;
    }

    /** Waits until at least {@code count} devices are in the topology. */
    public void awaitServers(int count) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 180_000;
        while (client.cluster().forServers().nodes().size() < count) {
            assertTrue(System.currentTimeMillis() < deadline, "devices did not join: " + fleet.devices());
            Thread.sleep(250); // polling the topology with a deadline
        }
    }

    /** Stops every device at once, as {@code cluster down} does, and the client node. */
    public void stopAll() {
        if (client != null) {
            fleet.down(client, 30);
            client.close();
            client = null;
        }
        fleet.down(20);
    }

    @Override
    public void close() throws IOException {
        try {
            if (client != null) {
                FleetActivation.prepareWholeFleetStop(client);
            }
        } catch (RuntimeException e) {
            // the fleet is already gone: the processes are stopped below all the same
        } finally {
            if (client != null) {
                client.close();
            }
            fleet.down(20);
            keepLogs();
        }
    }

    private void keepLogs() throws IOException {
        if (!Files.isDirectory(dir.resolve("fleet"))) {
            return;
        }
        Path target = Files.createDirectories(Path.of("target", "fleet-logs", dir.getFileName().toString()));
        try (Stream<Path> files = Files.list(dir.resolve("fleet"))) {
            for (Path log : files.filter(f -> f.toString().endsWith(".log") || f.toString().endsWith(".out")).toList()) {
                Files.copy(log, target.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
