package org.edgetrain.model.engine;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.edgetrain.model.cifar.Batch;
import org.edgetrain.model.cifar.CifarFormat;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.net.ResNet;
import org.edgetrain.model.net.StateLayout;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link TrainingEngine} on a DeepLearning4J {@link ComputationGraph}, on the oneDNN fast path when it is
 * available (see {@link OneDnnHelpers}). Not thread-safe.
 */
public final class Dl4jEngine implements TrainingEngine {
    private static final Logger LOG = LogManager.getLogger(Dl4jEngine.class);

    private final NetworkSpec spec;
    private final ComputationGraph graph;
    private final OneDnnHelpers.Report helpers;

    /**
     * Builds and initializes the network with ReLU, as in the paper.
     *
     * @param requireHelpers fail when the oneDNN helpers are not attached, instead of warning
     * @throws IllegalStateException when {@code requireHelpers} and the fast path is unavailable
     */
    public Dl4jEngine(NetworkSpec spec, boolean requireHelpers) {
        this(spec, Activation.RELU, requireHelpers);
    }

    /** Builds the network with another hidden activation; for numerical tests only. */
    Dl4jEngine(NetworkSpec spec, Activation hidden, boolean requireHelpers) {
        OneDnnHelpers.configure();
        this.spec = spec;
        this.graph = new ComputationGraph(ResNet.configuration(spec, hidden));
        graph.init();
        // The seed's state from the shared layout, so that both engines start a given seed from the same network.
        graph.setParams(Nd4j.createFromArray(StateLayout.of(spec.model()).initialState(spec.seed())));
        this.helpers = OneDnnHelpers.check(graph);
        if (!helpers.allAttached()) {
            String message = spec.model() + " runs WITHOUT oneDNN (" + helpers + "): training will be about 8x slower."
                    + " Start the JVM with -D" + OneDnnHelpers.PLATFORM_EXTENSION_PROPERTY + "=-onednn-avx2 (bin/edgetrain"
                    + " does) and keep -D" + OneDnnHelpers.DISABLE_PROPERTY + "=false";
            if (requireHelpers) {
                throw new IllegalStateException(message);
            }
            if (!"true".equals(System.getProperty(OneDnnHelpers.DISABLE_PROPERTY))) {
                LOG.warn(message);
            }
        }
    }

    /** @return which layers run on oneDNN */
    public OneDnnHelpers.Report helpers() {
        return helpers;
    }

    /** @return the underlying DL4J graph, to export it; not to be used while the engine trains */
    public ComputationGraph graph() {
        return graph;
    }

    @Override
    public String name() {
        return helpers.allAttached() ? "dl4j-onednn" : "dl4j";
    }

    @Override
    public NetworkSpec spec() {
        return spec;
    }

    @Override
    public void useThreads(int threads) {
        NativeThreads.use(threads);
    }

    @Override
    public int stateSize() {
        return (int) graph.numParams();
    }

    @Override
    public long trainableParameterCount() {
        long total = 0;
        for (org.deeplearning4j.nn.api.Layer layer : graph.getLayers()) {
            for (var entry : layer.paramTable().entrySet()) {
                if (layer.conf().getLayer().getUpdaterByParam(entry.getKey()).getClass().getSimpleName().equals("NoOp")) {
                    continue; // BatchNorm running mean/variance: state, not trained by the optimizer
                }
                total += entry.getValue().length();
            }
        }
        return total;
    }

    @Override
    public float[] state() {
        return graph.params().toFloatVector();
    }

    @Override
    public void setState(float[] state) {
        if (state.length != stateSize()) {
            throw new IllegalArgumentException("state has " + state.length + " values, " + spec.model() + " needs "
                    + stateSize());
        }
        graph.setParams(Nd4j.createFromArray(state));
    }

    @Override
    public float[] optimizerState() {
        INDArray view = graph.getUpdater().getStateViewArray();
        return view == null ? new float[0] : view.toFloatVector();
    }

    @Override
    public void setOptimizerState(float[] state) {
        INDArray view = graph.getUpdater().getStateViewArray();
        long expected = view == null ? 0 : view.length();
        if (state.length != expected) {
            throw new IllegalArgumentException("optimizer state has " + state.length + " values, expected " + expected);
        }
        if (view != null) {
            view.assign(Nd4j.createFromArray(state).reshape(view.shape()));
        }
    }

    @Override
    public double train(Batch batch, double learningRate) {
        graph.setLearningRate(learningRate);
        graph.fit(toDataSet(batch));
        return graph.score();
    }

    @Override
    public Evaluation evaluate(Batch batch) {
        INDArray probabilities = graph.outputSingle(false, features(batch));
        int[] predicted = probabilities.argMax(1).toIntVector();
        long correct = 0;
        double loss = 0;
        for (int i = 0; i < batch.size(); i++) {
            int label = batch.labels()[i];
            if (predicted[i] == label) {
                correct++;
            }
            loss -= Math.log(Math.max(1e-12, probabilities.getDouble(i, label)));
        }
        return new Evaluation(correct, batch.size(), loss);
    }

    @Override
    public float[] probabilities(Batch batch) {
        return output(batch).reshape(-1).toFloatVector();
    }

    /** @return the softmax outputs for a batch in inference mode */
    INDArray output(Batch batch) {
        return graph.outputSingle(false, features(batch));
    }

    static DataSet toDataSet(Batch batch) {
        INDArray labels = Nd4j.zeros(DataType.FLOAT, batch.size(), CifarFormat.CLASSES);
        for (int i = 0; i < batch.size(); i++) {
            labels.putScalar(i, batch.labels()[i], 1f);
        }
        return new DataSet(features(batch), labels);
    }

    private static INDArray features(Batch batch) {
        return Nd4j.create(batch.features(), new long[] {batch.size(), CifarFormat.CHANNELS, CifarFormat.SIDE,
                CifarFormat.SIDE}, 'c');
    }

    @Override
    public void close() {
        graph.clear();
    }
}
