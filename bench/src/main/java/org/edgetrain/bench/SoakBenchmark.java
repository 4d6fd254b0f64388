package org.edgetrain.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.cli.EdgetrainCommand;
import org.edgetrain.compute.faults.FaultHarness;
import org.edgetrain.compute.faults.Injection;
import org.edgetrain.compute.faults.NetworkFaults;
import org.edgetrain.compute.faults.ScenarioResult;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.DatasetLoader;
import org.edgetrain.compute.grid.FleetActivation;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.grid.Reconnects;
import org.edgetrain.compute.io.Json;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.model.cifar.CifarDataset;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.schedule.LearningRateSchedule;

/**
 * {@code edgetrain bench faults --preset soak}: one long job on five devices (three pc, two rpi4), each in a network
 * namespace of its own, while a seeded random schedule injects faults of every kind one after the other: SIGKILL of a
 * device or of the coordinator's device, the coordinator dying at each of its crash points, SIGSTOP hangs (of the
 * coordinator's device too), joins, graceful leaves, cut links and slow, lossy links. The harness is the devices'
 * supervisor: a device that died is started again. The job is stopped once the faults are in; then the same job, as
 * many epochs, undisturbed, for the accuracy it should reach. Then the invariants (committed rounds lost, forks of the model history, samples never trained or trained twice,
 * sample by sample) and the detection and recovery times.
 */
final class SoakBenchmark {
    static final List<String> DEVICES = List.of("pc", "pc", "pc", "rpi4", "rpi4");
    /** The soak's job is stopped once its faults are in; this only bounds it. */
    private static final int MAX_EPOCHS = 100_000;
    /** Namespaces for the devices started over the run (restarts reuse a name, joins add one). */
    private static final int NAMESPACES = DEVICES.size() + 12;

