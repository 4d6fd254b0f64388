package org.edgetrain.model.engine;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;

/**
 * The fast path of DL4J on CPUs: its oneDNN helpers for convolution and BatchNorm layers.
 *
 * <p>Three things must hold for DL4J 1.0.0-M2.1 to use them, and all three are arranged here or in the launcher:
 * <ol>
 *   <li>the {@code linux-x86_64-onednn-avx2} (or {@code linux-arm64}) native build is loaded, chosen with
 *       {@value #PLATFORM_EXTENSION_PROPERTY} before ND4J initializes (set by {@code bin/edgetrain}, surefire and
 *       the Docker image, and by {@link #configure()} as a fallback);</li>
 *   <li>{@value #DISABLE_PROPERTY} is {@code false} (DL4J's default is {@code true}) when each layer is created;</li>
 *   <li>the class-name mismatch of M2.1 is bridged by {@link org.nd4j.nativeblas.Nd4jCpu}.</li>
 * </ol>
 * Without them training is about 8x slower and nothing says so, hence {@link #check(ComputationGraph)}.
 */
public final class OneDnnHelpers {
    /** DL4J's switch for layer helpers; read when each layer is created. */
    public static final String DISABLE_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";
    /** JavaCPP's choice of native build variant. */
    public static final String PLATFORM_EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";

    private OneDnnHelpers() {
    }

    /**
     * Switches helper creation on or off for graphs created after this call (process-wide).
     *
     * @param enabled true for the oneDNN path
     */
    public static void setEnabled(boolean enabled) {
        System.setProperty(DISABLE_PROPERTY, Boolean.toString(!enabled));
    }

    /** Sets the native build variant if nobody chose one; effective only before ND4J loads. */
    public static void configure() {
        if (System.getProperty(PLATFORM_EXTENSION_PROPERTY) == null
                && "amd64".equals(System.getProperty("os.arch"))) {
            System.setProperty(PLATFORM_EXTENSION_PROPERTY, "-onednn-avx2");
        }
        if (System.getProperty(DISABLE_PROPERTY) == null) {
            setEnabled(true);
        }
    }

    /**
     * Which convolution and BatchNorm layers of a graph have a oneDNN helper attached.
     *
     * @param convolutions convolution layers in the graph
     * @param convolutionsWithHelper of which have {@link MKLDNNConvHelper}
     * @param batchNorms BatchNorm layers in the graph
     * @param batchNormsWithHelper of which have {@link MKLDNNBatchNormHelper}
     */
    public record Report(int convolutions, int convolutionsWithHelper, int batchNorms, int batchNormsWithHelper) {
        /** @return true when every convolution and BatchNorm layer runs on oneDNN */
        public boolean allAttached() {
            return convolutions == convolutionsWithHelper && batchNorms == batchNormsWithHelper;
        }

        @Override
        public String toString() {
            return "oneDNN helpers on " + convolutionsWithHelper + "/" + convolutions + " convolutions and "
                    + batchNormsWithHelper + "/" + batchNorms + " BatchNorm layers";
        }
    }

    /** @return which layers of {@code graph} have helpers (the graph must be initialized) */
    public static Report check(ComputationGraph graph) {
        int conv = 0;
        int convHelper = 0;
        int bn = 0;
        int bnHelper = 0;
        List<Layer> layers = new ArrayList<>(List.of(graph.getLayers()));
        for (Layer layer : layers) {
            if (layer instanceof ConvolutionLayer convolution) {
                conv++;
                LayerHelper helper = convolution.getHelper();
                if (helper instanceof MKLDNNConvHelper) {
                    convHelper++;
                }
            } else if (layer instanceof BatchNormalization batchNorm) {
                bn++;
                if (batchNorm.getHelper() instanceof MKLDNNBatchNormHelper) {
                    bnHelper++;
                }
            }
        }
        return new Report(conv, convHelper, bn, bnHelper);
    }
}
