package org.edgetrain.model.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.edgetrain.model.cifar.Augmentation;
import org.edgetrain.model.cifar.Batch;
import org.edgetrain.model.cifar.CifarSplit;
import org.edgetrain.model.cifar.SyntheticCifar;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.schedule.LearningRateSchedule;
import org.edgetrain.model.train.EpochResult;
import org.edgetrain.model.train.LocalTrainer;
import org.edgetrain.model.train.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(300)
class Dl4jEngineTest {
    static Batch batch(int size, long seed) {
        byte[] records = SyntheticCifar.records(size, seed, 0);
        int[] indices = new int[size];
        long[] ids = new long[size];
        for (int i = 0; i < size; i++) {
            indices[i] = i;
            ids[i] = i;
        }
        return Batch.of(records, indices, ids, new Augmentation(seed, true), 0);
    }

    @Test
    void resnetParameterCountsMatchThePaper() {
        try (Dl4jEngine resnet20 = new Dl4jEngine(NetworkSpec.of("resnet20", 1), false);
             Dl4jEngine resnet32 = new Dl4jEngine(NetworkSpec.of("resnet32", 1), false)) {
            // He et al. 2016, table 6: ResNet-20 0.27 M, ResNet-32 0.46 M parameters.
            assertEquals(0.27e6, resnet20.trainableParameterCount(), 0.005e6);
            assertEquals(0.46e6, resnet32.trainableParameterCount(), 0.007e6);
            assertTrue(resnet32.stateSize() > resnet32.trainableParameterCount(), "state must include BatchNorm statistics");
        }
    }

    @Test
    void stateRoundTripIsBitExactAndCarriesBatchNormStatistics() {
        Batch batch = batch(16, 3);
        try (Dl4jEngine trained = new Dl4jEngine(NetworkSpec.of("resnet8", 1), true);
             Dl4jEngine copy = new Dl4jEngine(NetworkSpec.of("resnet8", 2), true)) {
            trained.train(batch, 0.05);
            trained.train(batch, 0.05);
            float[] state = trained.state();

            copy.setState(state);

            assertArrayEquals(state, copy.state());
            assertArrayEquals(trained.output(batch).reshape(-1).toFloatVector(), copy.output(batch).reshape(-1).toFloatVector());
        }
    }

    @Test
    void optimizerStateRoundTrips() {
        Batch batch = batch(8, 4);
        try (Dl4jEngine a = new Dl4jEngine(NetworkSpec.of("resnet8", 1), true);
             Dl4jEngine b = new Dl4jEngine(NetworkSpec.of("resnet8", 1), true)) {
            a.train(batch, 0.05);
            b.train(batch(8, 9), 0.05); // another batch: b holds momentum of its own
            float[] momentum = a.optimizerState();
            assertTrue(momentum.length > 0);
            assertFalse(java.util.Arrays.equals(momentum, b.optimizerState()), "b must start from other momentum");

            b.setOptimizerState(momentum);

            assertArrayEquals(momentum, b.optimizerState());
        }
    }

    @Test
    void wrongStateSizeIsRefused() {
        try (Dl4jEngine engine = new Dl4jEngine(NetworkSpec.of("resnet8", 1), false)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> engine.setState(new float[10]));
            assertTrue(e.getMessage().contains("needs " + engine.stateSize()));
        }
    }

    @Test
    void learnsSyntheticClassesWellAboveChance() {
        CifarSplit train = new CifarSplit(SyntheticCifar.records(640, 21, 0));
        CifarSplit test = new CifarSplit(SyntheticCifar.records(200, 22, 0));
        try (Dl4jEngine engine = new Dl4jEngine(NetworkSpec.of("resnet8", 7), true)) {
            NativeThreads.use(1);
            LocalTrainer trainer = new LocalTrainer(engine, new LearningRateSchedule("constant", 0.05, 3, 0), 32, 7);

            List<EpochResult> history = trainer.train(train, test, 3, new TrainingListener() { });

            assertEquals(3, history.size());
            assertTrue(history.get(2).testAccuracy() > 0.5, "accuracy " + history.get(2).testAccuracy());
            assertNotEquals(history.get(0).trainLoss(), history.get(2).trainLoss());
        }
    }
}
