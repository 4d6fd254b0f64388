package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.edgetrain.model.strategy.DeviceResult;
import org.edgetrain.model.strategy.Failure;
import org.edgetrain.model.strategy.FedAvg;
import org.edgetrain.model.strategy.RoundOutcome;
import org.edgetrain.model.strategy.Strategy;
import org.edgetrain.model.strategy.UpdateValidator;
import org.junit.jupiter.api.Test;

class RoundDecisionTest {
    private static final float[] MODEL = {0.1f, 0.2f};
    private static final Strategy FED_AVG = new FedAvg(UpdateValidator.DEFAULT, 0.5);
    /** A model that has trained one round at a loss of 1.0. */
    private static final ModelState LEARNING = ModelState.initial("job", MODEL).committed(1, MODEL, null, 64, 1.0);

    private static DeviceRoundResult result(String device, long round, float[] state, long samples, double meanLoss,
                                            PartitionAdvance... advances) {
        return new DeviceRoundResult(new DeviceResult(device, round, state, samples, samples * meanLoss),
                List.of(advances), 1.0, samples, 0, 0, 0, 0, "torch", null, device + "/" + round);
    }

    private static RoundOutcome outcome(long samples, double meanLoss) {
        return new RoundOutcome(MODEL, null, List.of(new DeviceResult("pc-1", 9, MODEL, samples, samples * meanLoss)), List.of());
    }

    @Test
    void validResultsAreAveragedAndCommittedWithTheirAdvances() {
        PartitionAdvance a = new PartitionAdvance(0, 1, 0, 64, 100);
        PartitionAdvance b = new PartitionAdvance(1, 1, 10, 74, 100);
        RoundDecision d = RoundDecision.decide(FED_AVG, LEARNING, 2, List.of(
                result("pc-1", 2, new float[] {0.2f, 0.2f}, 64, 1.1, a),
                result("pc-2", 2, new float[] {0.0f, 0.2f}, 64, 0.9, b)), List.of(), 64);

        assertTrue(d.commits());
        assertNull(d.rollback());
        assertArrayEquals(new float[] {0.1f, 0.2f}, d.next().state(), 1e-6f);
        assertEquals(LEARNING.version() + 1, d.next().version());
        assertEquals(List.of(a, b), d.advances());
        Map<Integer, PartitionProgress> after = d.progressAfter(Map.of(0, new PartitionProgress(1, 0, 100),
                1, new PartitionProgress(1, 10, 100), 2, new PartitionProgress(1, 5, 100)));
        assertEquals(Map.of(0, new PartitionProgress(1, 64, 100), 1, new PartitionProgress(1, 74, 100),
                2, new PartitionProgress(1, 5, 100)), after);
    }

    @Test
    void theServersVelocityIsCommittedWithTheModelAndDroppedByARollback() {
        float[] velocity = {0.5f, -0.5f};
        Strategy withMomentum = (round, global, previous, results, failures) -> new RoundOutcome(
                new float[] {0.3f, 0.3f}, velocity, results, List.of());
        ModelState committed = RoundDecision.decide(withMomentum, LEARNING, 2,
                List.of(result("pc-1", 2, MODEL, 64, 1.0)), List.of(), 64).next();
        assertArrayEquals(velocity, committed.serverVelocity());

        RoundDecision exploded = RoundDecision.decide(withMomentum, committed, 3,
                List.of(result("pc-1", 3, MODEL, 64, 50.0)), List.of(), 64);
        assertNotNull(exploded.rollback());
        assertNull(exploded.next().serverVelocity());
    }

    @Test
    void tooFewResultsKeepTheModelAndTheProgress() {
        RoundDecision d = RoundDecision.decide(FED_AVG, LEARNING, 2,
                List.of(result("pc-1", 2, MODEL, 64, 1.0, new PartitionAdvance(0, 1, 0, 64, 100))),
                List.of(new Failure("pc-2", Failure.Kind.LATE, "late"), new Failure("pc-3", Failure.Kind.FAILED, "x")), 64);

        assertFalse(d.commits());
        assertEquals(LEARNING.version(), d.next().version());
        assertEquals(2, d.next().round());
        Map<Integer, PartitionProgress> progress = Map.of(0, new PartitionProgress(1, 0, 100));
        assertEquals(progress, d.progressAfter(progress));
    }

