package org.edgetrain.model.net;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * ResNet-N for CIFAR-10 exactly as He et al. 2016, section 4.2: N = 6n + 2 layers; a 3x3 convolution with 16
 * filters, then three stages of n basic blocks (two 3x3 convolutions each) with 16, 32 and 64 filters on
 * 32x32, 16x16 and 8x8 maps, global average pooling and a 10-way softmax.
 *
 * <p>Shortcuts are the paper's <b>option A</b> (used for all its CIFAR results): identity, and where a stage
 * halves the map and doubles the filters, the input is subsampled with stride 2 and padded with zero channels.
 * Built as a 1x1 stride-2 subsampling, concatenated with itself scaled by 0: no parameters, so ResNet-20 has
 * 0.27 M and ResNet-32 0.46 M parameters as in the paper (plus BatchNorm running statistics in the state).
 */
public final class ResNet {
    private ResNet() {
    }

    /**
     * A training pass's activation memory per image, estimated: every convolution's output, 4-byte floats, three times
     * (the output, its BatchNorm'd and ReLU'd copies that autograd keeps for the backward pass, and their gradients
     * while it runs). ResNet-8: 0.9 MB, ResNet-32: 3.6 MB.
     */
    public static long activationBytesPerImage(String model) {
        int n = (depth(model) - 2) / 6;
        long floats = (2L * n + 1) * 16 * 32 * 32 + 2L * n * 32 * 16 * 16 + 2L * n * 64 * 8 * 8;
        return floats * Float.BYTES * 3;
    }

    /**
     * @param model {@code resnet8}, {@code resnet20}, {@code resnet32}, {@code resnet56} or any {@code resnetN}
     *              with N = 6n + 2
     * @return N
     * @throws IllegalArgumentException naming the valid choices
     */
    public static int depth(String model) {
        String name = model.toLowerCase(Locale.ROOT);
        if (name.startsWith("resnet")) {
            try {
                int depth = Integer.parseInt(name.substring("resnet".length()));
                if (depth >= 8 && (depth - 2) % 6 == 0) {
                    return depth;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the message below
            }
        }
        throw new IllegalArgumentException("unknown model '" + model + "': use resnetN with N = 6n+2, e.g. resnet8, "
                + "resnet20, resnet32, resnet56");
    }

    /**
     * Builds the graph configuration.
     *
     * @param spec model, seed and optimizer settings
     * @param hidden activation after each BatchNorm: ReLU as in the paper; a smooth one only for numerical tests
     */
    public static ComputationGraphConfiguration configuration(NetworkSpec spec, Activation hidden) {
        int blocksPerStage = (depth(spec.model()) - 2) / 6;
        ComputationGraphConfiguration.GraphBuilder graph = new NeuralNetConfiguration.Builder()
                .seed(spec.seed())
                .dataType(DataType.FLOAT)
                .updater(new Nesterovs(0.1, spec.momentum()))
                .weightDecay(spec.weightDecay(), true)
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Truncate)
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .cacheMode(CacheMode.NONE)
                .graphBuilder()
                .addInputs("input")
                .setInputTypes(InputType.convolutional(32, 32, 3));

        String last = convBnAct(graph, "stem", "input", 16, 1, hidden);
        int filters = 16;
        for (int stage = 0; stage < 3; stage++) {
            for (int block = 0; block < blocksPerStage; block++) {
                boolean down = stage > 0 && block == 0;
                int outFilters = 16 << stage;
                last = basicBlock(graph, "s" + stage + "b" + block, last, filters, outFilters, down, hidden);
                filters = outFilters;
            }
        }
        graph.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), last)
                .addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(10).activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build(), "pool")
                .setOutputs("output");
        ComputationGraphConfiguration configuration = graph.build();
        applyWeightDecayOnce(configuration, spec.weightDecay());
        return configuration;
    }

    /**
     * DeepLearning4J 1.0.0-M2.1 copies the builder's weight decay into each layer twice, so weights decayed at twice
     * the rate asked for (measured against an independent implementation; see TorchEngineTest). Each weight gets one.
     */
    private static void applyWeightDecayOnce(ComputationGraphConfiguration configuration, double weightDecay) {
        for (GraphVertex vertex : configuration.getVertices().values()) {
            if (vertex instanceof LayerVertex layerVertex
                    && layerVertex.getLayerConf().getLayer() instanceof BaseLayer layer
                    && layer.getRegularization() != null && !layer.getRegularization().isEmpty()) {
                layer.setRegularization(new ArrayList<>(List.of(new WeightDecay(weightDecay, true))));
            }
        }
    }

    private static String convBnAct(ComputationGraphConfiguration.GraphBuilder graph, String name, String input,
                                    int filters, int stride, Activation activation) {
        graph.addLayer(name + "_conv", conv(filters, stride), input)
                .addLayer(name + "_bn", new BatchNormalization.Builder().build(), name + "_conv")
                .addLayer(name + "_act", new ActivationLayer.Builder().activation(activation).build(), name + "_bn");
        return name + "_act";
    }

    private static String basicBlock(ComputationGraphConfiguration.GraphBuilder graph, String name, String input,
                                     int inFilters, int outFilters, boolean down, Activation activation) {
        String first = convBnAct(graph, name + "a", input, outFilters, down ? 2 : 1, activation);
        graph.addLayer(name + "b_conv", conv(outFilters, 1), first)
                .addLayer(name + "b_bn", new BatchNormalization.Builder().build(), name + "b_conv");
        String shortcut = input;
        if (down) {
            // Option A: subsample by 2 and pad the channels with zeros (concatenate with a zeroed copy).
            graph.addLayer(name + "_sub", new SubsamplingLayer.Builder(PoolingType.MAX)
                            .kernelSize(1, 1).stride(2, 2).build(), input)
                    .addVertex(name + "_zeros", new ScaleVertex(0.0), name + "_sub")
                    .addVertex(name + "_pad", new MergeVertex(), name + "_sub", name + "_zeros");
            shortcut = name + "_pad";
            if (outFilters != 2 * inFilters) {
                throw new IllegalStateException("option-A shortcut needs doubled filters");
            }
        }
        graph.addVertex(name + "_add", new ElementWiseVertex(ElementWiseVertex.Op.Add), name + "b_bn", shortcut)
                .addLayer(name + "_out", new ActivationLayer.Builder().activation(activation).build(), name + "_add");
        return name + "_out";
    }

    private static ConvolutionLayer conv(int filters, int stride) {
        return new ConvolutionLayer.Builder(3, 3)
                .stride(stride, stride)
                .padding(1, 1)
                .nOut(filters)
                .hasBias(false)
                .activation(Activation.IDENTITY)
                .build();
    }
}
