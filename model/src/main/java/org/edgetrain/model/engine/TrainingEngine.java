package org.edgetrain.model.engine;

import org.edgetrain.model.cifar.Batch;
import org.edgetrain.model.net.NetworkSpec;

/**
 * One network replica that can train and evaluate, with all of its state exposed as flat float vectors so
 * that it can be stored in a grid, averaged and sent over a network.
 *
 * <p><b>Not thread-safe</b>: one thread uses an engine at a time. Engines hold native memory: close them.
 *
 * <p>State contract: {@link #state()} holds every value that determines the network's outputs, weights and
 * BatchNorm running statistics alike, so that {@code b.setState(a.state())} makes {@code b} compute exactly what
 * {@code a} computes; the round trip is bit-exact. Optimizer state (momentum buffers) is separate because
 * federated aggregation treats it differently.
 */
public interface TrainingEngine extends AutoCloseable {
    /** @return short engine name for reports, e.g. {@code dl4j-onednn} */
    String name();

    /** @return the spec this engine was built from */
    NetworkSpec spec();

    /**
     * Sets how many threads this engine's math uses. Native thread pools keep their size per calling thread: call it
     * on the thread that trains.
     *
     * @throws IllegalArgumentException when {@code threads < 1}
     */
    void useThreads(int threads);

    /**
     * Bounds how many images of a batch one forward and backward pass holds at once: a bigger batch is trained in
     * several passes whose gradients add up to the batch's, so one step still moves the weights as the whole batch
     * would (BatchNorm normalizes each pass by its own statistics, as it does each worker's share). This is how a
     * device in a tight memory limit trains a big network ({@code DeviceMemory#imagesPerPass}). Engines that cannot
     * split a batch ignore it (DL4J); the default is no bound.
     *
     * @throws IllegalArgumentException when {@code images < 1}
     */
    default void limitImagesPerPass(int images) {
        if (images < 1) {
            throw new IllegalArgumentException("images per pass must be >= 1, got " + images);
        }
    }

    /** @return length of {@link #state()} */
    int stateSize();

    /** @return trainable parameters only (excludes BatchNorm running statistics) */
    long trainableParameterCount();

    /** @return a copy of the full network state */
    float[] state();

    /**
     * Replaces the full network state.
     *
     * @throws IllegalArgumentException when the length is not {@link #stateSize()}
     */
    void setState(float[] state);

    /** @return a copy of the optimizer state (may be empty before the first step) */
    float[] optimizerState();

    /**
     * Replaces the optimizer state.
     *
     * @throws IllegalArgumentException when the length does not match
     */
    void setOptimizerState(float[] state);

    /**
     * One optimization step on a batch.
     *
     * @param learningRate the learning rate for this step
     * @return mean training loss of the batch (before the step)
     */
    double train(Batch batch, double learningRate);

    /** @return counts on a batch, in inference mode (BatchNorm running statistics) */
    Evaluation evaluate(Batch batch);

    /**
     * @return the class probabilities (softmax) of each image of a batch, in inference mode: {@code size * 10} values,
     *     image by image
     */
    float[] probabilities(Batch batch);

    /** Frees native memory. */
    @Override
    void close();
}
