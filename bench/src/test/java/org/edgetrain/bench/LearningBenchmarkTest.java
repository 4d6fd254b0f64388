package org.edgetrain.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.edgetrain.compute.cli.TrainCommand;
import org.edgetrain.compute.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LearningBenchmarkTest {
    @TempDir
    Path dir;

    private static LearningBenchmark.Result result() {
        return new LearningBenchmark.Result("resnet20", "torch", "cosine 0.1", 2, 64, 1, 2, List.of("pc", "rpi4"), 1000,
                200, List.of(new LearningBenchmark.Point(1, 1000, 30.5, 0.40, 1.7),
                new LearningBenchmark.Point(2, 2000, 61.0, 0.50, 1.4)),
                List.of(new LearningBenchmark.Point(1, 1000, 45.0, 0.38, 1.8),
                        new LearningBenchmark.Point(2, 2000, 88.0, 0.47, 1.5)),
                List.of(2.0, 3.0), new TrainCommand.StrategyJson("fedavgm", 1.0, 0.9, 0.5, 2.0, "fp32"), 10);
    }

    @Test
    void theJsonNamesBothRunsPointByPointAsScriptsReadIt() throws Exception {
        JsonNode json = Json.mapper().readTree(Json.write(result()));

        assertEquals("fedavgm", json.get("strategy").get("name").asText());
        assertEquals(0.9, json.get("strategy").get("serverMomentum").asDouble());
        assertEquals(2, json.get("standalone").size());
        JsonNode point = json.get("fleet").get(1);
        assertEquals(2, point.get("epoch").asInt());
        assertEquals(2000, point.get("images").asLong());
        assertEquals(88.0, point.get("seconds").asDouble());
        assertEquals(0.47, point.get("testAccuracy").asDouble(), "a fraction, not a percentage");
        assertEquals(1.5, point.get("testLoss").asDouble());
        assertEquals(3.0, json.get("gapAtEqualImages").get(1).asDouble(), "points");
    }

    @Test
    void csvHasARowPerRunAndEpochAndTheChartsAreWritten() throws Exception {
        List<String> lines = LearningBenchmark.csv(result()).lines().toList();

        assertEquals("run,epoch,images,seconds,test_accuracy,test_loss", lines.get(0));
        assertEquals(List.of("standalone,1,1000,30.5,0.4000,1.7000", "standalone,2,2000,61.0,0.5000,1.4000",
                "fleet,1,1000,45.0,0.3800,1.8000", "fleet,2,2000,88.0,0.4700,1.5000"), lines.subList(1, 5));
        for (boolean byImages : List.of(true, false)) {
            Path png = dir.resolve(byImages + ".png");
            LearningBenchmark.writeChart(result(), byImages, png);
            BufferedImage image = ImageIO.read(png.toFile());
            assertEquals(1000, image.getWidth());
            assertEquals(0xFFFFFF, image.getRGB(2, 2) & 0xFFFFFF, "a white background");
        }
    }
}
