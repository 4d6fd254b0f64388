package org.edgetrain.model.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.net.ResNet;

/**
 * A trained network as a DL4J {@link ComputationGraph} zip: what {@code ComputationGraph.load(file, false)} reads in a
 * plain DL4J program, with no edgetrain class needed (the graph uses DL4J's own layers and vertices only). BatchNorm
 * running statistics are parameters of the graph, so they are in the file; the optimizer's state is not.
 */
public final class Dl4jModelFile {
    private Dl4jModelFile() {
    }

    /** A network read back from a file. */
    public record Loaded(String model, float[] state) {
    }

    /** Writes {@code graph} to {@code file}, atomically. */
    public static void write(ComputationGraph graph, Path file) throws IOException {
        ArtifactFiles.writeAtomically(file, out -> ModelSerializer.writeModel(graph, out, false));
    }

    /**
     * Reads an edgetrain ResNet from {@code file}.
     *
     * @throws IllegalArgumentException naming the file and what is wrong: missing, not a DL4J model zip (truncated or
     *     corrupt), or a network that is not one of edgetrain's ResNets
     */
    public static Loaded read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("model file " + file + " does not exist: pass the model.zip that "
                    + "edgetrain model export, train-local --save or demo wrote");
        }
        ComputationGraph graph;
        try {
            graph = ComputationGraph.load(file.toFile(), false);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("model file " + file + " is not a readable DL4J model zip (" + e.getMessage()
                    + "): it is truncated, corrupt or of another kind; export the model again (edgetrain model export)", e);
        }
        try {
            String model = architecture(graph);
            return new Loaded(model, graph.params().toFloatVector());
        } finally {
            graph.clear();
        }
    }

    /**
     * @return {@code resnetN} for a graph laid out as {@link ResNet#configuration} lays out that network
     * @throws IllegalArgumentException when it is laid out otherwise
     */
    private static String architecture(ComputationGraph graph) {
        long convolutions = graph.getConfiguration().getVertices().values().stream()
                .filter(v -> v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex l
                        && l.getLayerConf().getLayer() instanceof ConvolutionLayer
                        && !(l.getLayerConf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.SubsamplingLayer))
                .count();
        String model = "resnet" + (convolutions + 1);
        Set<String> expected;
        try {
            expected = new TreeSet<>(ResNet.configuration(NetworkSpec.of(model, 0),
                    org.nd4j.linalg.activations.Activation.RELU).getVertices().keySet());
        } catch (IllegalArgumentException e) {
            throw notResNet(graph, e.getMessage());
        }
        if (!expected.equals(new TreeSet<>(graph.getConfiguration().getVertices().keySet()))) {
            throw notResNet(graph, "its layers are not those of " + model);
        }
        return model;
    }

    private static IllegalArgumentException notResNet(ComputationGraph graph, String why) {
        return new IllegalArgumentException("the model file holds a network that is not one of edgetrain's ResNets ("
                + why + "; " + graph.getConfiguration().getVertices().size() + " layers)");
    }
}
