package org.edgetrain.model.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.edgetrain.model.net.StateLayout;
import org.junit.jupiter.api.Test;

class ServerOptimizerTest {
    private final StateLayout layout = StateLayout.of("resnet8");
    private final float[] global = filled(1f);
    private final float[] average = filled(1.5f); // every value moved by +0.5

    @Test
    void plainAveragingTakesTheAverageAsItIs() {
        ServerOptimizer.Step step = ServerOptimizer.AVERAGE.step(layout, global, average, null);

        assertSame(average, step.state());
        assertNull(step.velocity());
    }

    @Test
    void serverLearningRateScalesTheUpdateOfTrainableValuesOnly() {
        ServerOptimizer.Step step = new ServerOptimizer(2.0, 0).step(layout, global, average, null);

        for (StateLayout.Tensor tensor : layout.tensors()) {
            float expected = tensor.kind().trainable() ? 2f : 1.5f; // 1 + 2 * 0.5; running statistics: the average
            float[] values = tensor.slice(step.state());
            assertEquals(expected, values[0], 1e-6f, tensor.layer() + " " + tensor.kind());
            assertEquals(expected, values[values.length - 1], 1e-6f, tensor.layer() + " " + tensor.kind());
        }
        assertNull(step.velocity());
    }

    @Test
    void momentumCarriesThePreviousRoundsUpdate() {
        ServerOptimizer fedAvgM = new ServerOptimizer(1.0, 0.9);
        StateLayout.Tensor conv = layout.tensors().get(0);

        ServerOptimizer.Step first = fedAvgM.step(layout, global, average, null);
        // second round: the devices moved the model by +0.5 again
        float[] secondAverage = first.state().clone();
        for (int i = 0; i < secondAverage.length; i++) {
            secondAverage[i] += 0.5f;
        }
        ServerOptimizer.Step second = fedAvgM.step(layout, first.state(), secondAverage, first.velocity());

        assertEquals(layout.trainableSize(), first.velocity().length);
        assertEquals(0.5f, first.velocity()[conv.trainableOffset()], 1e-6f);
        assertEquals(1.5f, first.state()[conv.offset()], 1e-6f);
        // v = 0.9 * 0.5 + 0.5 = 0.95; model = 1.5 + 0.95
        assertEquals(0.95f, second.velocity()[conv.trainableOffset()], 1e-6f);
        assertEquals(2.45f, second.state()[conv.offset()], 1e-6f);
    }

    @Test
    void fedAvgAppliesItsServerStepToTheWeightedAverage() {
        FedAvg fedAvgM = new FedAvg(UpdateValidator.DEFAULT, 0.5, new ServerOptimizer(1.0, 0.5), layout);
        List<DeviceResult> results = List.of(new DeviceResult("pc", 3, average, 100, 0),
                new DeviceResult("rpi4", 3, global.clone(), 100, 0));
        float[] velocity = new float[layout.trainableSize()];
        Arrays.fill(velocity, 1f);

        RoundOutcome outcome = fedAvgM.aggregate(3, global, velocity, results, List.of());

        StateLayout.Tensor conv = layout.tensors().get(0);
        // average 1.25: v = 0.5 * 1 + 0.25 = 0.75, model = 1 + 0.75
        assertEquals(0.75f, outcome.velocity()[conv.trainableOffset()], 1e-6f);
        assertEquals(1.75f, outcome.state()[conv.offset()], 1e-6f);
    }

    @Test
    void refusesSettingsThatCannotConverge() {
        assertThrows(IllegalArgumentException.class, () -> new ServerOptimizer(1.0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new ServerOptimizer(0, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new FedAvg(UpdateValidator.DEFAULT, 0.5, new ServerOptimizer(1.0, 0.9), null));
    }

    private float[] filled(float value) {
        float[] state = new float[layout.size()];
        Arrays.fill(state, value);
        return state;
    }
}
