package org.edgetrain.model.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
    @Test
    void stepDividesByTenAtHalfAndThreeQuarters() {
        LearningRateSchedule step = new LearningRateSchedule("step", 0.1, 100, 0);

        assertEquals(0.1, step.at(49.9), 1e-12);
        assertEquals(0.01, step.at(50), 1e-12);
        assertEquals(0.001, step.at(80), 1e-12);
    }

    @Test
    void cosineFallsToZero() {
        LearningRateSchedule cosine = new LearningRateSchedule("cosine", 0.2, 10, 0);

        assertEquals(0.2, cosine.at(0), 1e-12);
        assertEquals(0.1, cosine.at(5), 1e-12);
        assertEquals(0.0, cosine.at(10), 1e-12);
    }

    @Test
    void warmupRisesLinearlyFromATenth() {
        LearningRateSchedule warm = new LearningRateSchedule("constant", 0.1, 10, 1);

        assertEquals(0.01, warm.at(0), 1e-12);
        assertEquals(0.055, warm.at(0.5), 1e-12);
        assertEquals(0.1, warm.at(1), 1e-12);
    }

    @Test
    void unknownKindIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule("linear", 0.1, 1, 0));
    }
}
