package org.edgetrain.model.engine;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.edgetrain.model.cifar.Batch;
import org.edgetrain.model.cifar.CifarFormat;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.net.ResNet;
import org.edgetrain.model.net.StateLayout;

/**
 * {@link TrainingEngine} on libtorch (PyTorch's C++ core and its oneDNN kernels) through DJL's PyTorch engine: the same
 * ResNet as {@link ResNet}, the same optimizer as {@link Dl4jEngine} (Nesterov momentum as DeepLearning4J applies it,
 * weight decay scaled by the learning rate on every trainable tensor), the same flat {@link StateLayout}, so a state
 * or optimizer state from either engine loads in the other.
 *
 * <p>The network is written as functions over its own tensors rather than DJL blocks: the tensors are exactly the
 * layout's, nothing is renamed or reordered on the way in and out.
 *
 * <p>Not thread-safe: one thread uses an engine at a time (it may hand shares of a batch to worker threads of its
 * own, see {@link #useThreads(int)}). Several engines may train at once on different threads (autograd's mode is per
 * thread). Tensors of one step live in a sub-manager closed at its end, so an engine's native
 * memory stays flat from step to step.
 */
public final class TorchEngine implements TrainingEngine {
    private static final String DJL_OFFLINE = "ai.djl.offline";
    /** Fewer images than this per worker and a batch stays on fewer workers (BatchNorm needs a few, splitting costs). */
    private static final int MIN_IMAGES_PER_WORKER = 8;

    private final NetworkSpec spec;
    private final StateLayout layout;
    private final DataType dataType;
    private final NDManager root;
    /** One array per layout tensor, in layout order; BatchNorm running std is held as a running variance. */
    private final List<NDArray> tensors = new ArrayList<>();
    private final List<NDArray> trainable = new ArrayList<>();
    private final List<NDArray> velocity = new ArrayList<>();
    /**
     * The tensors each training worker computes with: the engine's own first; the others share its weights and keep
     * BatchNorm running statistics of their own (see {@link #useThreads(int)}).
     */
    private final List<List<NDArray>> workerViews = new ArrayList<>();
    /** Threads of the workers after the first (which is the caller's); null with one worker. */
    private ExecutorService helpers;
    /** Per trainable tensor: whether weight decay applies (weights only, as in DeepLearning4J). */
    private final List<Boolean> decayed = new ArrayList<>();
    /**
     * The running log10 std values exactly as last set (at their offsets in the state; other entries unused), valid
     * until the next training step: converting to variance and back may move a value by one float step, and a state
     * round trip must be bit-exact. After a step, {@link #state()} snaps each variance to its log10 std's value.
     */
    private float[] runningStdAsSet;
    /** Most images one pass holds activations for ({@link #limitImagesPerPass}). */
    private int imagesPerPass = Integer.MAX_VALUE;
    /** Each thread's reused input memory ({@link Staging}). */
    private final ThreadLocal<Staging> staging = ThreadLocal.withInitial(Staging::new);

    /** Builds {@code spec}'s network with {@link StateLayout#initialState(long)} of its seed. */
    public TorchEngine(NetworkSpec spec) {
        this(spec, DataType.FLOAT32);
    }

    /** As {@link #TorchEngine(NetworkSpec)}, computing in {@code dataType}: float64 only for numerical references. */
    TorchEngine(NetworkSpec spec, DataType dataType) {
        this.spec = spec;
        this.layout = StateLayout.of(spec.model());
        this.dataType = dataType;
        this.root = pytorch().newBaseManager();
        for (StateLayout.Tensor t : layout.tensors()) {
            NDArray array = root.zeros(new Shape(t.shape()), dataType);
            if (t.kind().trainable()) {
                array.setRequiresGradient(true);
                trainable.add(array);
                decayed.add(t.kind().weightDecayed());
                velocity.add(root.zeros(new Shape(t.shape()), dataType));
            }
            tensors.add(array);
        }
        workerViews.add(tensors);
        setState(layout.initialState(spec.seed()));
    }

    /**
     * Loads libtorch (once per process; DJL unpacks it from the natives jar on the classpath into its cache
     * directory, never downloads: offline mode is forced).
     *
     * @throws IllegalStateException naming the cause when libtorch cannot load on this machine
     */
    static Engine pytorch() {
        if (System.getProperty(DJL_OFFLINE) == null) {
            System.setProperty(DJL_OFFLINE, "true");
        }
        try {
            return Engine.getEngine("PyTorch");
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("libtorch does not load on this machine (" + System.getProperty("os.arch")
                    + "): " + e.getMessage() + ". Use --engine dl4j, or a build of edgetrain for this architecture", e);
        }
    }

