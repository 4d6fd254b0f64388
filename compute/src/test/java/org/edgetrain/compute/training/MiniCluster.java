package org.edgetrain.compute.training;

import java.util.ArrayList;
import java.util.List;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;

/**
 * Real Ignite server nodes in this JVM on loopback, for tests. Ports are taken from a range of its own so a
 * test's cluster never meets another's; {@link #close()} stops every node even after a failure.
 */
final class MiniCluster implements AutoCloseable {
    private final List<Ignite> nodes = new ArrayList<>();
    private final int basePort;

    private MiniCluster(int basePort) {
        this.basePort = basePort;
    }

    /** Starts {@code count} device nodes named {@code dev0..}. */
    static MiniCluster start(int count, int basePort) {
        MiniCluster cluster = new MiniCluster(basePort);
        try {
            for (int i = 0; i < count; i++) {
                cluster.add("dev" + i);
            }
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    Ignite add(String name) {
        return add(name, 1.0);
    }

    /** Starts a device node declaring {@code capability} (its calibrated images/s, as placement sees it). */
    Ignite add(String name, double capability) {
        Ignite node = Ignition.start(NodeConfigurations.build(settings(name, false, capability)));
        nodes.add(node);
        return node;
    }

    Ignite client(String name) {
        Ignite node = Ignition.start(NodeConfigurations.build(settings(name, true, 1.0)));
        nodes.add(node);
        return node;
    }

    NodeSettings settings(String name, boolean client, double capability) {
        NodeSettings s = new NodeSettings(name, "pc", capability, client,
                "127.0.0.1:" + basePort + ".." + (basePort + 9), "127.0.0.1", basePort, basePort - 400,
                basePort + 20, null, 1, null, false, false, NodeSettings.DEFAULT_FAILURE_DETECTION_MILLIS);
        return s;
    }

    /** @return the JDBC URL of the first node's client connector */
    String jdbcUrl() {
        return "jdbc:ignite:thin://127.0.0.1:" + (basePort + 20);
    }

    List<Ignite> nodes() {
        return nodes;
    }

    void stop(Ignite node) {
        nodes.remove(node);
        Ignition.stop(node.name(), true);
    }

    @Override
    public void close() {
        if (!nodes.isEmpty()) {
            try {
                nodes.get(0).cluster().shutdownPolicy(org.apache.ignite.ShutdownPolicy.IMMEDIATE); // stopping all of them
            } catch (RuntimeException ignored) {
                // stop them anyway
            }
        }
        for (Ignite node : List.copyOf(nodes)) {
            try {
                Ignition.stop(node.name(), true);
            } catch (RuntimeException ignored) {
                // keep stopping the others
            }
        }
        nodes.clear();
    }
}
