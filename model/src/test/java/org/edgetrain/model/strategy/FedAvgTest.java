package org.edgetrain.model.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

class FedAvgTest {
    private final FedAvg fedAvg = new FedAvg(UpdateValidator.DEFAULT, 0.5);
    private final float[] global = {1f, 2f, 3f};

    @Test
    void averageIsWeightedBySamples() {
        List<DeviceResult> results = List.of(
                new DeviceResult("pc", 4, new float[] {1.5f, 2f, 3f}, 300, 0),
                new DeviceResult("rpi4", 4, new float[] {0.5f, 2.5f, 2f}, 100, 0));

        RoundOutcome outcome = fedAvg.aggregate(4, global, null, results, List.of());

        // (300 * 1.5 + 100 * 0.5) / 400 = 1.25; (300 * 2 + 100 * 2.5) / 400 = 2.125; (900 + 200) / 400 = 2.75
        assertArrayEquals(new float[] {1.25f, 2.125f, 2.75f}, outcome.state(), 1e-7f);
        assertEquals(400, outcome.acceptedSamples());
    }

    @Test
    void nanResultIsRejectedAndTheRestAveraged() {
        List<DeviceResult> results = List.of(
                new DeviceResult("good", 1, new float[] {1.3f, 2f, 3f}, 10, 0),
                new DeviceResult("good2", 1, new float[] {1.1f, 2f, 3f}, 10, 0),
                new DeviceResult("bad", 1, new float[] {Float.NaN, 2f, 3f}, 10, 0));

        RoundOutcome outcome = fedAvg.aggregate(1, global, null, results, List.of());

        // the two good results' average, which differs from the model the round started from
        assertArrayEquals(new float[] {1.2f, 2f, 3f}, outcome.state(), 1e-6f);
        assertEquals("bad", outcome.rejected().get(0).device());
        assertEquals(Failure.Kind.NON_FINITE, outcome.rejected().get(0).kind());
    }

    @Test
    void wrongSizeAndAbsurdUpdatesAreRejected() {
        List<DeviceResult> results = List.of(
                new DeviceResult("ok", 2, new float[] {1f, 2f, 3.1f}, 5, 0),
                new DeviceResult("short", 2, new float[] {1f, 2f}, 5, 0),
                new DeviceResult("huge", 2, new float[] {1e6f, 2f, 3f}, 5, 0));

        RoundOutcome outcome = fedAvg.aggregate(2, global, null, results, List.of());

        assertEquals(1, outcome.accepted().size());
        assertEquals(List.of("short", "huge"), outcome.rejected().stream().map(Failure::device).toList());
        assertEquals(List.of(Failure.Kind.WRONG_SIZE, Failure.Kind.ABSURD),
                outcome.rejected().stream().map(Failure::kind).toList());
    }

    @Test
    void tooFewResultsKeepThePreviousModel() {
        List<DeviceResult> results = List.of(new DeviceResult("only", 3, new float[] {1f, 2f, 3f}, 5, 0));
        List<Failure> failures = List.of(new Failure("a", Failure.Kind.FAILED, "crashed"),
                new Failure("b", Failure.Kind.LATE, "late"));

        RoundOutcome outcome = fedAvg.aggregate(3, global, null, results, failures);

        assertFalse(outcome.commits());
        assertEquals(2, outcome.rejected().size());
    }

    @Test
    void staleRoundResultIsRejected() {
        List<DeviceResult> results = List.of(
                new DeviceResult("now", 7, new float[] {1f, 2f, 3f}, 5, 0),
                new DeviceResult("old", 6, new float[] {1f, 2f, 3f}, 5, 0));

        RoundOutcome outcome = fedAvg.aggregate(7, global, null, results, List.of());

        assertEquals(List.of(new Failure("old", Failure.Kind.STALE, "result of round 6 arrived in round 7")),
                outcome.rejected());
    }
}
