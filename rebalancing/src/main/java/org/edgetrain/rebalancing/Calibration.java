package org.edgetrain.rebalancing;

import java.util.SplittableRandom;
import org.edgetrain.model.cifar.Batch;
import org.edgetrain.model.cifar.CifarFormat;
import org.edgetrain.model.engine.EngineKind;
import org.edgetrain.model.engine.TrainingEngine;
import org.edgetrain.model.net.NetworkSpec;

/**
 * A device's self-measurement at join time: training images/s of a small ResNet on random input for a few
 * seconds, under whatever limits the device has. The figure becomes the device's capability attribute, which
 * decides its share of the partitions before it has trained a round.
 */
public final class Calibration {
    private Calibration() {
    }

    /**
     * @param kind the engine the device will train with
     * @param seconds measuring time after one warm-up step
     * @param threads native threads, as the device will train
     * @return training images/s
     */
    public static double measure(EngineKind kind, double seconds, int threads) {
        SplittableRandom random = new SplittableRandom(7);
        int size = 32;
        float[] features = new float[size * CifarFormat.IMAGE_BYTES];
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) random.nextGaussian();
        }
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) {
            labels[i] = random.nextInt(CifarFormat.CLASSES);
        }
        Batch batch = new Batch(features, labels);
        try (TrainingEngine engine = kind.create(NetworkSpec.of("resnet8", 1))) {
            engine.useThreads(threads);
            engine.train(batch, 0.01);
            long start = System.nanoTime();
            int images = 0;
            while (System.nanoTime() - start < seconds * 1e9) {
                long step = DeviceThrottle.mark();
                engine.train(batch, 0.01);
                DeviceThrottle.pauseAfter(step);
                images += size;
            }
            return images / ((System.nanoTime() - start) / 1e9);
        }
    }
}
