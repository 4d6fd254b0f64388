package org.edgetrain.model.train;

import java.util.ArrayList;
import java.util.List;
import org.edgetrain.model.cifar.Augmentation;
import org.edgetrain.model.cifar.Batch;
import org.edgetrain.model.cifar.CifarSplit;
import org.edgetrain.model.engine.Evaluation;
import org.edgetrain.model.engine.TrainingEngine;
import org.edgetrain.model.schedule.LearningRateSchedule;

/**
 * Standalone training on one machine: the baseline every distributed run is measured against. Shuffles each
 * epoch (seeded), augments, follows the learning-rate schedule per batch, evaluates on the test set after each
 * epoch. Not thread-safe; runs on the caller's thread.
 */
public final class LocalTrainer {
    private final TrainingEngine engine;
    private final LearningRateSchedule schedule;
    private final int batchSize;
    private final long seed;

    /**
     * @param engine the network to train (its state is modified)
     * @param schedule learning rate by epoch progress
     * @param batchSize images per step
     * @param seed shuffling and augmentation seed
     */
    public LocalTrainer(TrainingEngine engine, LearningRateSchedule schedule, int batchSize, long seed) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.engine = engine;
        this.schedule = schedule;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /**
     * Trains for {@code epochs} epochs.
     *
     * @return one result per epoch
     */
    public List<EpochResult> train(CifarSplit train, CifarSplit test, int epochs, TrainingListener listener) {
        List<EpochResult> history = new ArrayList<>();
        Augmentation augmentation = new Augmentation(seed, true);
        int n = train.size();
        for (int epoch = 1; epoch <= epochs; epoch++) {
            int[] order = Shuffle.permutation(n, seed, epoch, 0);
            long start = System.nanoTime();
            double lossSum = 0;
            double lr = schedule.base();
            for (int from = 0; from < n; from += batchSize) {
                int size = Math.min(batchSize, n - from);
                int[] indices = new int[size];
                long[] ids = new long[size];
                for (int i = 0; i < size; i++) {
                    indices[i] = order[from + i];
                    ids[i] = order[from + i];
                }
                lr = schedule.at(epoch - 1 + (double) from / n);
                double loss = engine.train(Batch.of(train.records(), indices, ids, augmentation, epoch), lr);
                lossSum += loss * size;
                double seconds = (System.nanoTime() - start) / 1e9;
                listener.batchDone(epoch, from + size, n, lossSum / (from + size), (from + size) / seconds);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Evaluation evaluation = evaluate(engine, test, 256);
            EpochResult result = new EpochResult(epoch, lossSum / n, evaluation.accuracy(),
                    evaluation.meanLoss(), n / seconds, seconds, lr);
            history.add(result);
            listener.epochDone(result);
        }
        return history;
    }

    /** @return the engine's evaluation on a whole split, in batches of {@code batchSize} */
    public static Evaluation evaluate(TrainingEngine engine, CifarSplit split, int batchSize) {
        Evaluation total = Evaluation.EMPTY;
        for (int from = 0; from < split.size(); from += batchSize) {
            total = total.plus(engine.evaluate(Batch.plain(split, from, Math.min(batchSize, split.size() - from))));
        }
        return total;
    }
}
