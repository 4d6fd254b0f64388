package org.edgetrain.compute.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.edgetrain.compute.faults.NetworkFaults;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.FleetActivation;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;
import org.edgetrain.compute.settings.SystemProperty;

/**
 * Device processes started as {@code edgetrain cluster up} starts them (one JVM each, unthrottled), on ports of their
 * own ({@link FleetPorts}), and a client node of the test's JVM joined to them. A crash is a SIGKILL, a hang a
 * SIGSTOP. The devices' logs are copied to {@code target/fleet-logs/} when it closes, so that a failure on CI can be
 * read afterwards.
 */
public final class ProcessFleet extends PortsAndConfig {
    /** How long a device may take to leave gracefully before it is killed (and the test told). */
    private static final long LEAVE_SECONDS = 120;
    /** How long the fleet may take to record that its devices are to stop without handing data over. */
    private static final long PREPARE_STOP_SECONDS = 30;

    private final LocalFleet fleet;
    /** The devices' network namespaces, or null for devices on loopback. */
    private final NetworkFaults network;
    private Ignite client;

    private ProcessFleet(Path dir, boolean persistent, NetworkFaults network) {
        super(dir);
        this.network = network;
        // Every test fleet keeps the trained-samples log, so the fault checks can audit sample by sample.
        this.fleet = LocalFleet.open(dir.resolve("fleet"), config()).throttled(LocalFleet.Throttle.NONE, 1)
                .persistent(persistent).checkedForFaults(dir.resolve("trained-samples"));
        if (network != null) {
            fleet.launchedThrough(network::prefix);
        }
    }

    /**
     * Starts {@code devices} (classes, e.g. {@code pc}, {@code rpi4@dl4j}), joins a client, waits until every
     * device is in.
     *
     * @param persistent with Ignite native persistence: each device keeps its data in {@code dir/fleet/work/NAME}
     */
    public static ProcessFleet start(Path dir, boolean persistent, List<String> devices) {
        return start(new ProcessFleet(dir, persistent, null), devices);
    }

    /**
     * Starts {@code devices} under memory limits ({@code cluster up --memory-limit}), on loopback, in memory. Needs a
     * writable cgroup v1 memory controller (root).
     */
    public static ProcessFleet startMemoryLimited(Path dir, LocalFleet.MemoryLimit limit, List<String> devices) {
        ProcessFleet fleet = new ProcessFleet(dir, false, null);
        fleet.fleet.memoryLimited(limit);
        return start(fleet, devices);
    }

    /**
     * Starts {@code devices} each in a network namespace of its own ({@link NetworkFaults}), in memory, and a client on
     * this host's end of their bridge. Needs root, ip and iptables.
     */
    public static ProcessFleet startNamespaced(Path dir, List<String> devices) {
        NetworkFaults network = NetworkFaults.create(devices.size() + 2, dir);
        ProcessFleet fleet;
        try {
            fleet = new ProcessFleet(dir, false, network);
        } catch (RuntimeException | Error e) {
            network.close();
            throw e;
        }
        return start(fleet, devices);
    }

    private static ProcessFleet start(ProcessFleet fleet, List<String> devices) {
        try {
            fleet.startDevices(devices);
        } catch (RuntimeException | Error e) {
            fleet.close();
            throw e;
        }
        return fleet;
    }

    private void startDevices(List<String> classes) {
        classes.forEach(fleet::add);
        joinClient();
        Waits.until("every device joined: " + fleet.devices(), 180,
                () -> client.cluster().forServers().nodes().size() >= classes.size());
    }

