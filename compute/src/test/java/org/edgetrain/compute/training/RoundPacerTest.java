package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
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
    void unmeasuredDevicesGetAShortCalibrationRoundScaledByTheirCapability() {
        Map<String, Integer> quotas = new RoundPacer().quotas(fleet(), true, 64, 6);
        assertEquals(4 * 64, quotas.get("pc-1"));
        assertEquals(64, quotas.get("rpi4-1"), "0.8 batch rounds up to a whole one");
    }

    @Test
    void measuredDevicesFinishTogetherIncludingTheirFixedCostPerRound() {
        RoundPacer pacer = new RoundPacer();
        pacer.observed("pc-1", 160, 0.2);
        pacer.observed("rpi4-1", 25, 0.8);
        Map<String, Integer> quotas = pacer.quotas(fleet(), true, 64, 6);
        double pcSeconds = 0.2 + quotas.get("pc-1") / 160.0;
        double rpiSeconds = 0.8 + quotas.get("rpi4-1") / 25.0;
        assertEquals(6, pcSeconds, 0.01);
        assertEquals(6, rpiSeconds, 0.03);
        assertEquals(928, quotas.get("pc-1"));
        assertEquals(130, quotas.get("rpi4-1"), "not rounded up to 192 (three batches: 7.7 s, the pc idle for 1.7 s)");
    }

    @Test
    void theRoundGrowsWhenTheSlowestDeviceCannotFitOneBatch() {
        RoundPacer pacer = new RoundPacer();
        pacer.observed("pc-1", 160, 0);
        pacer.observed("rpi4-1", 8, 0.5);
        Map<String, Integer> quotas = pacer.quotas(fleet(), true, 64, 2);
        assertEquals(64, quotas.get("rpi4-1"));
        assertEquals((int) Math.round(160 * (0.5 + 64 / 8.0)), quotas.get("pc-1"), "the pc fills the longer round");
    }

    @Test
    void equalSplitGivesEveryDeviceTheSameQuota() {
        RoundPacer pacer = new RoundPacer();
        pacer.observed("pc-1", 160, 0.2);
        pacer.observed("rpi4-1", 20, 0.8);
        Map<String, Integer> quotas = pacer.quotas(fleet(), false, 64, 6);
        assertEquals(quotas.get("pc-1"), quotas.get("rpi4-1"));
        assertEquals((int) Math.round(90 * (6 - 0.5)), quotas.get("pc-1"));
    }

    @Test
    void smallChangesAreSmoothedLargeOnesReplaceTheEstimateAtOnce() {
        RoundPacer pacer = new RoundPacer();
        pacer.observed("pc-1", 100, 0);
        pacer.observed("pc-1", 110, 0);
        assertEquals(105, pacer.rate("pc-1"), 1e-9, "within 25 %: averaged");
        pacer.observed("pc-1", 40, 0);
        assertEquals(40, pacer.rate("pc-1"), 1e-9, "the device slowed down: believed at once");
        pacer.penalize("pc-1");
        assertEquals(20, pacer.rate("pc-1"), 1e-9);
        pacer.observed("pc-1", Double.NaN, Double.NaN);
        assertTrue(pacer.rate("pc-1") == 20, "a garbage measurement changes nothing");
    }
}
