package org.edgetrain.model.net;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Where each tensor of a ResNet lives in edgetrain's flat state vector: the one layout every engine reads and writes,
 * so that a state stored in the grid, a checkpoint or a model file means the same network whichever engine made it.
 *
 * <p>Order: layer by layer from input to output ({@code stem}, then {@code s<stage>b<block>a} and {@code ...b} of each
 * basic block, then {@code output}); within a convolution its weight {@code [out, in, 3, 3]} row-major; within a
 * BatchNorm gamma, beta, running mean and running <b>log10 standard deviation</b> ({@code log10(sqrt(var))}, the form
 * DeepLearning4J keeps; inference normalizes with {@code sqrt(std^2 + eps)}); the output layer's weight as
 * {@code [10, 64]} row-major (out, in), then its bias. This is the order DeepLearning4J's
 * {@code ComputationGraph.params()} has for {@link ResNet#configuration} (checked by a test), so states written before
 * there were two engines keep their meaning.
 *
 * <p>Optimizer state (Nesterov velocity) has one value per trainable value, in the same order with the BatchNorm
 * running statistics left out. Immutable and thread-safe.
 */
public final class StateLayout {
    /** BatchNorm epsilon, as DeepLearning4J's default. */
    public static final double BATCH_NORM_EPS = 1e-5;
    /** BatchNorm running-statistics decay, as DeepLearning4J's default: {@code running = decay running + (1 - decay) batch}. */
    public static final double BATCH_NORM_DECAY = 0.9;

    /** What a tensor holds, which decides how engines read it and whether the optimizer updates it. */
    public enum Kind {
        CONV_WEIGHT(true), BN_GAMMA(true), BN_BETA(true), BN_MEAN(false), BN_LOG10_STD(false), DENSE_WEIGHT(true),
        DENSE_BIAS(true);

        private final boolean trainable;

        Kind(boolean trainable) {
            this.trainable = trainable;
        }

        /** @return true when the optimizer updates it (false: BatchNorm running statistics) */
        public boolean trainable() {
            return trainable;
        }

        /** @return true when weight decay applies to it: weights, not biases or BatchNorm's scale and shift */
        public boolean weightDecayed() {
            return this == CONV_WEIGHT || this == DENSE_WEIGHT;
        }
    }

    /**
     * One tensor.
     *
     * @param layer DeepLearning4J's layer name, e.g. {@code s1b0a_conv}
     * @param kind what it holds
     * @param shape its shape in the flat vector (row-major)
     * @param offset where it starts in the state vector
     * @param trainableOffset where its velocity starts in the optimizer state, -1 when not trainable
     */
    public record Tensor(String layer, Kind kind, long[] shape, int offset, int trainableOffset) {
        /** @return number of values */
        public int size() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return (int) n;
        }

        /** @return a copy of this tensor's values in {@code state} */
        public float[] slice(float[] state) {
            return Arrays.copyOfRange(state, offset, offset + size());
        }
    }

    private final String model;
    private final List<Tensor> tensors;
    private final int size;
    private final int trainableSize;

    private StateLayout(String model, List<Tensor> tensors) {
        this.model = model;
        this.tensors = List.copyOf(tensors);
        Tensor last = tensors.get(tensors.size() - 1);
        this.size = last.offset() + last.size();
        this.trainableSize = tensors.stream().filter(t -> t.kind().trainable()).mapToInt(Tensor::size).sum();
    }

    /** @return the layout of {@code model} (see {@link ResNet#depth(String)}) */
    public static StateLayout of(String model) {
        int blocksPerStage = (ResNet.depth(model) - 2) / 6;
        Builder builder = new Builder();
        builder.convBn("stem", 3, 16);
        int filters = 16;
        for (int stage = 0; stage < 3; stage++) {
            for (int block = 0; block < blocksPerStage; block++) {
                int outFilters = 16 << stage;
                String name = "s" + stage + "b" + block;
                builder.convBn(name + "a", filters, outFilters);
                builder.convBn(name + "b", outFilters, outFilters);
                filters = outFilters;
            }
        }
        builder.add("output", Kind.DENSE_WEIGHT, 10, filters);
        builder.add("output", Kind.DENSE_BIAS, 10);
        return new StateLayout(model, builder.tensors);
    }

    /** @return the model this layout describes */
    public String model() {
        return model;
    }

    /** @return every tensor, in state order */
    public List<Tensor> tensors() {
        return tensors;
    }

    /** @return length of the state vector */
    public int size() {
        return size;
    }

    /** @return length of the optimizer state: the trainable values */
    public int trainableSize() {
        return trainableSize;
    }

    /**
     * A fresh network's state: convolutions He-normal ({@code std = sqrt(2 / fan_in)}), the output layer
     * Xavier-normal ({@code std = sqrt(2 / (fan_in + fan_out))}), BatchNorm gamma 1, beta 0, mean 0, variance 1. The
     * same seed gives the same state on every machine (it is plain Java); it is not the state DeepLearning4J's own
     * initializer draws for that seed.
     */
    public float[] initialState(long seed) {
        Random random = new Random(seed);
        float[] state = new float[size];
        for (Tensor t : tensors) {
            double std = switch (t.kind()) {
                case CONV_WEIGHT -> Math.sqrt(2.0 / (t.shape()[1] * t.shape()[2] * t.shape()[3]));
                case DENSE_WEIGHT -> Math.sqrt(2.0 / (t.shape()[0] + t.shape()[1]));
                default -> 0;
            };
            float constant = t.kind() == Kind.BN_GAMMA ? 1f : 0f; // log10 std 0: variance 1
            for (int i = t.offset(); i < t.offset() + t.size(); i++) {
                state[i] = std > 0 ? (float) (random.nextGaussian() * std) : constant;
            }
        }
        return state;
    }

    private static final class Builder {
        private final List<Tensor> tensors = new ArrayList<>();
        private int offset;
        private int trainableOffset;

        void convBn(String name, int in, int out) {
            add(name + "_conv", Kind.CONV_WEIGHT, out, in, 3, 3);
            for (Kind kind : List.of(Kind.BN_GAMMA, Kind.BN_BETA, Kind.BN_MEAN, Kind.BN_LOG10_STD)) {
                add(name + "_bn", kind, out);
            }
        }

        void add(String layer, Kind kind, long... shape) {
            Tensor tensor = new Tensor(layer, kind, shape, offset, kind.trainable() ? trainableOffset : -1);
            tensors.add(tensor);
            offset += tensor.size();
            if (kind.trainable()) {
                trainableOffset += tensor.size();
            }
        }
    }
}