    private void joinClient() {
        // Device JVMs on a busy machine may take longer than a tool's 20 s to open their discovery port.
        String key = SystemProperty.CLIENT_JOIN_TIMEOUT_MILLIS.key();
        String previous = System.setProperty(key, "180000");
        try {
            Path clientConfig = network == null ? config() : network.clientConfig();
            client = Ignition.start(NodeConfigurations.build(
                    NodeSettings.fromFile(clientConfig, "test-client-" + ports.base(), "client", 0).asClient()));
        } finally {
            if (previous == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, previous);
            }
        }
    }

    /** @return the devices' node file: on loopback, or in their namespaces */
    @Override
    public Path config() {
        return network == null ? super.config() : network.deviceConfig();
    }

    /** @return the devices' network, to cut and shape links @throws IllegalStateException on a loopback fleet */
    public NetworkFaults network() {
        if (network == null) {
            throw new IllegalStateException("a loopback fleet has no network to break: use startNamespaced");
        }
        return network;
    }

    /** @return the device processes, for the fault harness */
    public LocalFleet processes() {
        return fleet;
    }

    @Override
    public Ignite client() {
        return client;
    }

    @Override
    public List<String> devices() {
        return fleet.devices().stream().map(LocalFleet.Device::name).toList();
    }

    @Override
    public String add(String deviceClass) {
        int before = client.cluster().forServers().nodes().size();
        String name = fleet.add(deviceClass).name();
        Waits.until(name + " joined", 180, () -> client.cluster().forServers().nodes().size() > before);
        return name;
    }

    @Override
    public void kill(String device) {
        fleet.kill(device);
    }

    /**
     * Crashes {@code devices} at once while no client node is attached, then joins a new client. A client node whose
     * discovery router is among several devices crashing together was seen (CI) to stay half-reconnected: the device
     * left waited for it in its partition exchange for minutes and wrote nothing meanwhile. A crash that takes most
     * of the fleet is tested here as devices meet it; what a tool attached at that moment does is a known limit
     * (README).
     */
    public void killTogether(List<String> devices) {
        client.close();
        client = null;
        devices.forEach(fleet::kill);
        joinClient();
    }

    @Override
    public void stop(String device) {
        if (!fleet.stop(device, LEAVE_SECONDS)) {
            throw new AssertionError(device + " did not leave gracefully within " + LEAVE_SECONDS
                    + " s: the fixture killed it");
        }
    }

    @Override
    public void hang(String device) {
        fleet.pause(device);
    }

    @Override
    public void resume(String device) {
        fleet.resume(device);
    }

    /**
     * A power cut: every device SIGKILLed at once, wherever its work stands, with no deactivation and no leave; then
     * the same devices (same names, so the same data folders) started again. The client is closed first (see
     * {@link #killTogether}) and a new one joins.
     */
    public void powerCut() {
        List<String> classes = fleet.devices().stream().map(LocalFleet.Device::deviceClass).toList();
        client.close();
        client = null;
        fleet.killAll();
        startDevices(classes);
    }

    /** Stops every device at once, as {@code cluster down} does, and starts devices of the same classes again. */
    @Override
    public void restart() {
        List<String> classes = fleet.devices().stream().map(LocalFleet.Device::deviceClass).toList();
        fleet.down(client, 30);
        client.close();
        client = null;
        startDevices(classes);
    }

    @Override
    public Path logs() {
        return Path.of("target", "fleet-logs", dir.getFileName().toString());
    }

    /**
     * Stops the devices (at once, without handing data over), then the client, whatever state the test left them in:
     * the fleet-wide step is a cluster-wide write that a fleet stuck in reorganizing may never finish, so it gets
     * {@value #PREPARE_STOP_SECONDS} s and the devices are stopped (killed if they linger) all the same.
     */
    @Override
    public void close() {
        try {
            if (client != null) {
                CompletableFuture.runAsync(() -> FleetActivation.prepareWholeFleetStop(client))
                        .get(PREPARE_STOP_SECONDS, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            System.err.println("the fleet did not take the stop policy (" + e + "): its devices are stopped anyway");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            fleet.down(20);
            if (client != null) {
                client.close();
            }
            keepLogs();
            if (network != null) {
                network.close();
            }
        }
    }

    private void keepLogs() {
        if (!Files.isDirectory(dir.resolve("fleet"))) {
            return;
        }
        try (Stream<Path> files = Files.list(dir.resolve("fleet"))) {
            Path target = Files.createDirectories(logs());
            for (Path log : files.filter(f -> f.toString().endsWith(".log") || f.toString().endsWith(".out")).toList()) {
                Files.copy(log, target.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println("device logs of " + dir + " not kept: " + e);
        }
    }
}
