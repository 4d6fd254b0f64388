package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.grid.EventKind;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.testing.Fleets;
import org.edgetrain.compute.testing.TestJobs;
import org.edgetrain.compute.testing.Waits;
import org.edgetrain.model.cifar.CifarDataset;
import org.edgetrain.model.params.FlatVectors;
import org.edgetrain.model.schedule.LearningRateSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Divergence on real in-process nodes. */
@Timeout(600)
class SelfHealingTest {
    @Test
    void anExplodingModelRollsBackAndTrainsOnWithALowerLearningRate() throws Exception {
        Fleets.runWithNewFleet(2, fleet -> {
            Ignite ignite = fleet.client();
            CifarDataset data = fleet.loadSynthetic(20, 20, 9);
            // A learning rate of 10 blows ResNet-8 up within a step or two.
            JobSpec job = TestJobs.small("diverge", "resnet8", 1, 0.5, 15)
                    .schedule(new LearningRateSchedule("constant", 10, 1, 0)).build();

            JobSubmitter.submit(ignite, job);
            ModelState last = Waits.finished(ignite, 400);

            assertTrue(FlatVectors.allFinite(last.state()), "a diverged state was committed");
            assertTrue(last.learningRateScale() < 1, "learning rate was never lowered");
            assertEquals(data.train().size(), last.samplesCommitted(), "the epoch was completed, each sample once");
            List<List<?>> rollbacks = GridSchema.sql(ignite, "SELECT DETAIL FROM EVENTS WHERE KIND = ?",
                    EventKind.ROLLBACK.name());
            assertFalse(rollbacks.isEmpty(), "no rollback recorded");
            assertTrue(String.valueOf(rollbacks.get(0).get(0)).contains("rolled back to the state of v"), rollbacks.toString());
            assertEquals(rollbacks.size(), last.rollbacks(), "one event per rollback");
        });
    }
}
