package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.ignite.Ignite;
import org.apache.ignite.cache.CachePeekMode;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.Reconnects;
import org.edgetrain.compute.testing.Fleets;
import org.edgetrain.compute.testing.TestJobs;
import org.edgetrain.compute.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shared state, the metrics and the coordinator live on the most capable devices, and follow them when the
 * strongest leaves; real in-process Ignite nodes of different declared capability.
 */
@Timeout(600)
class CoordinatorPlacementTest {
    @Test
    void stateAndCoordinatorSitOnTheStrongestDevicesAndMoveWhenTheStrongestLeaves() throws Exception {
        Fleets.runWithNewFleet(0, cluster -> {
            // The weak devices start first: Ignite's oldest node is where a plain cluster singleton would go.
            Ignite weak1 = cluster.add("weak-1", 20);
            Ignite weak2 = cluster.add("weak-2", 20);
            cluster.add("pc", 100);
            cluster.add("nano", 35);
            cluster.loadSynthetic(300, 20, 8);
            JobSpec job = TestJobs.small("placement-job", "resnet8", 3, 0.5, 21).build();
            JobSubmitter.submit(weak1, job);
            Waits.version(weak1, 1);

            assertEquals(List.of("pc", "nano", "weak-1"), owners(weak1, GridNames.MODEL));
            assertEquals(List.of("pc", "nano", "weak-1"), owners(weak1, GridNames.PROGRESS));
            assertEquals(List.of("pc", "nano", "weak-1"), owners(weak1, "sql_device_rounds"));
            assertEquals(0, weak2.cache(GridNames.MODEL).localSize(CachePeekMode.ALL), "the weakest device holds no model");
            assertEquals("pc", coordinatorDevice(weak1));

            cluster.stop("pc");
            Waits.until("the coordinator moved to the next strongest", 120, () -> "nano".equals(coordinatorDevice(weak1)));
            ModelState last = Waits.finished(weak1, 300);

            assertEquals(List.of("nano", "weak-1", "weak-2"), owners(weak1, GridNames.MODEL));
            assertEquals(3 * 5 * 300, last.samplesCommitted(), "every sample once per epoch across the move");
        });
    }

    private static List<String> owners(Ignite ignite, String cache) {
        return ignite.affinity(cache).mapPartitionToPrimaryAndBackups(0).stream()
                .map(n -> String.valueOf(n.consistentId())).toList();
    }

    /** @return the device running the coordinator, or null while none does (it moves) */
    private static String coordinatorDevice(Ignite ignite) {
        return Reconnects.read(ignite, i -> CoordinatorElection.host(i).orElse(null));
    }
}
