package org.edgetrain.compute.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.testing.Fleets;
import org.edgetrain.compute.testing.TestJobs;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.RoundPhases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fault harness on three device processes: an undisturbed run, then the same job with a crash while devices train,
 * a hang (SIGSTOP past the failure detection) and a join between rounds. The invariants must hold and the run must
 * end as well as the undisturbed one. The long randomized run is {@code edgetrain bench faults --preset full}.
 */
@Timeout(600)
class FaultHarnessTest {
    @Test
    void crashHangAndJoinLoseNothingAndEndAsWellAsAnUndisturbedRun() throws Exception {
        Fleets.runWithNewFleet(List.of("pc", "pc", "rpi4"), fleet -> {
            Ignite ignite = fleet.client();
            // 200 test images: on 20, one model differing from another by 4 images already broke the 0.2 tolerance.
            fleet.loadSynthetic(40, 200, 21);
            FaultHarness harness = new FaultHarness(fleet.processes(), ignite);

            ScenarioResult stable = harness.run("stable", job("stable"), 200, List.of(), Double.NaN, 300_000);
            assertTrue(stable.exactlyOnce(), "undisturbed run: " + stable);

            List<Injection> faults = List.of(
                    new Injection(Injection.Kind.CRASH, RoundPhases.Point.DISPATCHED, 1, null),
                    new Injection(Injection.Kind.HANG, RoundPhases.Point.DISPATCHED, 4, null),
                    new Injection(Injection.Kind.JOIN, RoundPhases.Point.COMMITTED, 7, "rpi4"));
            ScenarioResult faulty = harness.run("crash-hang-join", job("faulty"), 200, faults, stable.accuracy(), 400_000);

            assertEquals(3, faulty.injections().size(), "every fault injected: " + faulty.injections());
            assertTrue(faulty.exactlyOnce(), "every sample exactly once per epoch: " + faulty);
            for (ScenarioResult run : List.of(stable, faulty)) {
                assertEquals(0, run.neverTrained(), "sample by sample, none left out of an epoch: " + run);
                assertEquals(0, run.trainedTwice(), "sample by sample, none trained twice in an epoch: " + run);
                assertEquals(0, run.forks(), "one line of model versions: " + run);
            }
            assertTrue(stable.metricsComplete(), "every round of the undisturbed run has its ROUNDS row: " + stable);
            assertEquals(0, faulty.lostCommittedRounds(), "no committed round lost");
            assertEquals(0, faulty.partitionsLost(), "one backup covers one fault at a time");
            for (ScenarioResult.InjectionResult injection : faulty.injections()) {
                assertTrue(injection.detectionSeconds() < 30, "noticed late: " + injection);
                assertTrue(injection.recoverySeconds() - injection.detectionSeconds() < 60,
                        "no round committed within a minute of noticing: " + injection);
                assertFalse(injection.forcedKill(), injection.toString());
            }
            // A crash closes the device's sockets and is seen at once; a hung device only after the failure detection.
            ScenarioResult.InjectionResult crash = faulty.injections().get(0);
            ScenarioResult.InjectionResult hang = faulty.injections().get(1);
            assertTrue(crash.detectionSeconds() < hang.detectionSeconds(), "crash " + crash + ", hang " + hang);
            // Devices train in time boxes, so even two undisturbed runs with one seed differ in their rounds; on this
            // 200-image job their accuracies were seen 0.7 and 1.0 apart. The bound says the fault did not wreck
            // learning (chance is 0.1; an undisturbed run was seen at 0.6), not that rounds replay exactly.
            assertTrue(faulty.accuracy() >= 0.5, "accuracy " + faulty.accuracy() + " vs undisturbed "
                    + stable.accuracy());
        });
    }

    /** The same job each time (same seed, so the same initial weights and data order), under another id. */
    private static JobSpec job(String id) {
        return TestJobs.small(id, "resnet8", 6, 0.5, 31).build();
    }
}
