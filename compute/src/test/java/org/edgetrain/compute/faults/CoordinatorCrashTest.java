package org.edgetrain.compute.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.testing.Fleets;
import org.edgetrain.compute.testing.ProcessFleet;
import org.edgetrain.compute.testing.TestJobs;
import org.edgetrain.compute.training.RoundPhases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The coordinator's device dies at each named point of its work ({@code training/CrashPoint}), on purpose rather than
 * wherever a random kill lands, and is frozen (SIGSTOP) while a successor takes over and commits, then woken. Each
 * time the job must end with every sample of every epoch trained exactly once into the committed models (checked
 * sample by sample, {@link SampleAudit}), one line of model versions (no fork), no committed round lost and every
 * round's metrics row written. One fleet of three device processes serves every test, one job per test; a device
 * that died is started again by the harness, as its supervisor would.
 */
@Timeout(900)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CoordinatorCrashTest {
    private static final int EPOCHS = 3;
    private static final long TRAIN = 200;

    private Path dir;
    private ProcessFleet fleet;
    private FaultHarness harness;
    private int jobs;

    @BeforeAll
    void startFleet() throws Exception {
        dir = Files.createTempDirectory("edgetrain-crash-points-");
        fleet = ProcessFleet.start(dir, false, List.of("pc", "pc", "rpi4"));
        fleet.loadSynthetic(40, 100, 33);
        harness = new FaultHarness(fleet.processes(), fleet.client());
    }

    @AfterAll
    void stopFleet() throws Exception {
        try {
            if (fleet != null) {
                fleet.close();
            }
        } finally {
            Fleets.delete(dir);
        }
    }

    @Test
    void afterDispatch() throws Exception {
        crashAt(Injection.Kind.CRASH_COORDINATOR_AFTER_DISPATCH, RoundPhases.Point.COMMITTED, "AFTER_DISPATCH");
    }

    @Test
    void insideTheCommitTransaction() throws Exception {
        crashAt(Injection.Kind.CRASH_COORDINATOR_IN_COMMIT, RoundPhases.Point.COMMITTED, "IN_COMMIT");
    }

    @Test
    void afterTheCommitBeforeItsMetrics() throws Exception {
        ScenarioResult result = crashAt(Injection.Kind.CRASH_COORDINATOR_BEFORE_METRICS, RoundPhases.Point.COMMITTED,
                "AFTER_COMMIT_BEFORE_METRICS");
        assertTrue(result.metricsComplete(), "the successor wrote the ROUNDS row the dead coordinator had not: " + result);
    }

    @Test
    void afterAnEvaluation() throws Exception {
        ScenarioResult result = crashAt(Injection.Kind.CRASH_COORDINATOR_AFTER_EVALUATION, RoundPhases.Point.COMMITTED,
                "AFTER_EVALUATION");
        long evaluated = ((Number) GridSchema.sql(fleet.client(), "SELECT COUNT(*) FROM EVALS WHERE JOB = ?",
                result.name()).get(0).get(0)).longValue();
        assertEquals(EPOCHS, evaluated, "each epoch evaluated and recorded once, the interrupted one by the successor");
    }

    @Test
    void aFrozenCoordinatorWokenAfterItsSuccessorCommittedDoesNotCommitOverIt() throws Exception {
        ScenarioResult result = run(new Injection(Injection.Kind.HANG_COORDINATOR_HOST, RoundPhases.Point.DISPATCHED, 2,
                null));
        ScenarioResult.InjectionResult hang = result.injections().get(0);
        assertFalse(hang.forcedKill(), "the woken device ended or rejoined by itself: " + hang);
        assertTrue(hang.recoverySeconds() > hang.detectionSeconds(), "a successor committed after the freeze was noticed: "
                + hang);
    }

    /** Runs a job with the coordinator's device dying at {@code kind}'s point, and checks the point was reached. */
    private ScenarioResult crashAt(Injection.Kind kind, RoundPhases.Point armedAt, String pointName) throws Exception {
        ScenarioResult result = run(new Injection(kind, armedAt, 2, null));
        String device = result.injections().get(0).device();
        String log = Files.readString(fleet.dir().resolve("fleet").resolve(device + ".log"));
        assertTrue(log.contains("crash point " + pointName + " reached"), device + " died at the point, not elsewhere");
        return result;
    }

    /** Runs a fresh job with one injection and checks what every coordinator fault must leave intact. */
    private ScenarioResult run(Injection injection) throws Exception {
        String id = "crash-" + (++jobs);
        ScenarioResult result = harness.run(id, TestJobs.small(id, "resnet8", EPOCHS, 0.5, 41).build(), TRAIN,
                List.of(injection), Double.NaN, 400_000);
        assertEquals(1, result.injections().size(), "the fault was injected: " + result);
        assertEquals(0, result.neverTrained(), "no sample of a finished epoch left out: " + result);
        assertEquals(0, result.trainedTwice(), "no sample trained twice into the committed models: " + result);
        assertTrue(result.exactlyOnce(), result.toString());
        assertEquals(0, result.forks(), "one line of model versions: " + result);
        assertEquals(0, result.lostCommittedRounds(), "no committed round lost: " + result);
        assertEquals(0, result.partitionsLost(), "one backup covers one device at a time: " + result);
        return result;
    }
}
