package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The known-good version: it moves every few commits, so a commit writes one copy of the weights, not two. */
class ModelStateTest {
    @Test
    void theKnownGoodVersionMovesEveryFewCommitsAndARollbackReturnsToIt() {
        ModelState state = ModelState.initial("job", new float[] {0});
        for (int v = 1; v <= 12; v++) {
            state = state.committed(v, new float[] {v}, null, 1, 1.0);
            // committing v: good moves to v - 1 (where this round started) once it is GOOD_EVERY behind
            long expectedGood = ((v - 1) / ModelState.GOOD_EVERY) * ModelState.GOOD_EVERY;
            assertEquals(expectedGood, state.goodVersion(), "after v" + v);
            assertArrayEquals(new float[] {expectedGood}, state.goodState(), "the good version's own weights");
        }
        ModelState rolledBack = state.rolledBack(13);
        assertEquals(13, rolledBack.version());
        assertArrayEquals(new float[] {10}, rolledBack.state(), "back to v10, the known-good one");
        assertNull(state.withoutGoodState().goodState(), "the stored copy keeps the good weights apart");
        assertEquals("global-good-job-v10", ModelState.goodKey("job", state.goodVersion()));
    }
}
