package org.edgetrain.compute.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.grid.DatasetLoader;
import org.edgetrain.compute.grid.FleetQueries;
import org.edgetrain.compute.grid.FleetReader;
import org.edgetrain.compute.grid.Reconnects;
import org.edgetrain.compute.testing.Fleets;
import org.edgetrain.compute.testing.TestJobs;
import org.edgetrain.compute.testing.Waits;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.model.cifar.CifarReader;
import org.edgetrain.model.cifar.SyntheticCifar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A fleet cut in two by a real network: five device processes, each in a network namespace of its own, links cut with
 * iptables ({@link NetworkFaults}, {@link PartitionScenarios}). One model history, never two: with the coordinator on
 * the smaller side, that side stops committing and says so (NO_QUORUM), the larger side trains on, and on heal the
 * smaller side's devices rejoin by themselves; the coordinator's device alone behind a cut; then an even split (after a
 * graceful leave) stops both halves until it heals. After each, the committed history is one line with one checksum
 * per version, nothing committed is missing, the rounds' samples are the model's, and, sample by sample
 * ({@link SampleAudit}), every finished epoch trained each sample once.
 */
@Timeout(400)
class PartitionTest {
    @BeforeAll
    static void needsNetworkNamespaces() {
        String missing = NetworkFaults.missing();
        assumeTrue(missing == null, "network fault tests skipped: " + missing);
    }

    @Test
    void aCutFleetKeepsOneModelHistoryAndHealsByItself() throws Exception {
        Fleets.runWithNamespacedFleet(List.of("pc", "pc", "pc", "rpi4", "rpi4"), fleet -> {
            Ignite client = fleet.client();
            // Two backups: a cut that takes two devices away leaves every partition a copy on the larger side.
            DatasetLoader.load(client, new CifarReader().read(SyntheticCifar.write(fleet.dir().resolve("cifar"), 40, 50,
                    5)), 2, n -> { });
            JobSubmitter.submit(client, TestJobs.small("split", "resnet8", 1000, 1.0, 17).build());
            Waits.version(client, 2);
            PartitionScenarios scenarios = new PartitionScenarios(fleet.processes(), fleet.network(), client, "split");

            for (PartitionScenarios.Kind kind : List.of(PartitionScenarios.Kind.CUT_COORDINATOR_MINORITY,
                    PartitionScenarios.Kind.COORDINATOR_ISOLATED, PartitionScenarios.Kind.EVEN_SPLIT)) {
                PartitionScenarios.Result result = scenarios.run(kind);
                assertEquals(0, result.forks(), "one model history: " + result);
                assertEquals(0, result.minorityCommits(), "no commit without quorum: " + result);
                assertEquals(0, result.lostCommittedRounds(), "no committed round lost: " + result);
                assertTrue(result.exactlyOnce(), "the rounds' samples are the model's: " + result);
                assertEquals(0, result.neverTrained(), "sample by sample, none left out of a finished epoch: " + result);
                assertEquals(0, result.trainedTwice(), "sample by sample, none trained twice in an epoch: " + result);
                if (kind == PartitionScenarios.Kind.EVEN_SPLIT) {
                    assertEquals(-1, result.recoverySeconds(), "neither half may commit: " + result);
                } else {
                    assertTrue(result.recoverySeconds() > 0, "the larger side committed: " + result);
                }
            }
            // What `status` says after the even split healed: the quorum was lost and is back.
            FleetQueries.Quorum quorum = Reconnects.read(client, i -> FleetQueries.quorum(FleetReader.of(i)));
            assertTrue(quorum != null && quorum.held(), "status's quorum after the heal: " + quorum);
            Reconnects.read(client, ignite -> {
                JobSubmitter.stop(ignite);
                return null;
            });
            Waits.finished(client, 120);
        });
    }
}
