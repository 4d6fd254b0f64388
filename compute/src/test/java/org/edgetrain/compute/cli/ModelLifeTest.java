package org.edgetrain.compute.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.artifacts.ModelArtifacts;
import org.edgetrain.compute.artifacts.ModelCard;
import org.edgetrain.compute.grid.FleetReader;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.testing.Fleets;
import org.edgetrain.compute.testing.TestJobs;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.compute.training.ModelState;
import org.edgetrain.model.cifar.CifarDataset;
import org.edgetrain.model.engine.Dl4jEngine;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.schedule.LearningRateSchedule;
import org.edgetrain.model.train.TestReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * The model's life outside the fleet, on real in-process devices: checkpoints while a job is followed, export of a
 * held version, the file tested on its own, and a new job started from it.
 */
@Timeout(600)
class ModelLifeTest {
    @Test
    void checkpointsExportAndANewJobFromTheFile() throws Exception {
        Fleets.runWithNewFleet(2, fleet -> {
            Ignite ignite = fleet.client();
            CifarDataset data = fleet.loadSynthetic(60, 200, 31);
            // Initialized with seed 5: the resumed job's check below allows 2 test images of 200, measured at this seed.
            JobSpec job = TestJobs.small("life", NetworkSpec.of("resnet8", 5), 2, 1.0, 5).build();

            // Followed with checkpoints, as train --checkpoint-dir DIR --keep 1 does.
            Path checkpoints = fleet.dir().resolve("checkpoints");
            JobSubmitter.submit(ignite, job);
            TrainCommand.follow(FleetReader.of(ignite), job, TrainCommand.Start.FROM_SEED, 300, false,
                    new Checkpoints(checkpoints, 1, "resnet8", "life"));

            List<List<?>> evals = GridSchema.sql(ignite, "SELECT EPOCH, TEST_ACCURACY, MODEL_VERSION FROM EVALS "
                    + "WHERE JOB = 'life' ORDER BY EPOCH");
            assertEquals(2, evals.size());
            assertFalse(Files.exists(checkpoints.resolve("epoch-1.zip")), "--keep 1 keeps the newest epoch only");
            for (String name : List.of("epoch-2.zip", "last.zip", "best.zip")) {
                assertTrue(Files.exists(checkpoints.resolve(name)), name);
                assertTrue(Files.exists(checkpoints.resolve(name + ".json")), name + ".json");
            }
            double best = Math.max(((Number) evals.get(0).get(1)).doubleValue(), ((Number) evals.get(1).get(1)).doubleValue());
            ModelCard bestCard = ModelArtifacts.card(checkpoints.resolve("best.zip"));
            assertEquals(best, bestCard.testAccuracy(), 1e-9);
            ModelCard lastCard = ModelArtifacts.card(checkpoints.resolve("last.zip"));
            assertEquals(2, lastCard.epoch());
            assertEquals(((Number) evals.get(1).get(2)).longValue(), lastCard.modelVersion());
            assertEquals(ModelArtifacts.sha256(checkpoints.resolve("last.zip")), lastCard.sha256());
            try (var files = Files.list(checkpoints)) {
                assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".partial")), "a temporary file was left");
            }

            // The file on its own gives the test accuracy the fleet measured for that version.
            TestReport report;
            try (Dl4jEngine engine = ModelFiles.open(checkpoints.resolve("last.zip"))) {
                report = TestReport.of(engine, data.test(), 64);
            }
            System.out.printf("fleet: %.4f, file on its own: %.4f%n", lastCard.testAccuracy(), report.accuracy());
            assertEquals(lastCard.testAccuracy(), report.accuracy(), 0.001);

            // Export of the committed version, with its sidecar.
            FleetModels.Held held = FleetModels.select(FleetReader.of(ignite), null);
            Path exported = fleet.dir().resolve("model.zip");
            ModelCard card = ModelArtifacts.write(held.model(), held.state(), exported, ModelArtifacts.Format.DL4J,
                    held.provenance());
            assertEquals("resnet8", card.architecture());
            assertEquals(List.of(3, 32, 32), card.inputShape());
            assertEquals(3, card.mean().size());
            assertEquals(3, card.std().size());
            assertEquals("airplane", card.classes().get(0));
            ModelState committed = JobSubmitter.current(ignite);
            assertEquals(committed.version(), card.modelVersion());
            assertEquals(committed.samplesCommitted(), card.imagesTrained());
            assertNotNull(card.testAccuracy(), "the committed version is the evaluated one after the job's end");
            EdgetrainCommand.UserError notHeld = assertThrows(EdgetrainCommand.UserError.class,
                    () -> FleetModels.select(FleetReader.of(ignite), 12345L));
            assertTrue(notHeld.getMessage().contains("it holds v" + committed.version()), notHeld.getMessage());

