package org.edgetrain.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.edgetrain.compute.cli.FleetOptions;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.settings.Defaults;
import org.edgetrain.model.cifar.CifarDataset;
import org.edgetrain.model.engine.EngineKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code edgetrain bench fleet}: training images/s of a local fleet of device processes, next to the standalone
 * engine measured in the same run. The first round (calibration and JIT warm-up) is left out.
 */
@Command(name = "fleet", mixinStandardHelpOptions = true, description = "Fleet training images/s vs standalone, same run.")
final class FleetBenchmark implements Callable<Integer> {
    @Option(names = "--devices", split = ",", defaultValue = "pc,pc,pc", description = "device classes; default: ${DEFAULT-VALUE}")
    List<String> devices;

    @Option(names = "--model", defaultValue = "resnet20", description = "default: ${DEFAULT-VALUE}")
    String model;

    @Option(names = "--rounds", defaultValue = "8", description = "measured rounds after the first; default: ${DEFAULT-VALUE}")
    int rounds;

    @Option(names = "--batch", defaultValue = Defaults.BATCH, description = "default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--round-seconds", defaultValue = Defaults.ROUND_SECONDS, description = "default: ${DEFAULT-VALUE}")
    double roundSeconds;

    @Option(names = "--dir", defaultValue = "runs/bench-fleet", description = "fleet folder; default: ${DEFAULT-VALUE}")
    Path dir;

    @Option(names = "--standalone-seconds", defaultValue = "30", description = "length of the standalone measurement; default: ${DEFAULT-VALUE}")
    double standaloneSeconds;

    @Mixin
    DataAndJson io;

    @Mixin
    FleetOptions fleet;

    /** The JSON of {@code bench fleet}. */
    record Result(List<String> devices, String model, int batch, int rounds, double imagesPerSecond,
                  List<Double> roundImagesPerSecond, double standaloneImagesPerSecond, int standaloneThreads,
                  double ratioToStandalone) {
    }

    @Override
    public Integer call() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        EngineBenchmark.Result standalone = EngineBenchmark.measure(EngineKind.preferred(), model, batch, cores,
                standaloneSeconds);
        System.out.printf("standalone %s, %d threads: %.1f images/s%n", model, cores, standalone.imagesPerSecond());
        CifarDataset data = io.read();
        FleetRun.Measurement fleetRate = new FleetRun(devices, model, batch, rounds, roundSeconds, true,
                LocalFleet.Throttle.NONE, 1.0, 0).run(fleet, data, dir);
        Result result = new Result(devices, model, batch, rounds, fleetRate.imagesPerSecond(),
                fleetRate.roundImagesPerSecond(), standalone.imagesPerSecond(), cores,
                fleetRate.imagesPerSecond() / standalone.imagesPerSecond());
        System.out.printf("fleet %s: %.1f images/s over %d rounds; standalone %.1f; ratio %.2f%n", devices,
                result.imagesPerSecond(), rounds, standalone.imagesPerSecond(), result.ratioToStandalone());
        io.write(result);
        return 0;
    }
}
