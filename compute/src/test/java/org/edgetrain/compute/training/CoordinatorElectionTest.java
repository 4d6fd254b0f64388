package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.grid.EventKind;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.testing.Fleets;
import org.edgetrain.compute.testing.TestJobs;
import org.edgetrain.compute.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Where the coordinator runs, and that it comes back when it dies; real in-process Ignite nodes. */
@Timeout(600)
class CoordinatorElectionTest {
    @Test
    void aCoordinatorThatDiesIsStartedAgainAndTheJobLosesNoSample() throws Exception {
        AtomicBoolean failed = new AtomicBoolean();
        RoundCoordinator.setCommitListener((state, advances) -> {
            if (state.version() == 1 && failed.compareAndSet(false, true)) {
                throw new AssertionError("injected: the coordinator's thread dies after committing v1");
            }
        });
        Fleets.runWithNewFleet(2, fleet -> {
            Ignite ignite = fleet.client();
            fleet.loadSynthetic(20, 20, 12);
            JobSpec job = TestJobs.small("orphan", "resnet8", 2, 0.5, 19).build();
            JobSubmitter.submit(ignite, job);

            ModelState last = Waits.finished(ignite, 300);

            assertTrue(failed.get(), "the failure was never injected");
            assertEquals(200, last.samplesCommitted(), "2 epochs of 100 samples, none lost or repeated");
            List<List<?>> restarts = GridSchema.sql(ignite, "SELECT DETAIL FROM EVENTS WHERE KIND = ?",
                    EventKind.COORDINATOR_REDEPLOYED.name());
            assertEquals(1, restarts.size(), restarts.toString());
            assertTrue(String.valueOf(restarts.get(0).get(0)).contains("failed; started again from model v1"),
                    restarts.toString());
            String primary = String.valueOf(ignite.affinity(GridNames.MODEL).mapKeyToNode(ModelState.KEY).consistentId());
            List<List<?>> starts = GridSchema.sql(ignite, "SELECT DETAIL FROM EVENTS WHERE KIND = ?",
                    EventKind.COORDINATOR_STARTED.name());
            assertEquals(2, starts.size(), starts.toString());
            starts.forEach(row -> assertEquals("on " + primary, row.get(0), "a coordinator ran beside a backup: " + starts));
        });
    }

    @Test
    void aStoppedJobCommitsNothingMore() throws Exception {
        Fleets.runWithNewFleet(2, fleet -> {
            Ignite ignite = fleet.client();
            fleet.loadSynthetic(200, 20, 13);
            JobSpec job = TestJobs.small("stopped", "resnet8", 5, 0.5, 23).build();
            JobSubmitter.submit(ignite, job);
            Waits.version(ignite, 1);

            JobSubmitter.stop(ignite);
            ModelState stopped = JobSubmitter.current(ignite);
            assertTrue(stopped.finished());
            Waits.until("the coordinator stopped", 60,
                    () -> CoordinatorElection.host(ignite).isEmpty() && coordinatorThreads() == 0);

            ModelState after = JobSubmitter.current(ignite);
            assertEquals(stopped.version(), after.version(), "a commit landed after the stop");
            assertEquals(stopped.round(), after.round());
        });
    }

    private static long coordinatorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("edgetrain-coordinator-") && t.isAlive()).count();
    }
}
