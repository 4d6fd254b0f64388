package org.edgetrain.bench;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.edgetrain.compute.cli.EdgetrainCommand;
import org.edgetrain.compute.faults.NetworkFaults;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;
import org.edgetrain.compute.grid.Reconnects;
import org.edgetrain.compute.settings.SystemProperty;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.compute.training.ModelState;

/** What the presets of {@code bench faults} that run devices in network namespaces share. */
final class Namespaced {
    private Namespaced() {
    }

    /** @throws EdgetrainCommand.UserError naming what is missing when this host cannot make namespaced fleets */
    static void require(String preset, String what) {
        String missing = NetworkFaults.missing();
        if (missing != null) {
            throw new EdgetrainCommand.UserError("--preset " + preset + " puts each device in a network namespace and "
                    + what + ": " + missing);
        }
    }

    /** @return a fault-checked fleet in {@code dir} whose devices start in {@code network}'s namespaces, unthrottled */
    static LocalFleet fleet(Path dir, NetworkFaults network) {
        return LocalFleet.open(dir, network.deviceConfig()).throttled(LocalFleet.Throttle.NONE, 1)
                .launchedThrough(network::prefix).checkedForFaults(dir.resolve("trained-samples"));
    }

    /** @return the version of the fleet's committed model, 0 before a job was submitted */
    static long committedVersion(Ignite client) {
        ModelState state = Reconnects.read(client, JobSubmitter::current);
        return state == null ? 0 : state.version();
    }

    /** Waits until the fleet has committed {@code version}; a fleet cut off and rejoining is read again. */
    static void awaitVersion(Ignite client, long version, Duration timeout) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (committedVersion(client) < version) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the fleet did not commit v" + version + " within " + timeout.toSeconds()
                        + " s");
            }
            Thread.sleep(250); // polling the committed model with a deadline
        }
    }

    /** @return a client on the host's end of the bridge, once {@code devices} devices are in */
    static Ignite join(NetworkFaults network, int devices) {
        String key = SystemProperty.CLIENT_JOIN_TIMEOUT_MILLIS.key();
        System.setProperty(key, "240000"); // device JVMs starting on a busy host open their ports late
        try {
            Ignite client = Ignition.start(NodeConfigurations.build(NodeSettings.fromFile(network.clientConfig(),
                    "bench-client", "client", 0).asClient()));
            long deadline = System.currentTimeMillis() + 240_000;
            while (client.cluster().forServers().nodes().size() < devices) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("not every device joined within 240 s");
                }
                Thread.sleep(250); // polling the topology with a deadline
            }
            return client;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            System.clearProperty(key);
        }
    }
}
