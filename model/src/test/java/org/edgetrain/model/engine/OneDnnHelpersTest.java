package org.edgetrain.model.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.edgetrain.model.cifar.Batch;
import org.edgetrain.model.net.NetworkSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The oneDNN fast path is attached, and computes what the generic path computes.
 *
 * <p>Comparing like with like: with ReLU, a rounding-level difference in a BatchNorm output can flip one ReLU
 * mask element, which changes whole gradients by ~1e-3 (plain FP32 differs from FP64 by as much). So outputs are
 * compared on the ReLU network, and gradients on the same architecture with a smooth activation (softplus), where
 * no mask can flip and the two paths must agree to rounding.
 */
@Timeout(300)
class OneDnnHelpersTest {
    @AfterEach
    void restoreDefault() {
        OneDnnHelpers.setEnabled(true);
    }

    @Test
    void helpersAreAttachedToEveryConvolutionAndBatchNorm() {
        try (Dl4jEngine engine = new Dl4jEngine(NetworkSpec.of("resnet8", 1), true)) {
            OneDnnHelpers.Report report = engine.helpers();

            assertEquals(7, report.convolutions());
            assertTrue(report.allAttached(), report.toString());
            assertEquals("dl4j-onednn", engine.name());
        }
    }

    @Test
    void reluOutputsMatchWithHelpersOnAndOff() {
        Batch batch = Dl4jEngineTest.batch(16, 5);
        try (Dl4jEngine fast = engine(true, Activation.RELU); Dl4jEngine generic = engine(false, Activation.RELU)) {
            generic.setState(fast.state());

            float[] a = fast.output(batch).reshape(-1).toFloatVector();
            float[] b = generic.output(batch).reshape(-1).toFloatVector();

            assertTrue(relativeDifference(a, b) < 1e-5, "outputs differ by " + relativeDifference(a, b));
        }
    }

    @Test
    void smoothNetworkGradientsMatchWithHelpersOnAndOff() {
        for (long seed = 8; seed <= 10; seed++) {
            Batch batch = Dl4jEngineTest.batch(8, seed);
            try (Dl4jEngine fast = engine(true, Activation.SOFTPLUS);
                 Dl4jEngine generic = engine(false, Activation.SOFTPLUS)) {
                generic.setState(fast.state());

                float[] a = gradient(fast.graph(), batch);
                float[] b = gradient(generic.graph(), batch);

                double difference = relativeDifference(a, b);
                assertTrue(difference < 1e-4, "seed " + seed + ": gradients differ by " + difference);
            }
        }
    }

    private static Dl4jEngine engine(boolean helpers, Activation activation) {
        OneDnnHelpers.setEnabled(helpers);
        Dl4jEngine engine = new Dl4jEngine(NetworkSpec.of("resnet8", 3), activation, false);
        assertEquals(helpers, engine.helpers().allAttached(), engine.helpers().toString());
        assertEquals(helpers ? 7 : 0, engine.helpers().convolutionsWithHelper());
        return engine;
    }

    private static float[] gradient(ComputationGraph graph, Batch batch) {
        DataSet data = Dl4jEngine.toDataSet(batch);
        graph.setInput(0, data.getFeatures());
        graph.setLabels(data.getLabels());
        graph.computeGradientAndScore();
        INDArray gradient = graph.gradient().gradient();
        return gradient.toFloatVector();
    }

    private static double relativeDifference(float[] a, float[] b) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            diff += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
            norm += (double) a[i] * a[i];
        }
        return Math.sqrt(diff / Math.max(norm, 1e-30));
    }
}
