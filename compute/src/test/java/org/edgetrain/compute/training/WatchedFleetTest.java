package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.apache.ignite.configuration.ClientConfiguration;
import org.apache.ignite.events.DiscoveryEvent;
import org.apache.ignite.events.EventType;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.FleetQueries;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;
import org.edgetrain.compute.grid.ThinFleetReader;
import org.edgetrain.compute.testing.Fleets;
import org.edgetrain.compute.testing.TestJobs;
import org.edgetrain.compute.ui.FleetStatusJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Watching a job must not break the fleet (issue: a device halted when {@code status} was polled while training).
 * Devices are separate JVMs, as {@code edgetrain cluster up} starts them: a device that halts ends its process, which
 * an in-process test could not survive to see.
 */
@Timeout(600)
class WatchedFleetTest {
    @Test
    void clientsJoiningAndLeavingWhileAJobTrainsCostNoDevice() throws Exception {
        Fleets.runWithNewFleet(List.of("pc", "pc", "rpi4"), fleet -> {
            Ignite ignite = fleet.client();
            AtomicInteger devicesLost = new AtomicInteger();
            ignite.events().localListen(event -> {
                if (!((DiscoveryEvent) event).eventNode().isClient()) {
                    devicesLost.incrementAndGet();
                }
                return true;
            }, EventType.EVT_NODE_LEFT, EventType.EVT_NODE_FAILED);
            fleet.loadSynthetic(60, 20, 21);
            JobSpec job = TestJobs.small("watched", "resnet8", 2, 1.0, 29).build();
            JobSubmitter.submit(ignite, job);

            // What a user watching the job runs in a loop: tools that join as client nodes (the old status, train
            // --wait, dataset load) and thin-client readers (status, ui, train's following now). The first join comes
            // right after the submission, when the coordinator starts: the moment the halts happened.
            NodeSettings tool = NodeSettings.fromFile(fleet.config(), "watcher", "client", 0);
            ClientConfiguration thin = new ClientConfiguration().setAddresses("127.0.0.1:" + fleet.clientPort() + ".."
                    + (fleet.clientPort() + NodeConfigurations.CLIENT_PORT_RANGE - 1));
            int joins = 0;
            java.util.Set<String> coordinators = new java.util.TreeSet<>();
            long deadline = System.currentTimeMillis() + 300_000;
            while (!JobSubmitter.current(ignite).finished()) {
                assertTrue(System.currentTimeMillis() < deadline, "job did not finish: " + JobSubmitter.current(ignite));
                try (Ignite client = Ignition.start(NodeConfigurations.build(tool.asClient("watcher-" + joins)))) {
                    assertTrue(JobSubmitter.current(client) != null);
                }
                joins++;
                try (ThinFleetReader reader = ThinFleetReader.connect(thin)) {
                    assertTrue(FleetStatusJson.of(reader).contains("\"watched\""));
                    String coordinator = org.edgetrain.compute.grid.FleetQueries.coordinator(reader);
                    if (coordinator != null) {
                        coordinators.add(coordinator);
                    }
                }
            }
            ModelState last = JobSubmitter.current(ignite);
            System.out.println("watched the job with " + joins + " client joins and as many thin-client reads");

            assertTrue(joins >= 3, "the clients joined only " + joins + " times while the job trained");
            assertEquals(0, devicesLost.get(), "devices left the fleet while clients came and went");
            assertEquals(1, coordinators.size(), "status must name the one device that coordinates: " + coordinators);
            assertEquals(3, ignite.cluster().forServers().nodes().size());
            assertEquals(600, last.samplesCommitted(), "2 epochs of 300 samples, none lost or repeated");
            assertTrue(ignite.services().serviceDescriptors().isEmpty(), "edgetrain deploys no Ignite service");
            for (LocalFleet.Device device : fleet.processes().devices()) {
                Path out = Path.of(device.log());
                for (Path log : List.of(out, out.resolveSibling(device.name() + ".log"))) {
                    if (Files.exists(log)) {
                        String text = Files.readString(log);
                        assertFalse(text.contains("Critical system error"), device.name() + " had a critical failure: " + log);
                        assertFalse(text.contains("JVM will be halted"), device.name() + " halted: " + log);
                    }
                }
            }
        });
    }
}
