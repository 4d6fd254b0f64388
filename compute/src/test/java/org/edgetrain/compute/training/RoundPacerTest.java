package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoundPacerTest {
    private static Map<String, Double> fleet() {
        Map<String, Double> capabilities = new LinkedHashMap<>();
        capabilities.put("pc-1", 1.0);
        capabilities.put("rpi4-1", 0.2);
        return capabilities;
    }

    @Test
    void unmeasuredDevicesGetAShortCalibrationRoundScaledByTheirCapabilityTrainedInFull() {
        Map<String, RoundPacer.Share> shares = new RoundPacer().shares(fleet(), true, 64, 6);
        assertEquals(new RoundPacer.Share(4 * 64, 6, 4 * 64), shares.get("pc-1"));
        assertEquals(new RoundPacer.Share(64, 6, 64), shares.get("rpi4-1"), "0.8 batch rounds up to a whole one");
    }

    @Test
    void aDeviceTooSlowForItsCalibrationRoundGetsASmallerOneNotTheSameAgain() {
        RoundPacer pacer = new RoundPacer();
        pacer.penalize("rpi4-1", 256, 40); // late: 256 images not done in 40 s
        assertEquals(3.2, pacer.rate("rpi4-1"), 1e-9);
        RoundPacer.Share next = pacer.shares(fleet(), true, 64, 6).get("rpi4-1");
        assertEquals(15, next.trainSeconds(), 1e-9, "the round grows to fit one batch at the bounded pace (20 s), up "
                + "to half the deadline (30 s)");
        assertEquals(64, next.expected(), "one batch, in a box it paces itself by");
        pacer.penalize("rpi4-1", 64, 40);
        assertEquals(1.6, pacer.rate("rpi4-1"), 1e-9, "measured or bounded: halved");
    }

    @Test
    void measuredDevicesGetATimeBoxThatEndsTogetherIncludingTheirFixedCostPerRound() {
        RoundPacer pacer = new RoundPacer();
        pacer.observed("pc-1", 160, 0.2);
        pacer.observed("rpi4-1", 25, 0.8);
        Map<String, RoundPacer.Share> shares = pacer.shares(fleet(), true, 64, 6);
        assertEquals(5.8, shares.get("pc-1").trainSeconds(), 1e-9);
        assertEquals(5.2, shares.get("rpi4-1").trainSeconds(), 1e-9);
        assertEquals(928, shares.get("pc-1").expected());
        assertEquals(130, shares.get("rpi4-1").expected(), "not rounded up to 192 (three batches: 7.7 s, the pc idle for 1.7 s)");
        assertEquals(2784, shares.get("pc-1").quota(), "slices for 3x the expected: the device may be faster now, or "
                + "train on while the round waits for a slower one");
        assertEquals(390, shares.get("rpi4-1").quota());
    }

    @Test
    void theRoundGrowsWhenTheSlowestDeviceCannotFitOneBatch() {
        RoundPacer pacer = new RoundPacer();
        pacer.observed("pc-1", 160, 0);
        pacer.observed("rpi4-1", 8, 0.5);
        Map<String, RoundPacer.Share> shares = pacer.shares(fleet(), true, 64, 2);
        assertEquals(64, shares.get("rpi4-1").expected());
        assertEquals(8.5, shares.get("pc-1").trainSeconds(), 1e-9, "the pc fills the longer round");
    }

    @Test
    void noRoundIsPlannedLongerThanHalfItsDeadline() {
        // The warm-up of the 11-device paper fleet: an rpi4's first batch took 30 s (JIT at 0.054 core), and it was
        // late three times after that.
        RoundPacer pacer = new RoundPacer();
        pacer.observed("pc-1", 160, 0.2);
        pacer.observed("rpi4-1", 2, 30);
        for (int late = 0; late < 3; late++) {
            pacer.penalize("rpi4-1", 64, 40);
        }
        Map<String, RoundPacer.Share> shares = pacer.shares(fleet(), true, 64, 10);
        assertEquals(40, RoundPacer.deadlineSeconds(10), 1e-9);
        assertEquals(19.8, shares.get("pc-1").trainSeconds(), 1e-9, "a round of 20 s, not the 286 s one batch needs");
        assertEquals(5, shares.get("rpi4-1").trainSeconds(), 1e-9, "a quarter of the round: its fixed cost fills it");
    }

    @Test
    void aOneOffCostOfTheFirstRoundDoesNotShortenTheNext() {
        RoundPacer pacer = new RoundPacer();
        pacer.observed("pc-1", 160, 4.0); // the calibration round built the network
        pacer.observed("pc-1", 160, 0.2);
        assertEquals(5.8, pacer.shares(fleet(), true, 64, 6).get("pc-1").trainSeconds(), 1e-9);
        pacer.observed("pc-1", 160, 1.2);
        assertEquals(5.3, pacer.shares(fleet(), true, 64, 6).get("pc-1").trainSeconds(), 1e-9, "a higher cost is averaged in");
    }

    @Test
    void equalSplitGivesEveryDeviceTheSameQuotaTrainedInFull() {
        RoundPacer pacer = new RoundPacer();
        pacer.observed("pc-1", 160, 0.2);
        pacer.observed("rpi4-1", 20, 0.8);
        Map<String, RoundPacer.Share> shares = pacer.shares(fleet(), false, 64, 6);
        int equal = (int) Math.round(90 * (6 - 0.5));
        assertEquals(new RoundPacer.Share(equal, 0, equal), shares.get("pc-1"));
        assertEquals(shares.get("pc-1"), shares.get("rpi4-1"));
    }

    @Test
    void smallChangesAreSmoothedLargeOnesReplaceTheEstimateAtOnce() {
        RoundPacer pacer = new RoundPacer();
        pacer.observed("pc-1", 100, 0);
        pacer.observed("pc-1", 110, 0);
        assertEquals(105, pacer.rate("pc-1"), 1e-9, "within 25 %: averaged");
        pacer.observed("pc-1", 40, 0);
        assertEquals(40, pacer.rate("pc-1"), 1e-9, "the device slowed down: believed at once");
        pacer.penalize("pc-1", 640, 6);
        assertEquals(20, pacer.rate("pc-1"), 1e-9);
        pacer.observed("pc-1", Double.NaN, Double.NaN);
        assertEquals(20, pacer.rate("pc-1"), 1e-9, "a garbage measurement changes nothing");
    }

    @Test
    void aTimeBoxedDeviceAdvancesItsPartitionsByWhatItTrained() {
        PartitionAdvance empty = new PartitionAdvance(12, 1, 0, 0, 0);
        List<PartitionAdvance> planned = List.of(new PartitionAdvance(3, 1, 10, 50, 60),
                new PartitionAdvance(7, 1, 0, 30, 30), new PartitionAdvance(9, 1, 5, 25, 40), empty);
        assertEquals(List.of(new PartitionAdvance(3, 1, 10, 50, 60), new PartitionAdvance(7, 1, 0, 12, 30),
                empty), TrainingJob.trainedPart(planned, 52), "an empty partition's size is recorded even when not reached");
        assertEquals(planned, TrainingJob.trainedPart(planned, 90));
        assertEquals(List.of(empty), TrainingJob.trainedPart(planned, 0));
    }

    @Test
    void aTimeBoxEndsWithBatchesDownToAQuarterAtALearningRateScaledToTheirSize() {
        assertEquals(16, TimeBox.smallestBatch(64));
        assertEquals(8, TimeBox.smallestBatch(16), "at least 8 images a step");
        assertEquals(4, TimeBox.smallestBatch(4), "never more than the job's batch");
        assertEquals(0.05, TrainingJob.learningRateFor(0.2, 16, 64), 1e-12);
        assertEquals(0.2, TrainingJob.learningRateFor(0.2, 64, 64), 1e-12);
        assertEquals(0.2, TrainingJob.learningRateFor(0.2, 80, 64), 1e-12, "never above the job's rate");
    }
}
