package org.edgetrain.model.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.edgetrain.model.cifar.Batch;
import org.edgetrain.model.engine.Dl4jEngine;
import org.edgetrain.model.net.NetworkSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exported files compute what the engine computes, in the runtimes users load them with. */
class ExportTest {
    private static final int IMAGES = 6;

    @TempDir
    Path dir;

    @Test
    void theOnnxGraphComputesWhatDl4jComputesInOnnxRuntime() throws Exception {
        for (String model : List.of("resnet8", "resnet20")) {
            try (Dl4jEngine engine = trainedEngine(model);
                 OrtEnvironment environment = OrtEnvironment.getEnvironment()) {
                Path file = dir.resolve(model + ".onnx");
                OnnxExport.write(engine.graph(), model, "test", file);
                Batch batch = randomBatch(IMAGES, 11);
                float[] expected = engine.probabilities(batch);
                float[] actual;
                try (OrtSession session = environment.createSession(file.toString(), new OrtSession.SessionOptions());
                     OnnxTensor input = OnnxTensor.createTensor(environment, FloatBuffer.wrap(batch.features()),
                             new long[] {IMAGES, 3, 32, 32});
                     OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
                    float[][] out = (float[][]) result.get(OnnxExport.OUTPUT).orElseThrow().getValue();
                    actual = flatten(out);
                }
                double relative = maxRelativeDifference(actual, expected);
                System.out.printf("%s: ONNX Runtime vs DL4J, max relative difference of the probabilities %.2e%n",
                        model, relative);
                assertTrue(relative < 1e-4, model + ": " + relative);
            }
        }
    }

    @Test
    void theDl4jZipLoadsInAProgramThatKnowsNoEdgetrainClass() throws Exception {
        try (Dl4jEngine engine = trainedEngine("resnet8")) {
            Path file = dir.resolve("model.zip");
            Dl4jModelFile.write(engine.graph(), file);
            Batch batch = randomBatch(IMAGES, 12);
            Path images = dir.resolve("images.bin");
            ByteBuffer bytes = ByteBuffer.allocate(batch.features().length * 4).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(batch.features());
            Files.write(images, bytes.array());

            List<String> dl4jOnly = new ArrayList<>();
            for (String entry : classPath().split(File.pathSeparator)) {
                if (!entry.contains("edgetrain") && !entry.endsWith("classes") && !entry.contains("junit")) {
                    dl4jOnly.add(entry);
                }
            }
            Path source = Path.of(ExportTest.class.getResource("/plain/PlainDl4jLoad.java").toURI());
            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", String.join(File.pathSeparator, dl4jOnly), source.toString(), file.toString(), images.toString(),
                    String.valueOf(IMAGES)).redirectError(dir.resolve("plain.err").toFile()).start();
            String printed = new String(process.getInputStream().readAllBytes());
            assertTrue(process.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, process.exitValue(), Files.readString(dir.resolve("plain.err")));

            float[] loaded = flatten(printed.lines().map(l -> {
                String[] parts = l.trim().split(" ");
                float[] row = new float[parts.length];
                for (int i = 0; i < parts.length; i++) {
                    row[i] = Float.parseFloat(parts[i]);
                }
                return row;
            }).toArray(float[][]::new));
            double relative = maxRelativeDifference(loaded, engine.probabilities(batch));
            System.out.printf("plain DL4J program vs the engine: max relative difference %.2e%n", relative);
            assertTrue(relative < 1e-4, String.valueOf(relative));
            Dl4jModelFile.Loaded back = Dl4jModelFile.read(file);
            assertEquals("resnet8", back.model());
            assertTrue(Arrays.equals(engine.state(), back.state()), "the state must come back bit for bit");
        }
    }

    @Test
    void aMissingDamagedOrForeignFileIsRefusedWithItsName() throws Exception {
        Path missing = dir.resolve("nothing.zip");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Dl4jModelFile.read(missing)).getMessage()
                .contains("does not exist"));

        Path truncated = dir.resolve("truncated.zip");
        try (Dl4jEngine engine = new Dl4jEngine(NetworkSpec.of("resnet8", 1), false)) {
            Path whole = dir.resolve("whole.zip");
            Dl4jModelFile.write(engine.graph(), whole);
            byte[] bytes = Files.readAllBytes(whole);
            Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        }
        String damaged = assertThrows(IllegalArgumentException.class, () -> Dl4jModelFile.read(truncated)).getMessage();
        assertTrue(damaged.contains(truncated.toString()) && damaged.contains("not a readable DL4J model zip"), damaged);

        Path text = dir.resolve("notes.zip");
        Files.writeString(text, "not a model");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Dl4jModelFile.read(text)).getMessage()
                .contains("not a readable DL4J model zip"));

        Path foreign = dir.resolve("mlp.zip");
        org.deeplearning4j.nn.graph.ComputationGraph mlp = new org.deeplearning4j.nn.graph.ComputationGraph(
                new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                        .addLayer("dense", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(4).nOut(2)
                                .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "in")
                        .setOutputs("dense").build());
        mlp.init();
        Dl4jModelFile.write(mlp, foreign);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Dl4jModelFile.read(foreign)).getMessage()
                .contains("not one of edgetrain's ResNets"));
    }

    /** @return an engine after a few steps, so that BatchNorm's running statistics are not their initial values */
    private static Dl4jEngine trainedEngine(String model) {
        Dl4jEngine engine = new Dl4jEngine(NetworkSpec.of(model, 3), false);
        for (int step = 0; step < 3; step++) {
            engine.train(randomBatch(16, step), 0.05);
        }
        return engine;
    }

    private static Batch randomBatch(int size, long seed) {
        Random random = new Random(seed);
        float[] features = new float[size * 3 * 32 * 32];
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) random.nextGaussian();
        }
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) {
            labels[i] = random.nextInt(10);
        }
        return new Batch(features, labels);
    }

    private static float[] flatten(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[i].length, rows[i].length);
        }
        return out;
    }

    private static double maxRelativeDifference(float[] actual, float[] expected) {
        assertEquals(expected.length, actual.length);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), 1e-6));
        }
        return worst;
    }

    private static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null ? surefire : System.getProperty("java.class.path");
    }
}
