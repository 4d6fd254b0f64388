package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.edgetrain.model.schedule.LearningRateSchedule;
import org.junit.jupiter.api.Test;

class RoundRateTest {
    private final LearningRateSchedule warmup = new LearningRateSchedule("cosine", 0.1, 1, 0.2);

    @Test
    void aRoundFollowsTheScheduleAcrossTheImagesItIsExpectedToTrain() {
        // a round of 7,000 images (0.14 epoch) starting at 576 trained (0.01152 epoch), inside the warm-up
        RoundRate rate = RoundRate.of(warmup::at, 0.01152, 0.14);

        assertEquals(warmup.at(0.01152), rate.start(), 1e-12);
        assertEquals(warmup.at(0.15152), rate.end(), 1e-12);
        assertEquals(0.1 * (0.1 + 0.9 * 0.08152 / 0.2), rate.at(0.5), 1e-12, "linear in the warm-up: the midpoint");
        assertEquals(rate.start(), rate.at(-1), 1e-12);
        assertEquals(rate.end(), rate.at(1.7), 1e-12, "a device training past its box stays at the round's end rate");
    }

    @Test
    void aScaledScheduleIsScaledAtBothEnds() {
        RoundRate rate = RoundRate.of(p -> warmup.at(p) * 0.5, 0.4, 0.1);

        assertEquals(0.5 * warmup.at(0.4), rate.start(), 1e-12);
        assertEquals(0.5 * warmup.at(0.5), rate.end(), 1e-12);
    }
}
