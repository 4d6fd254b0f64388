package org.edgetrain.compute.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.edgetrain.compute.artifacts.ModelArtifacts;
import org.edgetrain.compute.artifacts.Provenance;
import org.edgetrain.compute.settings.Defaults;
import org.edgetrain.model.cifar.CifarDataset;
import org.edgetrain.model.cifar.CifarSplit;
import org.edgetrain.model.engine.TrainingEngine;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.schedule.LearningRateSchedule;
import org.edgetrain.model.train.EpochResult;
import org.edgetrain.model.train.LocalTrainer;
import org.edgetrain.model.train.TrainingListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code edgetrain train-local}: standalone training, the baseline of every distributed figure. */
@Command(name = "train-local", mixinStandardHelpOptions = true,
        description = "Train on this machine alone, evaluating on the test set after each epoch.")
public final class TrainLocalCommand implements Callable<Integer> {
    @Option(names = "--cifar", required = true, description = "cifar-10-binary.tar.gz or its extracted folder")
    Path cifar;

    @Option(names = "--epochs", defaultValue = Defaults.EPOCHS, description = "epochs; default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--limit-train", description = "use only the first N training images")
    Integer limitTrain;

    @Option(names = "--limit-test", description = "evaluate on only the first N test images")
    Integer limitTest;

    @Option(names = "--json", description = "write the result as JSON to this file")
    Path json;

    @Option(names = "--save", description = "write the trained model here at the end (a DL4J zip, or ONNX for a .onnx "
            + "file) with its sidecar FILE.json")
    Path save;

    @Mixin
    TrainingOptions training;

    /** The JSON of {@code train-local}. */
    public record Result(String model, String engine, int epochs, int batch, int threads, int trainImages,
                         int testImages, double testAccuracy, double imagesPerSecond, List<EpochResult> history) {
    }

    @Override
    public Integer call() {
        epochs = training.applyPreset(epochs);
        CifarDataset data = DatasetCommand.read(cifar);
        CifarSplit train = limitTrain == null ? data.train() : data.train().limit(limitTrain);
        CifarSplit test = limitTest == null ? data.test() : data.test().limit(limitTest);
        NetworkSpec spec = training.networkSpec();
        LearningRateSchedule schedule = training.schedule(epochs);
        try (TrainingEngine engine = training.createEngine(spec)) {
            engine.useThreads(training.threads());
            System.out.printf("train-local: %s (%,d parameters, engine %s), %,d training / %,d test images, batch %d, "
                            + "%d thread(s), %s%n", spec.model(), engine.trainableParameterCount(), engine.name(),
                    train.size(), test.size(), training.batch(), training.threads(), schedule);
            List<EpochResult> history = new LocalTrainer(engine, schedule, training.batch(), training.seed())
                    .train(train, test, epochs, new BarListener(epochs));
            double seconds = history.stream().mapToDouble(EpochResult::seconds).sum();
            Result result = new Result(spec.model(), engine.name(), epochs, training.batch(), training.threads(),
                    train.size(), test.size(), history.get(history.size() - 1).testAccuracy(),
                    (double) train.size() * epochs / seconds, history);
            System.out.printf("test accuracy %.2f %%, %.1f images/s%n", 100 * result.testAccuracy(), result.imagesPerSecond());
            if (save != null) {
                EpochResult last = history.get(history.size() - 1);
                ModelArtifacts.write(spec.model(), engine.state(), save, ModelArtifacts.Format.of(save), new Provenance(
                        "train-local", null, null, epochs, (long) train.size() * epochs, last.testAccuracy()));
                System.out.println("saved the model to " + save + " (sidecar " + ModelArtifacts.sidecar(save).getFileName() + ")");
            }
            if (json != null) {
                DataOutput.writeJson(result, json);
            }
        }
        return 0;
    }

    /** One progress bar per epoch: images, loss, images/s and the library's ETA. */
    private static final class BarListener implements TrainingListener {
        private final int epochs;
        private ProgressBar bar;

        BarListener(int epochs) {
            this.epochs = epochs;
        }

        @Override
        public void batchDone(int epoch, long done, long total, double loss, double imagesPerSecond) {
            if (bar == null) {
                bar = ProgressBarFactory.items("epoch " + epoch + "/" + epochs, total, "img");
            }
            bar.stepTo(done);
            bar.setExtraMessage(String.format(" loss %.3f  %.1f img/s", loss, imagesPerSecond));
        }

        @Override
        public void epochDone(EpochResult result) {
            if (bar != null) {
                bar.close();
                bar = null;
            }
            System.out.printf("epoch %d: train loss %.4f, test accuracy %.2f %% (loss %.4f), %.1f img/s, lr %.4g%n",
                    result.epoch(), result.trainLoss(), 100 * result.testAccuracy(), result.testLoss(),
                    result.imagesPerSecond(), result.learningRate());
        }
    }
}