    /**
     * Percentiles of a set of seconds.
     *
     * @param count how many
     */
    record Spread(int count, double median, double p95, double max) {
        static Spread of(List<Double> values) {
            List<Double> sorted = values.stream().sorted().toList();
            if (sorted.isEmpty()) {
                return new Spread(0, Double.NaN, Double.NaN, Double.NaN);
            }
            return new Spread(sorted.size(), EngineBenchmark.median(sorted),
                    sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(0.95 * sorted.size()) - 1)),
                    sorted.get(sorted.size() - 1));
        }
    }

    /**
     * The soak's figures.
     *
     * @param faultsAsked faults in the schedule
     * @param faultsInjected faults injected before the job ended
     * @param byKind faults injected, per kind
     * @param detectionSeconds fault to the fleet noticing it (faults that are to be noticed: not joins, not slow links)
     * @param recoverySeconds fault to the next committed round after it was noticed
     * @param droppedBehindSlowLinks slowed devices the fleet dropped (it should keep them)
     */
    record Summary(long seed, int faultsAsked, int faultsInjected, Map<String, Integer> byKind,
                   Spread detectionSeconds, Spread recoverySeconds, long lostCommittedRounds, long forks,
                   long neverTrained, long trainedTwice, boolean exactlyOnce, long partitionsLost, double accuracy,
                   double undisturbedAccuracy, long droppedBehindSlowLinks) {
    }

    /** The JSON of {@code bench faults --preset soak}. */
    record Result(String preset, List<String> devices, String model, int epochs, Summary summary,
                  List<ScenarioResult> scenarios) {
    }

    private SoakBenchmark() {
    }

    static Result run(Path out, CifarDataset data, int faults, long seed) throws IOException, InterruptedException {
        Namespaced.require("soak", "cuts and shapes links with iptables and tc");
        if (faults < 1) {
            throw new EdgetrainCommand.UserError("--faults must be at least 1, got " + faults);
        }
        Files.createDirectories(out);
        List<ScenarioResult> results = new ArrayList<>();
        int epochs;
        try (NetworkFaults network = NetworkFaults.create(NAMESPACES, out.toAbsolutePath())) {
            LocalFleet fleet = Namespaced.fleet(out.resolve("fleet-soak"), network);
            try {
                DEVICES.forEach(fleet::add);
                try (Ignite client = Namespaced.join(network, DEVICES.size())) {
                    DatasetLoader.load(client, data, 2, n -> { }); // two backups: a fault lands while data moves
                    FaultHarness harness = new FaultHarness(fleet, client).withNetwork(network).supervised()
                            .randomVictims(seed).stopAfterFaults();
                    long timeout = faults * 120_000L + 30 * 60_000L;
                    // The faults do not hold the rounds back: the job is long, and stopped once they are all in.
                    ScenarioResult soak = harness.run("soak", job("soak", MAX_EPOCHS), data.train().size(),
                            FaultHarness.randomized(seed, faults, "rpi4", true), Double.NaN, timeout);
                    print(soak);
                    soak.sampleFindings().forEach(f -> System.out.println("  audit: " + f));
                    writeRounds(client, "soak", out.resolve("soak-rounds.csv"));
                    epochs = Math.max(1, Reconnects.read(client, JobSubmitter::current).epoch() - 1);
                    // The same job (constant learning rate, same seed) for as many epochs, undisturbed.
                    ScenarioResult undisturbed = new FaultHarness(fleet, client).run("undisturbed",
                            job("soak-undisturbed", epochs), data.train().size(), List.of(), Double.NaN, timeout);
                    print(undisturbed);
                    results.add(undisturbed);
                    results.add(soak);
                    Reconnects.read(client, ignite -> {
                        FleetActivation.prepareWholeFleetStop(ignite);
                        return null;
                    });
                }
            } finally {
                fleet.down(30);
            }
        }
        Result result = new Result("soak", DEVICES, "resnet8", epochs, summarize(seed, faults, results.get(0),
                results.get(1)), results);
        Json.write(result, out.resolve("soak.json"));
        writeCsv(results.get(1), out.resolve("soak-faults.csv"));
        return result;
    }

    /** @return whether the soak kept every invariant */
    static boolean held(Result result) {
        Summary s = result.summary();
        return s.lostCommittedRounds() == 0 && s.forks() == 0 && s.exactlyOnce();
    }

    /** A constant learning rate: the soak's job stopped after E epochs and the undisturbed one of E epochs match. */
    private static JobSpec job(String id, int epochs) {
        return JobSpec.builder(id, NetworkSpec.of("resnet8", 1)).epochs(epochs).roundSeconds(2)
                .schedule(new LearningRateSchedule("constant", 0.05, epochs, 0)).seed(11).build();
    }

    private static Summary summarize(long seed, int faults, ScenarioResult undisturbed, ScenarioResult soak) {
        Map<String, Integer> byKind = new TreeMap<>();
        List<Double> detection = new ArrayList<>();
        List<Double> recovery = new ArrayList<>();
        long dropped = 0;
        for (ScenarioResult.InjectionResult injection : soak.injections()) {
            String kind = injection.fault().split(" ")[0];
            byKind.merge(kind, 1, Integer::sum);
            boolean noticed = !kind.equals(Injection.Kind.JOIN.name()) && !kind.equals(Injection.Kind.SLOW_LINK.name());
            if (noticed) {
                detection.add(injection.detectionSeconds());
            }
            recovery.add(injection.recoverySeconds());
            if (kind.equals(Injection.Kind.SLOW_LINK.name()) && injection.forcedKill()) {
                dropped++;
            }
        }
        return new Summary(seed, faults, soak.injections().size(), byKind, Spread.of(detection), Spread.of(recovery),
                soak.lostCommittedRounds(), soak.forks(), soak.neverTrained(), soak.trainedTwice(), soak.exactlyOnce(),
                soak.partitionsLost(), soak.accuracy(), undisturbed.accuracy(), dropped);
    }

    private static void print(ScenarioResult r) {
        System.out.printf(Locale.ROOT, "%-12s %3d faults  lost rounds %d  forks %d  never trained %d  twice %d  "
                        + "exactly-once %s  accuracy %.4f (%+.4f)  %.0f s%n", r.name(), r.injections().size(),
                r.lostCommittedRounds(), r.forks(), r.neverTrained(), r.trainedTwice(), r.exactlyOnce(), r.accuracy(),
                r.accuracyDelta(), r.seconds());
    }

    /** Writes the job's ROUNDS rows (the committed history the audit read), before another job's rows replace them. */
    private static void writeRounds(Ignite client, String job, Path file) throws IOException {
        StringBuilder csv = new StringBuilder("round,epoch,version,committed,samples,parent,accepted_results\n");
        for (List<?> r : Reconnects.read(client, i -> GridSchema.sql(i, "SELECT ROUND_NO, EPOCH, MODEL_VERSION, COMMITTED,"
                + " SAMPLES, PARENT_VERSION, ACCEPTED_RESULTS FROM ROUNDS WHERE JOB = ? ORDER BY ROUND_NO", job))) {
            csv.append(r.stream().map(String::valueOf).map(v -> v.replace(',', ' ')).collect(
                    java.util.stream.Collectors.joining(","))).append('\n');
        }
        Files.writeString(file, csv);
    }

    private static void writeCsv(ScenarioResult soak, Path file) throws IOException {
        StringBuilder csv = new StringBuilder("fault,device,at_seconds,detection_seconds,recovery_seconds,forced_kill\n");
        soak.injections().stream().sorted(Comparator.comparingDouble(ScenarioResult.InjectionResult::atSeconds))
                .forEach(i -> csv.append(String.format(Locale.ROOT, "%s,%s,%.2f,%.2f,%.2f,%s%n", i.fault(), i.device(),
                        i.atSeconds(), i.detectionSeconds(), i.recoverySeconds(), i.forcedKill())));
        Files.writeString(file, csv);
    }
}