    @Test
    void garbageFromEveryDeviceRollsTheModelBackToItsLastGoodVersion() {
        RoundDecision d = RoundDecision.decide(FED_AVG, LEARNING, 2, List.of(
                result("pc-1", 2, new float[] {Float.NaN, 0f}, 64, 1.0),
                result("pc-2", 2, new float[] {1e6f, 0f}, 64, 1.0)), List.of(), 64);

        assertNotNull(d.rollback());
        assertFalse(d.commits());
        assertEquals(1, d.next().rollbacks());
        assertEquals(LEARNING.learningRateScale() / 2, d.next().learningRateScale());
        assertArrayEquals(LEARNING.goodState(), d.next().state());
    }

    @Test
    void missingResultsAreNotADivergence() {
        RoundDecision d = RoundDecision.decide(FED_AVG, LEARNING, 2, List.of(), List.of(
                new Failure("pc-1", Failure.Kind.LATE, "late"), new Failure("pc-2", Failure.Kind.FAILED, "gone")), 64);

        assertNull(d.rollback());
        assertFalse(d.commits());
    }

    @Test
    void aLossFarAboveTheRecentOnesOverABatchRollsBack() {
        assertNotNull(RoundDecision.divergence(LEARNING, outcome(64, 9.0), 9.0, 64));
        assertNull(RoundDecision.divergence(LEARNING, outcome(64, 1.2), 1.2, 64));
        ModelState fresh = ModelState.initial("job", MODEL);
        assertNotNull(RoundDecision.divergence(fresh, outcome(64, 7.0), 7.0, 64), "3 x ln(10) on the first round");
        assertNull(RoundDecision.divergence(fresh, outcome(64, 2.4), 2.4, 64));
    }

    @Test
    void theLossOfAFewImagesIsNotEvidence() {
        // At an epoch's end one partition may have a single image left: rolling that round back forever stalled an epoch.
        assertNull(RoundDecision.divergence(LEARNING, outcome(1, 9.0), 9.0, 64));
        assertNotNull(RoundDecision.divergence(LEARNING, outcome(1, Double.NaN), Double.NaN, 64), "NaN is always refused");
    }

    @Test
    void lostSamplesCountRefusedWorkAndTheExpectedShareOfMissingDevices() {
        Map<String, List<PartitionWork>> plan = Map.of(
                "pc-1", List.of(new PartitionWork(0, 1, 0, 100, 100, false)),
                "pc-2", List.of(new PartitionWork(1, 1, 0, 100, 100, false)),
                "rpi4-1", List.of(new PartitionWork(2, 1, 0, 300, 300, false)),
                "rpi4-2", List.of(new PartitionWork(3, 1, 0, 10, 100, false)));
        Map<String, RoundPacer.Share> shares = Map.of("pc-1", new RoundPacer.Share(300, 5, 100),
                "pc-2", new RoundPacer.Share(300, 5, 100), "rpi4-1", new RoundPacer.Share(300, 5, 40),
                "rpi4-2", new RoundPacer.Share(300, 5, 40));
        List<DeviceRoundResult> arrived = List.of(result("pc-1", 2, MODEL, 80, 1.0),
                result("pc-2", 2, new float[] {Float.NaN, 0}, 70, 1.0));
        List<Failure> missing = List.of(new Failure("rpi4-1", Failure.Kind.LATE, "late"),
                new Failure("rpi4-2", Failure.Kind.FAILED, "crashed"));
        RoundDecision committed = RoundDecision.decide(new org.edgetrain.model.strategy.FedAvg(
                new org.edgetrain.model.strategy.UpdateValidator(2.0), 0.25), LEARNING, 2, arrived, missing, 64);

        assertTrue(committed.commits());
        // pc-2's 70 refused; rpi4-1 expected 40 (of a 300 quota); rpi4-2 at most its 10-image slice
        assertEquals(70 + 40 + 10, committed.lostSamples(plan, shares, arrived));
        RoundDecision kept = RoundDecision.decide(FED_AVG, LEARNING, 2, arrived, missing, 64);
        assertFalse(kept.commits());
        assertEquals(80 + 70 + 40 + 10, kept.lostSamples(plan, shares, arrived), "nothing counts when nothing commits");
    }
}
