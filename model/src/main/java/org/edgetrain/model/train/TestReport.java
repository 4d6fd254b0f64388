package org.edgetrain.model.train;

import org.edgetrain.model.cifar.Batch;
import org.edgetrain.model.cifar.CifarFormat;
import org.edgetrain.model.cifar.CifarSplit;
import org.edgetrain.model.engine.TrainingEngine;

/**
 * How a network does on a labelled split, class by class: the confusion matrix (true class by predicted class) and
 * the summed cross-entropy. Immutable once built.
 *
 * @param confusion {@code confusion[label][predicted]} counts
 * @param lossSum summed negative log-probability of the true class
 */
public record TestReport(long[][] confusion, double lossSum) {
    /** @return the report of {@code engine} on every image of {@code split}, in batches of {@code batchSize} */
    public static TestReport of(TrainingEngine engine, CifarSplit split, int batchSize) {
        long[][] confusion = new long[CifarFormat.CLASSES][CifarFormat.CLASSES];
        double loss = 0;
        for (int from = 0; from < split.size(); from += batchSize) {
            int size = Math.min(batchSize, split.size() - from);
            Batch batch = Batch.plain(split, from, size);
            float[] probabilities = engine.probabilities(batch);
            for (int i = 0; i < size; i++) {
                int label = batch.labels()[i];
                int predicted = argMax(probabilities, i * CifarFormat.CLASSES, CifarFormat.CLASSES);
                confusion[label][predicted]++;
                loss -= Math.log(Math.max(1e-12, probabilities[i * CifarFormat.CLASSES + label]));
            }
        }
        return new TestReport(confusion, loss);
    }

    /** @return images assessed */
    public long images() {
        long n = 0;
        for (long[] row : confusion) {
            for (long count : row) {
                n += count;
            }
        }
        return n;
    }

    /** @return the fraction classified correctly */
    public double accuracy() {
        long correct = 0;
        for (int c = 0; c < confusion.length; c++) {
            correct += confusion[c][c];
        }
        return images() == 0 ? 0 : (double) correct / images();
    }

    /** @return mean cross-entropy */
    public double meanLoss() {
        return images() == 0 ? 0 : lossSum / images();
    }

    /** @return images of class {@code label} */
    public long imagesOf(int label) {
        long n = 0;
        for (long count : confusion[label]) {
            n += count;
        }
        return n;
    }

    /** @return the fraction of class {@code label}'s images classified correctly (0 when there are none) */
    public double accuracyOf(int label) {
        long n = imagesOf(label);
        return n == 0 ? 0 : (double) confusion[label][label] / n;
    }

    /** @return the index of the largest of {@code length} values from {@code offset} */
    public static int argMax(float[] values, int offset, int length) {
        int best = 0;
        for (int i = 1; i < length; i++) {
            if (values[offset + i] > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
