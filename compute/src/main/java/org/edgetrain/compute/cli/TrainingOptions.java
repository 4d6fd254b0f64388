package org.edgetrain.compute.cli;

import org.edgetrain.compute.settings.Defaults;
import org.edgetrain.model.engine.EngineKind;
import org.edgetrain.model.engine.TrainingEngine;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.net.ResNet;
import org.edgetrain.model.schedule.LearningRateSchedule;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * Training options shared by {@code train-local}, {@code train}, {@code demo} and the benchmarks. Names are checked
 * while the command line is parsed, so a wrong one is a usage error (exit 2) before anything starts.
 */
public final class TrainingOptions {
    @Option(names = "--model", defaultValue = "resnet20", converter = ModelName.class,
            description = "resnet8, resnet20, resnet32, resnet56 (any resnet6n+2); default: ${DEFAULT-VALUE}")
    String model;

    @Option(names = "--batch", defaultValue = Defaults.BATCH, description = "images per step; default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--lr", defaultValue = "0.1", description = "peak learning rate; default: ${DEFAULT-VALUE}")
    double learningRate;

    @Option(names = "--schedule", defaultValue = "cosine", converter = ScheduleName.class, description = "step (He et al.), cosine or constant; default: ${DEFAULT-VALUE}")
    String schedule;

    @Option(names = "--warmup", defaultValue = "0.2", description = "linear warm-up, in epochs (capped at a quarter of training); default: ${DEFAULT-VALUE}")
    double warmupEpochs;

    @Option(names = "--momentum", defaultValue = "0.9", description = "Nesterov momentum; default: ${DEFAULT-VALUE}")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "1e-4", description = "L2 weight decay; default: ${DEFAULT-VALUE}")
    double weightDecay;

    @Option(names = "--threads", description = "native math threads for this process; default: all cores for train-local, 1 per device")
    Integer threads;

    @Option(names = "--engine", converter = EngineName.class, description = "torch (libtorch) or dl4j (DeepLearning4J);"
            + " default: the fastest that loads on this machine")
    EngineKind engine;

    @Option(names = "--preset", converter = Preset.Name.class, description = "a named recipe: paper-resnet32 (He et al. "
            + "2016: resnet32, batch 128, lr 0.1 step, momentum 0.9, weight decay 1e-4, 164 epochs); options given "
            + "beside it win")
    Preset preset;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--seed", defaultValue = Defaults.SEED, description = "initialization, shuffling and augmentation seed; default: ${DEFAULT-VALUE}")
    long seed;

    /** Accepts the names {@link ResNet#depth} accepts. */
    static final class ModelName implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                ResNet.depth(value);
                return value;
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Accepts the engines {@link EngineKind} names. */
    public static final class EngineName implements ITypeConverter<EngineKind> {
        @Override
        public EngineKind convert(String value) {
            try {
                return EngineKind.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Accepts the schedules {@link LearningRateSchedule} knows. */
    static final class ScheduleName implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                new LearningRateSchedule(value, 0.1, 1, 0);
                return value;
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * Applies {@code --preset} to every training option the command line did not give. Call once, before the options
     * are read.
     *
     * @param epochs the command's {@code --epochs}
     * @return the epochs to train: {@code epochs} when given or without a preset, else the preset's
     */
    public int applyPreset(int epochs) {
        if (preset == null || command == null) {
            return epochs;
        }
        ParseResult given = command.commandLine().getParseResult();
        model = given.hasMatchedOption("--model") ? model : preset.model();
        batch = given.hasMatchedOption("--batch") ? batch : preset.batch();
        learningRate = given.hasMatchedOption("--lr") ? learningRate : preset.learningRate();
        schedule = given.hasMatchedOption("--schedule") ? schedule : preset.schedule();
        warmupEpochs = given.hasMatchedOption("--warmup") ? warmupEpochs : preset.warmupEpochs();
        momentum = given.hasMatchedOption("--momentum") ? momentum : preset.momentum();
        weightDecay = given.hasMatchedOption("--weight-decay") ? weightDecay : preset.weightDecay();
        return given.hasMatchedOption("--epochs") ? epochs : preset.epochs();
    }

    /** @return the network to build */
    public NetworkSpec networkSpec() {
        return new NetworkSpec(model, seed, momentum, weightDecay);
    }

    /** @return the learning-rate schedule for a run of {@code epochs} epochs */
    public LearningRateSchedule schedule(double epochs) {
        return new LearningRateSchedule(schedule, learningRate, epochs, Math.min(warmupEpochs, epochs / 4));
    }

    /** @return images per step */
    public int batch() {
        if (batch < 1) {
            throw new EdgetrainCommand.UserError("--batch must be at least 1, got " + batch);
        }
        return batch;
    }

    /** @return native threads: the option, or all cores */
    public int threads() {
        return threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    }

    /** @return native threads: the option, or {@code fallback} */
    public int threadsOr(int fallback) {
        return threads == null ? fallback : threads;
    }

    /** @return the engine to train with: the option, or the fastest that loads here */
    public EngineKind engine() {
        return engine == null ? EngineKind.preferred() : engine;
    }

    /**
     * @return {@code spec}'s network on {@link #engine()}
     * @throws EdgetrainCommand.UserError when that engine does not load on this machine
     */
    public TrainingEngine createEngine(NetworkSpec spec) {
        try {
            return engine().create(spec);
        } catch (IllegalStateException e) {
            throw new EdgetrainCommand.UserError(e.getMessage());
        }
    }

    /** @return the seed */
    public long seed() {
        return seed;
    }
}
