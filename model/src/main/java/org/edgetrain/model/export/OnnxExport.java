package org.edgetrain.model.export;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import onnx.Onnx;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.edgetrain.model.cifar.CifarFormat;
import org.edgetrain.model.net.ResNet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.protobuf.ByteString;

/**
 * Writes edgetrain's ResNet as an ONNX graph, for runtimes without Java (ONNX Runtime on a Raspberry Pi, TensorRT on a
 * Jetson). The graph is built node by node from the network's definition ({@link ResNet}) and the trained DL4J graph's
 * parameters, with ONNX's own protobuf classes (shipped by ND4J). Inference only: BatchNorm uses the running
 * statistics.
 *
 * <p>Input {@code input}: float {@code [N, 3, 32, 32]}, RGB, normalized as {@code (pixel / 255 - mean) / std} (the
 * sidecar's {@code mean} and {@code std}). Output {@code probabilities}: float {@code [N, 10]}, softmax over CIFAR-10's
 * classes. Opset {@value #OPSET}.
 */
public final class OnnxExport {
    /** The ONNX operator set the graph uses. */
    public static final int OPSET = 17;
    /** Name of the graph's input. */
    public static final String INPUT = "input";
    /** Name of the graph's output. */
    public static final String OUTPUT = "probabilities";

    private static final int IR_VERSION = 8;

    private final ComputationGraph network;
    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder().setName("edgetrain-resnet");

    private OnnxExport(ComputationGraph network) {
        this.network = network;
    }

    /**
     * Writes {@code network} (a graph built by {@link ResNet#configuration} for {@code model}) to {@code file}.
     *
     * @param producerVersion edgetrain's version, recorded in the file
     */
    public static void write(ComputationGraph network, String model, String producerVersion, Path file) throws IOException {
        Onnx.ModelProto proto = new OnnxExport(network).build(model, producerVersion);
        ArtifactFiles.writeAtomically(file, out -> proto.writeTo(out));
    }

