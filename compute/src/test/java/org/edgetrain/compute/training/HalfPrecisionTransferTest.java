package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.testing.Fleets;
import org.edgetrain.compute.testing.TestJobs;
import org.edgetrain.compute.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A job with {@code --transfer fp16}: the model goes out and the devices' changes come back in half precision, and
 * the fleet learns as it does in full precision: every result accepted, every sample once, the synthetic task learnt.
 */
@Timeout(600)
class HalfPrecisionTransferTest {
    @Test
    void aFleetTrainsWithHalfPrecisionTransfers() throws Exception {
        Fleets.runWithNewFleet(2, fleet -> {
            Ignite ignite = fleet.client();
            fleet.loadSynthetic(40, 200, 21);
            JobSubmitter.submit(ignite, TestJobs.small("fp16", "resnet8", 6, 0.5, 31).transfer(StateTransfer.FP16)
                    .build());
            ModelState last = Waits.finished(ignite, 480);

            assertEquals(6 * 200, last.samplesCommitted(), "six epochs of 200 samples, none skipped or repeated");
            List<List<?>> refused = GridSchema.sql(ignite, "SELECT COUNT(*) FROM DEVICE_ROUNDS WHERE STATUS <> 'ACCEPTED'"
                    + " AND SAMPLES > 0");
            assertEquals(0L, ((Number) refused.get(0).get(0)).longValue(), "a change rebuilt from half precision is "
                    + "never taken for garbage");
            // The same job in full precision was seen at 0.6-1.0 on this task (FaultHarnessTest); chance is 0.1.
            assertTrue(last.lastAccuracy() >= 0.5, "accuracy " + last.lastAccuracy());
        });
    }
}
