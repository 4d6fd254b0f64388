package org.edgetrain.compute.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;
import picocli.CommandLine.Option;

/** How a command reaches the fleet: a node configuration file and optional overrides. */
public final class FleetOptions {
    @Option(names = "--config", defaultValue = "${env:EDGETRAIN_CONFIG}",
            description = "node configuration (properties; env EDGETRAIN_CONFIG); default: ignite-config/loopback.properties")
    Path config;

    @Option(names = "--discovery", defaultValue = "${env:EDGETRAIN_DISCOVERY}",
            description = "override the discovery address list, e.g. 127.0.0.1:47500..47519 (env EDGETRAIN_DISCOVERY)")
    String discovery;

    /** @return settings for a node named {@code name} */
    public NodeSettings settings(String name, String deviceClass, double capability) {
        Path file = config != null ? config : defaultConfig();
        if (!Files.isRegularFile(file)) {
            throw new EdgetrainCommand.UserError("node configuration " + file + " does not exist: pass --config FILE "
                    + "(ignite-config/ has loopback.properties and lan.properties)");
        }
        try {
            NodeSettings settings = NodeSettings.fromFile(file, name, deviceClass, capability);
            return discovery == null || discovery.isBlank() ? settings : settings.withDiscovery(discovery);
        } catch (IllegalArgumentException e) {
            throw new EdgetrainCommand.UserError(e.getMessage());
        }
    }

    /**
     * @param timeoutSeconds how long to try to join: devices just started may need a while (a throttled JVM starts
     *     slowly, as a real Raspberry Pi does)
     * @return a client node joined to the fleet; close it to leave
     */
    public Ignite connect(long timeoutSeconds) {
        String previous = System.setProperty(NodeSettings.CLIENT_JOIN_TIMEOUT_PROPERTY, Long.toString(timeoutSeconds * 1000));
        try {
            return connect();
        } finally {
            if (previous == null) {
                System.clearProperty(NodeSettings.CLIENT_JOIN_TIMEOUT_PROPERTY);
            } else {
                System.setProperty(NodeSettings.CLIENT_JOIN_TIMEOUT_PROPERTY, previous);
            }
        }
    }

    /** @return a client node joined to the fleet; close it to leave */
    public Ignite connect() {
        NodeSettings settings = settings("client-" + ProcessHandle.current().pid(), "client", 0).asClient();
        try {
            return Ignition.start(NodeConfigurations.build(settings));
        } catch (RuntimeException e) {
            throw new EdgetrainCommand.UserError("cannot join the fleet at " + settings.discoveryAddresses() + " ("
                    + e.getMessage() + "): start devices first (edgetrain cluster up, or edgetrain node on each device)");
        }
    }

    /** @return the JDBC thin URL of the fleet's first device */
    public String jdbcUrl() {
        NodeSettings settings = settings("sql", "client", 0);
        String host = settings.discoveryAddresses().split(",")[0].split(":")[0];
        return "jdbc:ignite:thin://" + host + ":" + settings.clientConnectorPort();
    }

    /** @return backups of the data caches, as the node configuration says */
    public int backups() {
        return settings("tool", "client", 0).backups();
    }

    /** @return the node configuration file in use */
    public Path configPath() {
        return config != null ? config : defaultConfig();
    }

    /** Waits until {@code expected} devices are in the topology, failing with the devices' logs named. */
    public void awaitDevices(Ignite client, int expected, long timeoutSeconds, LocalFleet fleet) {
        long deadline = System.currentTimeMillis() + timeoutSeconds * 1000;
        while (client.cluster().forServers().nodes().size() < expected) {
            if (System.currentTimeMillis() > deadline) {
                throw new EdgetrainCommand.UserError(client.cluster().forServers().nodes().size() + " of " + expected
                        + " devices joined within " + timeoutSeconds + " s; see their logs: "
                        + fleet.devices().stream().map(LocalFleet.Device::log).toList());
            }
            try {
                Thread.sleep(250); // polling the topology with a deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        System.out.println(expected + " devices in the fleet");
    }

    /** Reads, verifies and loads CIFAR-10 ({@code null}: the default location) into the fleet. */
    public void load(Ignite client, Path cifar) {
        DatasetCommand.load(client, DatasetCommand.read(cifar != null ? cifar : defaultCifar()),
                backups());
    }

    /** @return data/cifar-10-binary.tar.gz when present, else the shared copy beside the checkout */
    public static Path defaultCifar() {
        Path local = home().resolve("data/cifar-10-binary.tar.gz");
        return Files.exists(local) ? local : home().resolve("../shared/datasets/cifar-10-binary.tar.gz").normalize();
    }

    static Path defaultConfig() {
        return home().resolve("ignite-config/loopback.properties");
    }

    /** @return the installation folder (set by bin/edgetrain), or the working directory */
    static Path home() {
        String home = System.getProperty("edgetrain.home");
        return home == null ? Path.of("").toAbsolutePath() : Path.of(home);
    }
}