    private Onnx.ModelProto build(String model, String producerVersion) {
        int blocksPerStage = (ResNet.depth(model) - 2) / 6;
        graph.addInput(valueInfo(INPUT, "N", CifarFormat.CHANNELS, CifarFormat.SIDE, CifarFormat.SIDE));
        String last = convBnRelu("stem", INPUT, 1);
        int filters = 16;
        for (int stage = 0; stage < 3; stage++) {
            for (int block = 0; block < blocksPerStage; block++) {
                boolean down = stage > 0 && block == 0;
                int outFilters = 16 << stage;
                last = basicBlock("s" + stage + "b" + block, last, outFilters - filters, down);
                filters = outFilters;
            }
        }
        node("GlobalAveragePool", List.of(last), "pool");
        node("Flatten", List.of("pool"), "pool_flat", intAttribute("axis", 1));
        INDArray weights = param("output", "W"); // [64, 10]: Gemm computes pool_flat x W + b
        initializer("output_W", weights);
        initializer("output_b", param("output", "b").reshape(weights.size(1)));
        node("Gemm", List.of("pool_flat", "output_W", "output_b"), "logits");
        node("Softmax", List.of("logits"), OUTPUT, intAttribute("axis", 1));
        graph.addOutput(valueInfo(OUTPUT, "N", CifarFormat.CLASSES));
        return Onnx.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("edgetrain")
                .setProducerVersion(producerVersion)
                .setDocString(model + " for CIFAR-10 (He et al. 2016, option-A shortcuts), trained with edgetrain")
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph)
                .build();
    }

    /** @return the name of the block's output; as {@code ResNet#basicBlock} */
    private String basicBlock(String name, String input, int extraChannels, boolean down) {
        String first = convBnRelu(name + "a", input, down ? 2 : 1);
        String second = batchNorm(name + "b", conv(name + "b", first, 1));
        String shortcut = input;
        if (down) {
            // Option A: every second pixel (DL4J's 1x1 max pooling with stride 2), then zero channels appended.
            initializer(name + "_starts", new long[] {0, 0});
            initializer(name + "_ends", new long[] {Long.MAX_VALUE, Long.MAX_VALUE});
            initializer(name + "_axes", new long[] {2, 3});
            initializer(name + "_steps", new long[] {2, 2});
            node("Slice", List.of(input, name + "_starts", name + "_ends", name + "_axes", name + "_steps"), name + "_sub");
            initializer(name + "_pads", new long[] {0, 0, 0, 0, 0, extraChannels, 0, 0});
            node("Pad", List.of(name + "_sub", name + "_pads"), name + "_pad");
            shortcut = name + "_pad";
        }
        node("Add", List.of(second, shortcut), name + "_add");
        node("Relu", List.of(name + "_add"), name + "_out");
        return name + "_out";
    }

    private String convBnRelu(String name, String input, int stride) {
        String normalized = batchNorm(name, conv(name, input, stride));
        node("Relu", List.of(normalized), name + "_act");
        return name + "_act";
    }

    private String conv(String name, String input, int stride) {
        initializer(name + "_conv_W", param(name + "_conv", "W"));
        node("Conv", List.of(input, name + "_conv_W"), name + "_conv",
                intsAttribute("kernel_shape", 3, 3), intsAttribute("pads", 1, 1, 1, 1),
                intsAttribute("strides", stride, stride));
        return name + "_conv";
    }

    private String batchNorm(String name, String input) {
        String layer = name + "_bn";
        org.deeplearning4j.nn.conf.layers.BatchNormalization conf = (org.deeplearning4j.nn.conf.layers.BatchNormalization)
                network.getLayer(layer).conf().getLayer();
        initializer(layer + "_gamma", param(layer, BatchNormalizationParamInitializer.GAMMA));
        initializer(layer + "_beta", param(layer, BatchNormalizationParamInitializer.BETA));
        initializer(layer + "_mean", param(layer, BatchNormalizationParamInitializer.GLOBAL_MEAN));
        initializer(layer + "_var", variance(layer, conf));
        node("BatchNormalization", List.of(input, layer + "_gamma", layer + "_beta", layer + "_mean", layer + "_var"),
                layer, floatAttribute("epsilon", (float) conf.getEps()));
        return layer;
    }

    /** @return the running variance as ONNX wants it, whichever form DL4J keeps it in */
    private INDArray variance(String layer, org.deeplearning4j.nn.conf.layers.BatchNormalization conf) {
        if (!conf.isUseLogStd()) {
            return param(layer, BatchNormalizationParamInitializer.GLOBAL_VAR);
        }
        // DL4J keeps log10 of a standard deviation s and normalizes with sqrt(s^2 + eps) at inference; ONNX normalizes
        // with sqrt(var + eps): var = s^2. (Subtracting eps here, as if s already held it, left the two runtimes 1e-4
        // apart; without, they agree to float noise.)
        float[] logStd = param(layer, BatchNormalizationParamInitializer.GLOBAL_LOG_STD).toFloatVector();
        float[] variance = new float[logStd.length];
        for (int i = 0; i < logStd.length; i++) {
            double std = Math.pow(10, logStd[i]);
            variance[i] = (float) (std * std);
        }
        return org.nd4j.linalg.factory.Nd4j.createFromArray(variance);
    }

    private INDArray param(String layer, String name) {
        Layer l = network.getLayer(layer);
        if (l == null || l.getParam(name) == null) {
            throw new IllegalArgumentException("the network has no parameter " + layer + "." + name
                    + ": it is not an edgetrain ResNet");
        }
        return l.getParam(name);
    }

    private void node(String op, List<String> inputs, String output, Onnx.AttributeProto... attributes) {
        Onnx.NodeProto.Builder node = Onnx.NodeProto.newBuilder().setOpType(op).setName(output).addOutput(output);
        inputs.forEach(node::addInput);
        for (Onnx.AttributeProto attribute : attributes) {
            node.addAttribute(attribute);
        }
        graph.addNode(node);
    }

    private void initializer(String name, INDArray values) {
        float[] data = values.dup('c').reshape(-1).toFloatVector();
        ByteBuffer bytes = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(data);
        Onnx.TensorProto.Builder tensor = Onnx.TensorProto.newBuilder().setName(name)
                .setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(bytes.array()));
        for (long dimension : values.shape()) {
            tensor.addDims(dimension);
        }
        graph.addInitializer(tensor);
    }

    private void initializer(String name, long[] values) {
        Onnx.TensorProto.Builder tensor = Onnx.TensorProto.newBuilder().setName(name)
                .setDataType(Onnx.TensorProto.DataType.INT64_VALUE).addDims(values.length);
        for (long value : values) {
            tensor.addInt64Data(value);
        }
        graph.addInitializer(tensor);
    }

    private static Onnx.ValueInfoProto valueInfo(String name, String batch, long... dimensions) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder()
                .addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
        for (long dimension : dimensions) {
            shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(dimension));
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE)
                        .setShape(shape))).build();
    }

    private static Onnx.AttributeProto intAttribute(String name, long value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT).setI(value)
                .build();
    }

    private static Onnx.AttributeProto intsAttribute(String name, long... values) {
        Onnx.AttributeProto.Builder attribute = Onnx.AttributeProto.newBuilder().setName(name)
                .setType(Onnx.AttributeProto.AttributeType.INTS);
        for (long value : values) {
            attribute.addInts(value);
        }
        return attribute.build();
    }

    private static Onnx.AttributeProto floatAttribute(String name, float value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.FLOAT).setF(value)
                .build();
    }
}
