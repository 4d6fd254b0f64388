package org.edgetrain.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.edgetrain.compute.cli.DataOutput;
import org.edgetrain.compute.cli.TrainingOptions;
import org.edgetrain.compute.settings.Defaults;
import org.edgetrain.model.cifar.Batch;
import org.edgetrain.model.cifar.CifarFormat;
import org.edgetrain.model.engine.EngineKind;
import org.edgetrain.model.engine.TrainingEngine;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.rebalancing.CpuLimiter;
import org.edgetrain.rebalancing.DeviceThrottle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code edgetrain bench engine}: steady-state training throughput of one engine on random CIFAR-shaped input.
 * Warms up, then times windows of a few seconds and reports their median, which resists the noise of a shared
 * machine better than one long mean. Started with {@code -Dedgetrain.cpu.share=X} it pauses after each step as a
 * duty-cycled device does ({@link DeviceThrottle}), so that {@code bench hetero} can measure the bare engine under a
 * device's CPU quota.
 */
@Command(name = "engine", mixinStandardHelpOptions = true, description = "Training images/s of one engine after warm-up.")
final class EngineBenchmark implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "resnet32", description = "default: ${DEFAULT-VALUE}")
    String model;

    @Option(names = "--batch", defaultValue = Defaults.BATCH, description = "default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--threads", description = "native math threads; default: all cores")
    Integer threads;

    @Option(names = "--seconds", defaultValue = "30", description = "measured time after warm-up; default: ${DEFAULT-VALUE}")
    double seconds;

    @Option(names = "--engine", converter = TrainingOptions.EngineName.class,
            description = "torch or dl4j; default: the fastest that loads here")
    EngineKind engine;

    @Option(names = "--images-per-pass", description = "train each batch in passes of at most this many images, as a "
            + "device under a memory limit does (the same step in less memory); default: the whole batch at once")
    Integer imagesPerPass;

    @Option(names = "--json", description = "write the result as JSON to this file")
    Path json;

    /**
     * The JSON of {@code bench engine}.
     *
     * @param cpuQuota the CPUs this process was limited to while measuring: its cgroup quota, or the duty-cycle share
     *     of an emulated device ({@link DeviceThrottle}); 0 when unlimited
     * @param imagesPerPass the most images one forward and backward pass held ({@code batch} when not limited)
     */
    record Result(String engine, String model, int batch, int threads, double imagesPerSecond,
                  List<Double> windowImagesPerSecond, long parameters, double cpuQuota, int imagesPerPass) {
    }

    @Override
    public Integer call() {
        int threadCount = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        EngineKind kind = engine == null ? EngineKind.preferred() : engine;
        if (imagesPerPass != null && imagesPerPass < 1) {
            throw new org.edgetrain.compute.cli.EdgetrainCommand.UserError("--images-per-pass must be at least 1, got "
                    + imagesPerPass);
        }
        Result result = measure(kind, model, batch, threadCount, seconds,
                imagesPerPass == null ? batch : Math.min(batch, imagesPerPass));
        System.out.printf("%s %s batch %d%s, %d thread(s)%s: %.1f images/s (median of %d windows)%n",
                result.engine(), model, batch, result.imagesPerPass() < batch ? " in passes of "
                        + result.imagesPerPass() : "", threadCount,
                result.cpuQuota() > 0 ? String.format(" limited to %.2f CPU", result.cpuQuota()) : "",
                result.imagesPerSecond(), result.windowImagesPerSecond().size());
        if (json != null) {
            DataOutput.writeJson(result, json);
        }
        return 0;
    }

    /** Measures one engine configuration in this process, whole batches at once. */
    static Result measure(EngineKind kind, String model, int batch, int threadCount, double seconds) {
        return measure(kind, model, batch, threadCount, seconds, batch);
    }

    /** Measures one engine configuration in this process, each batch in passes of at most {@code imagesPerPass}. */
    static Result measure(EngineKind kind, String model, int batch, int threadCount, double seconds, int imagesPerPass) {
        try (TrainingEngine engine = kind.create(NetworkSpec.of(model, 1))) {
            engine.useThreads(threadCount);
            engine.limitImagesPerPass(imagesPerPass);
            Batch input = randomBatch(batch, 42);
            for (int i = 0; i < 3; i++) {
                engine.train(input, 0.01);
            }
            List<Double> windows = new ArrayList<>();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end || windows.size() < 3) {
                long start = System.nanoTime();
                int images = 0;
                while (System.nanoTime() - start < 3e9 || images == 0) {
                    long step = DeviceThrottle.mark();
                    engine.train(input, 0.01);
                    // a device emulated by duty cycle pauses the same way after each step (no-op unthrottled)
                    DeviceThrottle.pauseAfter(step);
                    images += batch;
                }
                windows.add(images / ((System.nanoTime() - start) / 1e9));
            }
            double quota = DeviceThrottle.share() < 1 ? DeviceThrottle.share() : CpuLimiter.ownQuota();
            return new Result(engine.name(), model, batch, threadCount, median(windows), windows,
                    engine.trainableParameterCount(), quota, imagesPerPass);
        }
    }

    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static Batch randomBatch(int size, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] features = new float[size * CifarFormat.IMAGE_BYTES];
        for (int i = 0; i < features.length; i++) {
            features[i] = (float) (random.nextDouble() * 2 - 1);
        }
        int[] labels = new int[size];
        Arrays.setAll(labels, i -> random.nextInt(CifarFormat.CLASSES));
        return new Batch(features, labels);
    }
}
