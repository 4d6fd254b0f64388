package org.edgetrain.compute.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.edgetrain.compute.cli.LocalFleet;
import org.edgetrain.compute.grid.DatasetLoader;
import org.edgetrain.compute.grid.FleetActivation;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.RoundPhases;
import org.edgetrain.model.cifar.CifarReader;
import org.edgetrain.model.cifar.SyntheticCifar;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.schedule.LearningRateSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault harness on three device processes: an undisturbed run, then the same job with a crash while devices train,
 * a hang (SIGSTOP past the failure detection) and a join between rounds. The invariants must hold and the run must
 * end as well as the undisturbed one. The long randomized run is {@code edgetrain bench faults --preset full}.
 */
@Timeout(600)
class FaultHarnessTest {
    @TempDir
    Path dir;

    @Test
    void crashHangAndJoinLoseNothingAndEndAsWellAsAnUndisturbedRun() throws Exception {
        Path config = dir.resolve("fleet.properties");
        Files.writeString(config, "discovery.addresses=127.0.0.1:49450..49459\nlocal.address=127.0.0.1\n"
                + "discovery.port=49450\ncommunication.port=49050\nclient.port=49470\nbackups=1\n");
        LocalFleet fleet = LocalFleet.open(dir.resolve("fleet"), config).throttled(LocalFleet.Throttle.NONE, 1);
        try {
            for (String device : List.of("pc", "pc", "rpi4")) {
                fleet.add(device);
            }
            NodeSettings client = NodeSettings.fromFile(config, "test-client", "client", 0).asClient();
            try (Ignite ignite = Ignition.start(NodeConfigurations.build(client))) {
                long joinDeadline = System.currentTimeMillis() + 180_000;
                while (ignite.cluster().forServers().nodes().size() < 3) {
                    assertTrue(System.currentTimeMillis() < joinDeadline, "devices did not join: " + fleet.devices());
                    Thread.sleep(250); // polling the topology with a deadline
                }
                DatasetLoader.load(ignite, new CifarReader().read(SyntheticCifar.write(dir, 40, 20, 21)), 1, n -> { });
                FaultHarness harness = new FaultHarness(fleet, ignite);

                ScenarioResult stable = harness.run("stable", job("stable"), 200, List.of(), Double.NaN, 300_000);
                assertTrue(stable.exactlyOnce(), "undisturbed run: " + stable);

                List<Injection> faults = List.of(
                        new Injection(Injection.Kind.CRASH, RoundPhases.Point.DISPATCHED, 1, "rpi4"),
                        new Injection(Injection.Kind.HANG, RoundPhases.Point.DISPATCHED, 4, "pc"),
                        new Injection(Injection.Kind.JOIN, RoundPhases.Point.COMMITTED, 7, "rpi4"));
                ScenarioResult faulty = harness.run("crash-hang-join", job("faulty"), 200, faults, stable.accuracy(), 400_000);

                assertEquals(3, faulty.injections().size(), "every fault injected: " + faulty.injections());
                assertTrue(faulty.exactlyOnce(), "every sample exactly once per epoch: " + faulty);
                assertEquals(0, faulty.lostCommittedRounds(), "no committed round lost");
                assertEquals(0, faulty.partitionsLost(), "one backup covers one fault at a time");
                for (ScenarioResult.InjectionResult injection : faulty.injections()) {
                    assertTrue(injection.detectionSeconds() >= 0 && injection.detectionSeconds() < 30, injection.toString());
                    assertTrue(injection.recoverySeconds() >= injection.detectionSeconds(), injection.toString());
                }
                assertTrue(Math.abs(faulty.accuracyDelta()) <= 0.2, "accuracy " + faulty.accuracy() + " vs undisturbed "
                        + stable.accuracy());
                FleetActivation.prepareWholeFleetStop(ignite);
            }
        } finally {
            fleet.down(20);
        }
    }

    /** The same job each time (same seed, so the same initial weights and data order), under another id. */
    private static JobSpec job(String id) {
        return new JobSpec(id, NetworkSpec.of("resnet8", 3), 6, 16, 0.5,
                new LearningRateSchedule("constant", 0.05, 6, 0), 0, 31, 1, true);
    }
}
