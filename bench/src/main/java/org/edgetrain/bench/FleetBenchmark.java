package org.edgetrain.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.cli.FleetOptions;
import org.edgetrain.compute.cli.Json;
import org.edgetrain.compute.cli.LocalFleet;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.schedule.LearningRateSchedule;
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

    @Option(names = "--batch", defaultValue = "64", description = "default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--round-seconds", defaultValue = "10", description = "default: ${DEFAULT-VALUE}")
    double roundSeconds;

    @Option(names = "--cifar", description = "CIFAR-10 archive or folder; default: the shared copy")
    Path cifar;

    @Option(names = "--dir", defaultValue = "runs/bench-fleet", description = "fleet folder; default: ${DEFAULT-VALUE}")
    Path dir;

    @Option(names = "--standalone-seconds", defaultValue = "30", description = "length of the standalone measurement; default: ${DEFAULT-VALUE}")
    double standaloneSeconds;

    @Option(names = "--json", description = "write the result as JSON to this file")
    Path json;

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
        EngineBenchmark.Result standalone = EngineBenchmark.measure(model, batch, cores, standaloneSeconds);
        System.out.printf("standalone %s, %d threads: %.1f images/s%n", model, cores, standalone.imagesPerSecond());
        LocalFleet local = LocalFleet.open(dir, fleet.configPath());
        try {
            devices.forEach(local::add);
            try (Ignite client = fleet.connect()) {
                fleet.awaitDevices(client, devices.size(), 180, local);
                fleet.load(client, cifar);
                JobSpec job = new JobSpec("bench-" + UUID.randomUUID().toString().substring(0, 8), NetworkSpec.of(model, 1),
                        1000, batch, roundSeconds, new LearningRateSchedule("constant", 0.05, 1000, 0), 0, 1, 1, true);
                JobSubmitter.submit(client, job);
                List<Double> perRound = new ArrayList<>();
                long samples = 0;
                double seconds = 0;
                long deadline = System.currentTimeMillis() + (long) ((rounds + 3) * roundSeconds * 8_000);
                while (perRound.size() < rounds) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("fleet did not finish " + rounds + " rounds in time");
                    }
                    Thread.sleep(500); // polling the ROUNDS table with a deadline
                    List<List<?>> rows = GridSchema.sql(client, "SELECT SAMPLES, SECONDS FROM ROUNDS WHERE JOB = ? AND "
                            + "COMMITTED AND ROUND_NO > 1 ORDER BY ROUND_NO LIMIT ?", job.id(), rounds);
                    perRound.clear();
                    samples = 0;
                    seconds = 0;
                    for (List<?> row : rows) {
                        long s = ((Number) row.get(0)).longValue();
                        double t = ((Number) row.get(1)).doubleValue();
                        samples += s;
                        seconds += t;
                        perRound.add(s / t);
                    }
                }
                JobSubmitter.stop(client);
                double fleetRate = samples / seconds;
                Result result = new Result(devices, model, batch, rounds, fleetRate, perRound, standalone.imagesPerSecond(),
                        cores, fleetRate / standalone.imagesPerSecond());
                System.out.printf("fleet %s: %.1f images/s over %d rounds; standalone %.1f; ratio %.2f%n", devices,
                        fleetRate, rounds, standalone.imagesPerSecond(), result.ratioToStandalone());
                if (json != null) {
                    Json.write(result, json);
                }
            }
        } finally {
            local.down(30);
        }
        return 0;
    }
}
