package org.edgetrain.compute.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.model.schedule.LearningRateSchedule;
import org.edgetrain.model.strategy.ServerOptimizer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** How {@code train}'s options become a job: presets, the strategy's settings, and refusals that name the fix. */
class TrainOptionsTest {
    private static JobSpec job(String... args) {
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs(args);
        return train.job();
    }

    @Test
    void thePaperPresetIsHeEtAlsRecipe() {
        JobSpec job = job("--preset", "paper-resnet32");

        assertEquals("resnet32", job.network().model());
        assertEquals(128, job.batch());
        assertEquals(164, job.epochs());
        assertEquals(new LearningRateSchedule("step", 0.1, 164, 0), job.schedule());
        assertEquals(0.9, job.network().momentum());
        assertEquals(1e-4, job.network().weightDecay());
        // divided by 10 at 50 % and 75 % of training
        assertEquals(0.1, job.schedule().at(81.9), 1e-12);
        assertEquals(0.01, job.schedule().at(82.1), 1e-12);
        assertEquals(0.001, job.schedule().at(123.1), 1e-12);
    }

    @Test
    void optionsGivenBesideAPresetWin() {
        JobSpec job = job("--preset", "paper-resnet32", "--epochs", "10", "--lr", "0.05", "--batch", "64");

        assertEquals("resnet32", job.network().model());
        assertEquals(10, job.epochs());
        assertEquals(64, job.batch());
        assertEquals(new LearningRateSchedule("step", 0.05, 10, 0), job.schedule());
    }

    @Test
    void anUnknownPresetIsAUsageError() {
        CommandLine.ParameterException e = assertThrows(CommandLine.ParameterException.class,
                () -> new CommandLine(new TrainCommand()).parseArgs("--preset", "paper-resnet33"));
        assertTrue(e.getMessage().contains("use paper-resnet32"), e.getMessage());
    }

    @Test
    void theStrategyGoesIntoTheJob() {
        assertEquals(ServerOptimizer.AVERAGE, job().aggregation().server());
        assertEquals(new ServerOptimizer(1.0, 0.9), job("--strategy", "fedavgm").aggregation().server());
        assertEquals(new ServerOptimizer(0.5, 0.8),
                job("--strategy", "fedavgm", "--server-momentum", "0.8", "--server-lr", "0.5").aggregation().server());
        JobSpec.Aggregation scaled = job("--server-lr", "1.5").aggregation();
        assertEquals("fedavg", scaled.name());
        assertEquals(1.5, scaled.server().learningRate());
        assertEquals("fedavgm", job("--strategy", "fedavgm").aggregation().name());
    }

    @Test
    void contradictoryOrOutOfRangeStrategySettingsAreRefusedWithTheirFix() {
        EdgetrainCommand.UserError momentum = assertThrows(EdgetrainCommand.UserError.class,
                () -> job("--strategy", "fedavg", "--server-momentum", "0.9"));
        assertTrue(momentum.getMessage().contains("--strategy fedavgm"), momentum.getMessage());
        EdgetrainCommand.UserError unknown = assertThrows(EdgetrainCommand.UserError.class,
                () -> job("--strategy", "fedprox"));
        assertTrue(unknown.getMessage().contains("use fedavg or fedavgm"), unknown.getMessage());
        EdgetrainCommand.UserError range = assertThrows(EdgetrainCommand.UserError.class,
                () -> job("--strategy", "fedavgm", "--server-momentum", "1"));
        assertTrue(range.getMessage().contains("--server-momentum"), range.getMessage());
    }
}
