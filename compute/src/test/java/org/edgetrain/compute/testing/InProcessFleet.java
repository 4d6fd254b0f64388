package org.edgetrain.compute.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.apache.ignite.ShutdownPolicy;
import org.edgetrain.compute.device.EdgetrainNode;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;
import org.edgetrain.compute.training.RoundCoordinator;

/**
 * Devices as Ignite server nodes in the test's JVM, each run as {@code edgetrain node} runs it ({@link EdgetrainNode}),
 * on loopback ports of their own ({@link FleetPorts}). Fast to start; a crash is a node stopped with its jobs
 * cancelled, a hang is not possible (one JVM).
 */
public final class InProcessFleet extends PortsAndConfig {
    private final Map<String, EdgetrainNode> devices = new LinkedHashMap<>();
    private final Map<String, Double> capabilities = new LinkedHashMap<>();
    private final List<Ignite> clients = new ArrayList<>();
    private Ignite client;

    private InProcessFleet(Path dir) {
        super(dir);
    }

    /** Starts {@code count} devices named {@code dev0..} (the client node joins when first asked for). */
    public static InProcessFleet start(Path dir, int count) {
        InProcessFleet fleet = new InProcessFleet(dir);
        try {
            for (int i = 0; i < count; i++) {
                fleet.add("dev" + i, 1.0);
            }
        } catch (RuntimeException e) {
            fleet.close();
            throw e;
        }
        return fleet;
    }

    /**
     * Starts a device named {@code name} declaring {@code capability} (its calibrated images/s, as placement sees it).
     *
     * @return its node
     */
    public Ignite add(String name, double capability) {
        devices.put(name, EdgetrainNode.start(settings(name, false, capability)));
        capabilities.put(name, capability);
        return devices.get(name).ignite();
    }

    /** Starts one more client node (a tool's) named {@code name}. */
    public Ignite client(String name) {
        Ignite node = Ignition.start(NodeConfigurations.build(settings(name, true, 1.0)));
        clients.add(node);
        return node;
    }

    /** @return device {@code name}'s node */
    public Ignite node(String name) {
        EdgetrainNode node = devices.get(name);
        if (node == null) {
            throw new IllegalArgumentException("no device " + name + " in " + devices.keySet());
        }
        return node.ignite();
    }

    private NodeSettings settings(String name, boolean client, double capability) {
        return new NodeSettings(name, "pc", capability, client, ports.discoveryAddresses(), "127.0.0.1",
                ports.discovery(), ports.communication(), ports.client(), null, 1, null, false, false,
                NodeSettings.DEFAULT_FAILURE_DETECTION_MILLIS);
    }

    /** @return the test's client node, joining it first if needed (a client joins only a fleet with devices) */
    @Override
    public Ignite client() {
        if (client == null) {
            client = client("test-client");
        }
        return client;
    }

    @Override
    public List<String> devices() {
        return List.copyOf(devices.keySet());
    }

    /** Starts a device named {@code dev<N>} (the class is only a label here: every device is this JVM). */
    @Override
    public String add(String deviceClass) {
        String name = "dev" + devices.size();
        for (int i = devices.size(); devices.containsKey(name); i++) {
            name = "dev" + i;
        }
        add(name, 1.0);
        return name;
    }

    @Override
    public void kill(String device) {
        remove(device).kill();
    }

    @Override
    public void stop(String device) {
        remove(device).close();
    }

    @Override
    public void hang(String device) {
        throw new UnsupportedOperationException("a device in the test's JVM cannot hang alone: use a ProcessFleet");
    }

    @Override
    public void resume(String device) {
        throw new UnsupportedOperationException("a device in the test's JVM cannot hang alone: use a ProcessFleet");
    }

    @Override
    public void restart() {
        Map<String, Double> again = new LinkedHashMap<>(capabilities);
        stopAll();
        again.forEach(this::add);
    }

    @Override
    public Path logs() {
        return Path.of("target", "surefire-reports"); // the nodes log into the test class's output file there
    }

    private EdgetrainNode remove(String device) {
        EdgetrainNode node = devices.remove(device);
        capabilities.remove(device);
        if (node == null) {
            throw new IllegalArgumentException("no device " + device + " in " + devices.keySet());
        }
        return node;
    }

    private void stopAll() {
        if (!devices.isEmpty()) {
            try {
                // Devices leaving one by one under the graceful policy would wait for each other's backups forever.
                devices.values().iterator().next().ignite().cluster().shutdownPolicy(ShutdownPolicy.IMMEDIATE);
            } catch (RuntimeException ignored) {
                // stopped below all the same
            }
        }
        for (Ignite node : clients) {
            stopQuietly(() -> Ignition.stop(node.name(), true));
        }
        clients.clear();
        client = null;
        for (EdgetrainNode node : devices.values()) {
            stopQuietly(node::kill);
        }
        devices.clear();
        capabilities.clear();
    }

    private static void stopQuietly(Runnable stop) {
        try {
            stop.run();
        } catch (RuntimeException ignored) {
            // keep stopping the others
        }
    }

    /** Stops every node, and clears the process-wide commit listener a test may have set for these devices. */
    @Override
    public void close() {
        stopAll();
        RoundCoordinator.setCommitListener(null);
    }
}
