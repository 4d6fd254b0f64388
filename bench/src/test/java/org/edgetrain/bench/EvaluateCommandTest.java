package org.edgetrain.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.edgetrain.compute.artifacts.ModelArtifacts;
import org.edgetrain.compute.artifacts.Provenance;
import org.edgetrain.compute.io.Json;
import org.edgetrain.model.engine.Dl4jEngine;
import org.edgetrain.model.net.NetworkSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code evaluate} on a model file and a small CIFAR-10 copy: its JSON and its chart. */
class EvaluateCommandTest {
    @TempDir
    Path dir;

    @Test
    void reportsAccuracyPerClassAndTheConfusionMatrix() throws Exception {
        Path cifar = org.edgetrain.model.cifar.SyntheticCifar.write(dir, 10, 120, 3);
        Path model = dir.resolve("model.zip");
        try (Dl4jEngine engine = new Dl4jEngine(NetworkSpec.of("resnet8", 2), false)) {
            ModelArtifacts.write("resnet8", engine.state(), model, ModelArtifacts.Format.DL4J,
                    new Provenance("test", null, null, null, null, null));
        }
        Path json = dir.resolve("evaluation.json");
        int exit = new CommandLine(new EvaluateCommand()).execute("--model", model.toString(), "--cifar", cifar.toString(),
                "--json", json.toString(), "--out", dir.resolve("charts").toString());

        assertEquals(0, exit);
        JsonNode result = Json.mapper().readTree(json.toFile());
        assertEquals(120, result.get("images").asLong());
        assertEquals(10, result.get("perClass").size());
        long total = 0;
        long correct = 0;
        for (int truth = 0; truth < 10; truth++) {
            JsonNode row = result.get("confusion").get(truth);
            assertEquals(10, row.size());
            for (int predicted = 0; predicted < 10; predicted++) {
                total += row.get(predicted).asLong();
                correct += truth == predicted ? row.get(predicted).asLong() : 0;
            }
            assertEquals(result.get("perClass").get(truth).get("images").asLong(), sum(row));
        }
        assertEquals(120, total);
        assertEquals((double) correct / total, result.get("testAccuracy").asDouble(), 1e-12);
        assertTrue(result.get("testLoss").asDouble() > 0);
        assertTrue(Files.size(dir.resolve("charts/confusion.png")) > 1000);
    }

    private static long sum(JsonNode row) {
        long s = 0;
        for (JsonNode v : row) {
            s += v.asLong();
        }
        return s;
    }
}