            // A new job from the file starts where the file is: its model v0 is the file's state, bit for bit, and with a
            // learning rate too small to move the weights its first evaluation is no worse than the file's accuracy
            // (BatchNorm's running statistics still follow the data, which can only help a network that learned it).
            TrainCommand train = new TrainCommand();
            new CommandLine(train).parseArgs("--model", "resnet8", "--init-from", exported.toString());
            JobSpec resumed = TestJobs.small("resumed", "resnet8", 1, 1.0, 6)
                    .schedule(new LearningRateSchedule("constant", 1e-9, 1, 0)).build();
            float[] initial = train.start(resumed).state();
            assertTrue(java.util.Arrays.equals(held.state(), initial), "the file must give back the exported state");
            JobSubmitter.submit(ignite, resumed, initial);
            TrainCommand.follow(FleetReader.of(ignite), resumed, TrainCommand.Start.FROM_SEED, 300, false, null);
            double first = ((Number) GridSchema.sql(ignite, "SELECT TEST_ACCURACY FROM EVALS WHERE JOB = 'resumed' "
                    + "AND EPOCH = 1").get(0).get(0)).doubleValue();
            System.out.printf("exported %.4f, first evaluation of the job started from it %.4f%n", card.testAccuracy(), first);
            assertTrue(first >= card.testAccuracy() - 0.01, "started from the file, yet evaluated at " + first);

            TrainCommand mismatch = new TrainCommand();
            new CommandLine(mismatch).parseArgs("--model", "resnet20", "--init-from", exported.toString());
            EdgetrainCommand.UserError refused = assertThrows(EdgetrainCommand.UserError.class,
                    () -> mismatch.start(mismatch.job()));
            assertTrue(refused.getMessage().contains("holds a resnet8") && refused.getMessage().contains("--model resnet8"),
                    refused.getMessage());

            // A checkpoint resumed: the job of 3 epochs starts at epoch 3 with the file's weights, the schedule where
            // epoch 3 stands, and the images of epochs 1-2 counted; it trains one epoch and ends.
            Path checkpoint = checkpoints.resolve("epoch-2.zip");
            TrainCommand resume = new TrainCommand();
            new CommandLine(resume).parseArgs("--model", "resnet8", "--resume-from", checkpoint.toString(), "--epochs", "3");
            JobSpec third = TestJobs.small("third", NetworkSpec.of("resnet8", 5), 3, 1.0, 5)
                    .schedule(new LearningRateSchedule("step", 0.05, 3, 0)).build();
            TrainCommand.Start start = resume.start(third);
            assertEquals(2, start.epochsDone());
            assertEquals(lastCard.imagesTrained(), start.imagesTrained());
            TrainCommand.submit(ignite, third, start);
            ModelState resumedAt = JobSubmitter.current(ignite);
            assertEquals(3, resumedAt.epoch());
            assertEquals(lastCard.imagesTrained(), resumedAt.samplesCommitted());
            TrainCommand.Result resumedResult = TrainCommand.follow(FleetReader.of(ignite), third, start, 300, false, null);
            assertEquals(List.of(3), GridSchema.sql(ignite, "SELECT EPOCH FROM EVALS WHERE JOB = 'third'").stream()
                    .map(row -> ((Number) row.get(0)).intValue()).toList());
            assertEquals(lastCard.imagesTrained() + 300, resumedResult.samples(), "one more epoch of the 300 images");
            double firstRate = ((Number) GridSchema.sql(ignite, "SELECT MAX(LEARNING_RATE) FROM ROUNDS WHERE JOB = 'third'")
                    .get(0).get(0)).doubleValue();
            assertEquals(0.005, firstRate, 1e-9, "where epoch 3 of the step schedule stands (0.05 / 10), not its start");

            TrainCommand done = new TrainCommand();
            new CommandLine(done).parseArgs("--model", "resnet8", "--resume-from", checkpoint.toString(), "--epochs", "2");
            EdgetrainCommand.UserError nothingLeft = assertThrows(EdgetrainCommand.UserError.class,
                    () -> done.start(done.job()));
            assertTrue(nothingLeft.getMessage().contains("--epochs above 2"), nothingLeft.getMessage());
        });
    }
}
