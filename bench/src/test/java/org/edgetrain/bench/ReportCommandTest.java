package org.edgetrain.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.edgetrain.compute.cli.EdgetrainCommand;
import org.edgetrain.compute.io.CsvTables;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ReportCommandTest {
    @TempDir
    Path dir;

    @Test
    void chartsAndCsvsFromASavedRun() throws Exception {
        Path metrics = Files.createDirectories(dir.resolve("run/metrics"));
        Files.writeString(metrics.resolve("rounds.csv"), """
                ROUND_NO,JOB,EPOCH,MODEL_VERSION,COMMITTED,DEVICES,FAILED,SAMPLES,TRAIN_LOSS,SECONDS,IMAGES_PER_SECOND,LEARNING_RATE,ENDED_AT
                1,j,1,1,true,2,0,100,2.3,1.0,100.0,0.1,2026-11-26 10:00:01.0
                2,j,1,2,true,2,0,120,2.1,1.0,120.0,0.1,2026-11-26 10:00:02.0
                3,j,2,3,true,2,0,110,1.9,1.0,110.0,0.1,2026-11-26 10:00:03.0
                """);
        Files.writeString(metrics.resolve("device_rounds.csv"), """
                ROUND_NO,DEVICE,DEVICE_CLASS,PARTITIONS,SAMPLES,SECONDS,IMAGES_PER_SECOND,TRAIN_LOSS,STATUS,HEAP_USED_MB,CPU_LOAD
                1,pc-1,pc,40,80,1.0,80.0,2.3,ACCEPTED,100,0.5
                1,rpi4-1,rpi4,8,20,1.0,20.0,2.3,ACCEPTED,100,0.5
                2,pc-1,pc,41,95,1.0,95.0,2.1,ACCEPTED,100,0.5
                2,rpi4-1,rpi4,7,25,1.0,25.0,2.1,"late: no result, before the deadline",0,-1
                """);
        Files.writeString(metrics.resolve("evals.csv"), """
                EPOCH,JOB,ROUND_NO,MODEL_VERSION,TEST_ACCURACY,TEST_LOSS,IMAGES,AT
                1,j,2,2,0.31,1.9,1000,2026-11-26 10:00:02.5
                """);
        Files.writeString(metrics.resolve("events.csv"), """
                ID,AT,KIND,DEVICE,DETAIL
                a,2026-11-26 10:00:00.5,COORDINATOR_STARTED,,"on pc-1, first"
                b,2026-11-26 10:00:02.2,RESULT_REJECTED,rpi4-1,late
                """);

        int code = new CommandLine(new ReportCommand()).execute("--from", dir.resolve("run").toString(),
                "--out", dir.resolve("report").toString());

        assertEquals(0, code);
        for (String chart : List.of("accuracy", "loss", "device-throughput", "partitions", "timeline")) {
            BufferedImage image = ImageIO.read(dir.resolve("report/" + chart + ".png").toFile());
            assertEquals(1000, image.getWidth(), chart);
            assertEquals(0xFFFFFF, image.getRGB(2, 2) & 0xFFFFFF, chart + ": a white background");
        }
        List<Map<String, String>> throughput = CsvTables.read(new StringReader(
                Files.readString(dir.resolve("report/device-throughput.csv"))));
        assertEquals(3, throughput.size(), "only accepted device rounds are charted");
        List<Map<String, String>> timeline = CsvTables.read(new StringReader(
                Files.readString(dir.resolve("report/timeline.csv"))));
        assertEquals(5, timeline.size(), "three rounds and two events");
        assertTrue(timeline.stream().anyMatch(r -> "RESULT_REJECTED".equals(r.get("value"))));
    }

    @Test
    void missingRunDirectoryIsExplained() {
        CommandLine commandLine = EdgetrainCommand.commandLine(new ReportCommand());
        java.io.StringWriter err = new java.io.StringWriter();
        commandLine.setErr(new java.io.PrintWriter(err));

        int code = commandLine.execute("--from", dir.resolve("nope").toString(), "--out", dir.resolve("r").toString());

        assertEquals(2, code);
        assertTrue(err.toString().contains("--from takes a run directory"), err.toString());
    }
}