    @Override
    public String name() {
        return "torch";
    }

    @Override
    public NetworkSpec spec() {
        return spec;
    }

    @Override
    public int stateSize() {
        return layout.size();
    }

    @Override
    public long trainableParameterCount() {
        return layout.trainableSize();
    }

    /**
     * Trains on {@code threads} workers of one libtorch thread each: a batch is split between them, each computes the
     * gradient of its share on the shared weights (libtorch sums them into one gradient) and BatchNorm statistics of its
     * share, like data-parallel training without synchronized BatchNorm. Measured on this machine (ResNet-32, batch 64,
     * 2 threads): 1.06x plain PyTorch in the same run, against 0.92x for one two-thread worker, which spends its time in
     * OpenMP barriers and the ramp of many small parallel regions (bench/RESULTS.md, "The engines").
     * With one thread a step is exactly the DL4J engine's step.
     *
     * <p>libtorch's thread count is per calling thread (OpenMP): call on the thread that trains.
     */
    @Override
    public void useThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        JniUtils.setNumThreads(1);
        if (threads == workerViews.size()) {
            return;
        }
        if (helpers != null) {
            helpers.shutdownNow();
            helpers = null;
        }
        while (workerViews.size() > 1) {
            List<NDArray> view = workerViews.remove(workerViews.size() - 1);
            for (int i = 0; i < view.size(); i++) {
                if (!layout.tensors().get(i).kind().trainable()) {
                    view.get(i).close();
                }
            }
        }
        for (int w = 1; w < threads; w++) {
            List<NDArray> view = new ArrayList<>();
            for (int i = 0; i < tensors.size(); i++) {
                // Weights are shared; each worker keeps BatchNorm running statistics of its own share.
                view.add(layout.tensors().get(i).kind().trainable() ? tensors.get(i) : tensors.get(i).duplicate());
            }
            workerViews.add(view);
        }
        if (threads > 1) {
            helpers = Executors.newFixedThreadPool(threads - 1, r -> {
                Thread thread = new Thread(() -> {
                    JniUtils.setNumThreads(1);
                    r.run();
                }, "edgetrain-torch-worker");
                thread.setDaemon(true);
                return thread;
            });
        }
    }

    /**
     * After a training step this also snaps each running variance to the value its log10 std in the returned state
     * stands for (a change below float resolution), so that an engine given this state computes exactly what this one
     * does.
     */
    @Override
    public float[] state() {
        float[] state = new float[layout.size()];
        for (int i = 0; i < tensors.size(); i++) {
            StateLayout.Tensor t = layout.tensors().get(i);
            float[] values = toFloats(tensors.get(i));
            if (t.kind() == StateLayout.Kind.BN_LOG10_STD) {
                for (int j = 0; j < values.length; j++) {
                    values[j] = (float) (0.5 * Math.log10(values[j]));
                }
            }
            System.arraycopy(values, 0, state, t.offset(), values.length);
        }
        if (runningStdAsSet != null) {
            for (StateLayout.Tensor t : layout.tensors()) {
                if (t.kind() == StateLayout.Kind.BN_LOG10_STD) {
                    System.arraycopy(runningStdAsSet, t.offset(), state, t.offset(), t.size());
                }
            }
        } else {
            runningStdAsSet = new float[layout.size()];
            for (int i = 0; i < tensors.size(); i++) {
                if (layout.tensors().get(i).kind() == StateLayout.Kind.BN_LOG10_STD) {
                    setRunningStd(i, state);
                }
            }
        }
        return state;
    }

    /**
     * Sets layout tensor {@code i} (a running log10 std) from {@code state}: the variance it stands for, in this engine
     * and its workers, and the value itself in {@link #runningStdAsSet}.
     */
    private void setRunningStd(int i, float[] state) {
        StateLayout.Tensor t = layout.tensors().get(i);
        double[] variance = new double[t.size()];
        for (int j = 0; j < variance.length; j++) {
            variance[j] = Math.pow(10, 2.0 * state[t.offset() + j]);
        }
        set(tensors.get(i), variance);
        for (int p = 1; p < workerViews.size(); p++) {
            tensors.get(i).copyTo(workerViews.get(p).get(i));
        }
        System.arraycopy(state, t.offset(), runningStdAsSet, t.offset(), t.size());
    }

    @Override
    public void setState(float[] state) {
        if (state.length != layout.size()) {
            throw new IllegalArgumentException("state has " + state.length + " values, " + spec.model() + " needs "
                    + layout.size());
        }
        runningStdAsSet = new float[layout.size()];
        for (int i = 0; i < tensors.size(); i++) {
            StateLayout.Tensor t = layout.tensors().get(i);
            if (t.kind() == StateLayout.Kind.BN_LOG10_STD) {
                setRunningStd(i, state);
            } else {
                set(tensors.get(i), t.slice(state));
                if (t.kind() == StateLayout.Kind.BN_MEAN) {
                    for (int p = 1; p < workerViews.size(); p++) {
                        tensors.get(i).copyTo(workerViews.get(p).get(i));
                    }
                }
            }
        }
    }

    @Override
    public float[] optimizerState() {
        float[] state = new float[layout.trainableSize()];
        int offset = 0;
        for (NDArray v : velocity) {
            float[] values = toFloats(v);
            System.arraycopy(values, 0, state, offset, values.length);
            offset += values.length;
        }
        return state;
    }

    @Override
    public void setOptimizerState(float[] state) {
        if (state.length != layout.trainableSize()) {
            throw new IllegalArgumentException("optimizer state has " + state.length + " values, expected "
                    + layout.trainableSize());
        }
        int offset = 0;
        for (NDArray v : velocity) {
            int size = (int) v.size();
            float[] values = new float[size];
            System.arraycopy(state, offset, values, 0, size);
            set(v, values);
            offset += size;
        }
    }

    @Override
    public double train(Batch batch, double learningRate) {
        int parts = Math.min(workerViews.size(), Math.max(1, batch.size() / MIN_IMAGES_PER_WORKER));
        double loss = 0;
        if (parts == 1) {
            loss = passes(tensors, batch, batch.size());
        } else {
            List<Future<Double>> shares = new ArrayList<>();
            for (int p = 1; p < parts; p++) {
                List<NDArray> view = workerViews.get(p);
                Batch share = share(batch, p, parts);
                shares.add(helpers.submit(() -> passes(view, share, batch.size())));
            }
            loss += passes(tensors, share(batch, 0, parts), batch.size());
            for (Future<Double> share : shares) {
                loss += join(share);
            }
        }
        withGradMode(false, () -> { // in-place updates of weights need autograd off
            try (NDManager step = root.newSubManager()) {
                update(step, learningRate);
                if (workerViews.size() > 1) {
                    mergeRunningStatistics(step, parts);
                }
            }
            return null;
        });
        runningStdAsSet = null;
        return loss;
    }

    @Override
    public void limitImagesPerPass(int images) {
        TrainingEngine.super.limitImagesPerPass(images);
        this.imagesPerPass = images;
    }

    /** {@link #backward} of {@code batch} in as few passes as {@link #imagesPerPass} allows, one after another. */
    private double passes(List<NDArray> view, Batch batch, int total) {
        int count = (batch.size() + imagesPerPass - 1) / imagesPerPass;
        if (count <= 1) {
            return backward(view, batch, total);
        }
        double loss = 0;
        for (int p = 0; p < count; p++) {
            loss += backward(view, share(batch, p, count), total);
        }
        return loss;
    }

    /**
     * Forward and backward pass of {@code batch} on {@code view}'s tensors: adds the gradient of this batch's share of
     * the mean loss over {@code total} images to the weights' gradients.
     *
     * @return that share of the loss
     */
    private double backward(List<NDArray> view, Batch batch, int total) {
        try (NDManager step = root.newSubManager()) {
            return withGradMode(true, () -> {
                NDArray logProbabilities = forward(view, input(step, batch), true).logSoftmax(1);
                NDArray loss = logProbabilities.mul(oneHot(step, batch)).sum().neg().div(total);
                JniUtils.backward((PtNDArray) loss, (PtNDArray) step.ones(loss.getShape(), dataType), false, false);
                return (double) toFloats(loss)[0];
            });
        }
    }

    /**
     * Runs {@code work} with libtorch's autograd on or off, then restores the mode. The mode is per thread and a new
     * thread starts with it on: every entry point sets the mode it needs rather than trusting the caller's thread.
     */
    private static <T> T withGradMode(boolean enabled, java.util.function.Supplier<T> work) {
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
        try {
            return work.get();
        } finally {
            JniUtils.setGradMode(previous);
        }
    }

    /** @return images {@code [part * n / parts, (part + 1) * n / parts)} of {@code batch} */
    private static Batch share(Batch batch, int part, int parts) {
        int from = part * batch.size() / parts;
        int to = (part + 1) * batch.size() / parts;
        return new Batch(Arrays.copyOfRange(batch.features(), from * CifarFormat.IMAGE_BYTES, to * CifarFormat.IMAGE_BYTES),
                Arrays.copyOfRange(batch.labels(), from, to));
    }

    private static double join(Future<Double> share) {
        try {
            return share.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a worker trained", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * The running statistics become the mean of what the {@code parts} workers that trained computed (each moved the
     * same old value towards its share's batch statistics), and every worker starts the next step from them.
     */
    private void mergeRunningStatistics(NDManager step, int parts) {
        for (int i = 0; i < tensors.size(); i++) {
            if (layout.tensors().get(i).kind().trainable()) {
                continue;
            }
            NDArray merged = tensors.get(i);
            if (parts > 1) {
                for (int p = 1; p < parts; p++) {
                    merged.addi(workerViews.get(p).get(i));
                }
                merged.divi(parts);
            }
            for (int p = 1; p < workerViews.size(); p++) {
                merged.copyTo(workerViews.get(p).get(i));
            }
        }
    }

    /**
     * @return the gradient of the mean loss of {@code batch} for each trainable value, in optimizer-state order, in
     *     this engine's precision; the state is not changed (running statistics aside)
     */
    double[] lossGradient(Batch batch) {
        double[] gradient = new double[layout.trainableSize()];
        backward(tensors, batch, batch.size());
        try (NDManager step = root.newSubManager()) {
            int offset = 0;
            for (NDArray w : trainable) {
                NDArray g = w.getGradient();
                g.attach(step);
                double[] values = g.toType(DataType.FLOAT64, false).toDoubleArray();
                System.arraycopy(values, 0, gradient, offset, values.length);
                offset += values.length;
                JniUtils.zeroGrad((PtNDArray) w);
            }
        }
        return gradient;
    }

    /**
     * Nesterov momentum as DeepLearning4J's {@code Nesterovs} updater, with its weight decay applied after the
     * updater and scaled by the learning rate ({@code WeightDecay(wd, applyLR = true)}):
     * {@code v' = mu v - lr g;  w' = w (1 - lr wd) + mu v' - lr g}, which is DeepLearning4J's
     * {@code w' = w - lr wd w - mu v + (1 + mu) v'} rearranged.
     */
    private void update(NDManager step, double learningRate) {
        float lr = (float) learningRate;
        float mu = (float) spec.momentum();
        float decay = (float) (1 - learningRate * spec.weightDecay());
        for (int i = 0; i < trainable.size(); i++) {
            NDArray w = trainable.get(i);
            NDArray v = velocity.get(i);
            NDArray g = w.getGradient();
            g.attach(step);
            g.muli(lr);
            v.muli(mu).subi(g);
            NDArray momentum = v.mul(mu);
            momentum.attach(step);
            if (decayed.get(i)) {
                w.muli(decay);
            }
            w.subi(g).addi(momentum);
            JniUtils.zeroGrad((PtNDArray) w);
        }
    }

    @Override
    public Evaluation evaluate(Batch batch) {
        float[] probabilities = probabilities(batch);
        long correct = 0;
        double loss = 0;
        for (int i = 0; i < batch.size(); i++) {
            int best = 0;
            for (int c = 1; c < CifarFormat.CLASSES; c++) {
                if (probabilities[i * CifarFormat.CLASSES + c] > probabilities[i * CifarFormat.CLASSES + best]) {
                    best = c;
                }
            }
            int label = batch.labels()[i];
            if (best == label) {
                correct++;
            }
            loss -= Math.log(Math.max(1e-12, probabilities[i * CifarFormat.CLASSES + label]));
        }
        return new Evaluation(correct, batch.size(), loss);
    }

    @Override
    public float[] probabilities(Batch batch) {
        try (NDManager step = root.newSubManager()) {
            return withGradMode(false, () -> toFloats(forward(tensors, input(step, batch), false).softmax(1)));
        }
    }

    /** @return the logits; the ResNet of {@link ResNet} on {@code tensors}, in layout order */
    private NDArray forward(List<NDArray> tensors, NDArray input, boolean training) {
        int blocksPerStage = (ResNet.depth(spec.model()) - 2) / 6;
        int next = 0;
        NDArray x = Activation.relu(convBn(tensors, input, next, 1, training));
        next += 5;
        for (int stage = 0; stage < 3; stage++) {
            for (int block = 0; block < blocksPerStage; block++) {
                boolean down = stage > 0 && block == 0;
                NDArray first = Activation.relu(convBn(tensors, x, next, down ? 2 : 1, training));
                next += 5;
                NDArray second = convBn(tensors, first, next, 1, training);
                next += 5;
                NDArray shortcut = x;
                if (down) {
                    // Option A: every second pixel, then as many zero channels as the stage adds.
                    NDArray sub = x.get(":, :, ::2, ::2");
                    shortcut = NDArrays.concat(new NDList(sub, sub.zerosLike()), 1);
                }
                x = Activation.relu(second.add(shortcut));
            }
        }
        NDArray pooled = Pool.globalAvgPool2d(x);
        return Linear.linear(pooled, tensors.get(next), tensors.get(next + 1)).singletonOrThrow();
    }

    /** A convolution (tensor {@code at}) and its BatchNorm (tensors {@code at + 1 .. at + 4}). */
    private static NDArray convBn(List<NDArray> tensors, NDArray input, int at, int stride, boolean training) {
        NDArray conv = Conv2d.conv2d(input, tensors.get(at), null, new Shape(stride, stride), new Shape(1, 1))
                .singletonOrThrow();
        // DJL's momentum is the decay of the running statistics (it hands libtorch 1 - momentum, the batch's weight).
        return BatchNorm.batchNorm(conv, tensors.get(at + 3), tensors.get(at + 4), tensors.get(at + 1),
                tensors.get(at + 2), 1, (float) StateLayout.BATCH_NORM_DECAY, (float) StateLayout.BATCH_NORM_EPS,
                training).singletonOrThrow();
    }

    private NDArray input(NDManager step, Batch batch) {
        Shape shape = new Shape(batch.size(), CifarFormat.CHANNELS, CifarFormat.SIDE, CifarFormat.SIDE);
        Staging buffers = staging.get();
        int values = batch.size() * CifarFormat.IMAGE_BYTES;
        buffers.features = Staging.fit(buffers.features, values);
        buffers.features.asFloatBuffer().put(batch.features(), 0, values);
        NDArray input = step.create(buffers.features, shape, DataType.FLOAT32);
        return dataType == DataType.FLOAT32 ? input : input.toType(dataType, false);
    }

    private NDArray oneHot(NDManager step, Batch batch) {
        Staging buffers = staging.get();
        int values = batch.size() * CifarFormat.CLASSES;
        buffers.labels = Staging.fit(buffers.labels, values);
        java.nio.FloatBuffer oneHot = buffers.labels.asFloatBuffer();
        oneHot.put(new float[values]).clear(); // the previous batch's ones
        for (int i = 0; i < batch.size(); i++) {
            oneHot.put(i * CifarFormat.CLASSES + batch.labels()[i], 1f);
        }
        NDArray array = step.create(buffers.labels, new Shape(batch.size(), CifarFormat.CLASSES), DataType.FLOAT32);
        return dataType == DataType.FLOAT32 ? array : array.toType(dataType, false);
    }

    /**
     * One thread's native staging memory for its batches, reused step after step. libtorch reads a tensor made from a
     * direct buffer in place; given a Java array, DJL allocates a new direct buffer per batch (786 KB for 64 images)
     * that only a garbage collection frees. (Its effect on a device's resident memory was too small to see beside the
     * allocator's: bench/RESULTS.md, "Memory", run 3.) Per thread because workers build their shares' tensors at the
     * same time; a buffer is refilled only by its thread's next step, after the step that used it closed its tensors.
     */
    private static final class Staging {
        ByteBuffer features;
        ByteBuffer labels;

        /** @return {@code buffer}, or a bigger one, limited to {@code floats} values in native order (contents stale) */
        static ByteBuffer fit(ByteBuffer buffer, int floats) {
            int bytes = floats * Float.BYTES;
            ByteBuffer fitted = buffer != null && buffer.capacity() >= bytes ? buffer
                    : ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
            fitted.clear().limit(bytes);
            return fitted;
        }
    }

    private static float[] toFloats(NDArray array) {
        if (array.getDataType() == DataType.FLOAT32) {
            return array.toFloatArray();
        }
        double[] values = array.toDoubleArray();
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }

    private void set(NDArray array, float[] values) {
        if (dataType == DataType.FLOAT32) {
            array.set(values);
        } else {
            double[] doubles = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                doubles[i] = values[i];
            }
            array.set(doubles);
        }
    }

    private void set(NDArray array, double[] values) {
        if (dataType == DataType.FLOAT32) {
            float[] floats = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                floats[i] = (float) values[i];
            }
            array.set(floats);
        } else {
            array.set(values);
        }
    }

    /** @return native arrays this engine holds now: constant from step to step (a test checks it) */
    int managedArrays() {
        return root.getManagedArrays().size();
    }

    @Override
    public void close() {
        if (helpers != null) {
            helpers.shutdownNow();
        }
        root.close();
    }
}
