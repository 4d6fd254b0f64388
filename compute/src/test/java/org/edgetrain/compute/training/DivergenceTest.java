package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.edgetrain.model.strategy.DeviceResult;
import org.edgetrain.model.strategy.RoundOutcome;
import org.junit.jupiter.api.Test;

class DivergenceTest {
    private static final float[] STATE = {0.1f, 0.2f};

    private static RoundOutcome round(long samples, double meanLoss) {
        return new RoundOutcome(STATE, List.of(new DeviceResult("pc-1", 9, STATE, samples, samples * meanLoss)), List.of());
    }

    @Test
    void aLossFarAboveTheRecentOnesOverABatchRollsBack() {
        ModelState learning = ModelState.initial("job", STATE).committed(1, STATE, 64, 1.0);
        assertNotNull(RoundCoordinator.divergence(learning, round(64, 9.0), 9.0, 64));
        assertNull(RoundCoordinator.divergence(learning, round(64, 1.2), 1.2, 64));
    }

    @Test
    void theLossOfAFewImagesIsNotEvidence() {
        // At an epoch's end one partition may have a single image left: rolling that round back forever stalled an epoch.
        ModelState learning = ModelState.initial("job", STATE).committed(1, STATE, 64, 1.0);
        assertNull(RoundCoordinator.divergence(learning, round(1, 9.0), 9.0, 64));
        assertNotNull(RoundCoordinator.divergence(learning, round(1, Double.NaN), Double.NaN, 64), "NaN is always refused");
    }
}
