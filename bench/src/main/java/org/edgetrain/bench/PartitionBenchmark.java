package org.edgetrain.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.faults.NetworkFaults;
import org.edgetrain.compute.faults.PartitionScenarios;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.DatasetLoader;
import org.edgetrain.compute.grid.FleetActivation;
import org.edgetrain.compute.grid.Reconnects;
import org.edgetrain.compute.io.Json;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.model.cifar.CifarDataset;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.schedule.LearningRateSchedule;

/**
 * {@code edgetrain bench faults --preset partitions}: five devices (three pc, two rpi4), each in a network namespace of
 * its own, train one long job while {@link PartitionScenarios} cuts the network every way the README's "When the
 * network splits" describes; then the job is stopped. JSON ({@code scenarios}) and a CSV of the table.
 */
final class PartitionBenchmark {
    static final List<String> DEVICES = List.of("pc", "pc", "pc", "rpi4", "rpi4");
    private static final String JOB = "partitions";

    /** The JSON of {@code bench faults --preset partitions}. */
    record Result(String preset, List<String> devices, int dataBackups, List<PartitionScenarios.Result> scenarios) {
    }

    private PartitionBenchmark() {
    }

    /** Runs every scenario on {@code data} (two backups). @return the results, written under {@code out} */
    static Result run(Path out, CifarDataset data) throws IOException, InterruptedException {
        Namespaced.require("partitions", "cuts links with iptables");
        Files.createDirectories(out);
        List<PartitionScenarios.Result> results = new ArrayList<>();
        try (NetworkFaults network = NetworkFaults.create(DEVICES.size() + 2, out.toAbsolutePath())) {
            LocalFleet fleet = Namespaced.fleet(out.resolve("fleet-partitions"), network);
            try {
                DEVICES.forEach(fleet::add);
                try (Ignite client = Namespaced.join(network, DEVICES.size())) {
                    DatasetLoader.load(client, data, 2, n -> { });
                    JobSubmitter.submit(client, JobSpec.builder(JOB, NetworkSpec.of("resnet8", 1)).epochs(1000)
                            .roundSeconds(2).schedule(new LearningRateSchedule("constant", 0.05, 1000, 0)).seed(11)
                            .build());
                    Namespaced.awaitVersion(client, 2, Duration.ofMinutes(5));
                    PartitionScenarios scenarios = new PartitionScenarios(fleet, network, client, JOB);
                    for (PartitionScenarios.Kind kind : PartitionScenarios.Kind.values()) {
                        PartitionScenarios.Result result = scenarios.run(kind);
                        results.add(result);
                        print(result);
                    }
                    Reconnects.read(client, ignite -> {
                        JobSubmitter.stop(ignite);
                        FleetActivation.prepareWholeFleetStop(ignite);
                        return null;
                    });
                }
            } finally {
                fleet.down(30);
            }
        }
        Result result = new Result("partitions", DEVICES, 2, results);
        Json.write(result, out.resolve("partitions.json"));
        writeCsv(results, out.resolve("partitions.csv"));
        return result;
    }

    /** @return whether every scenario kept one history: no fork, no commit without quorum, nothing lost, exactly once */
    static boolean held(Result result) {
        return result.scenarios().stream().allMatch(r -> r.forks() == 0 && r.minorityCommits() == 0
                && r.lostCommittedRounds() == 0 && r.exactlyOnce());
    }

    private static void print(PartitionScenarios.Result r) {
        System.out.printf(Locale.ROOT, "%-30s cut %s | %s  recovery %5.1f s  heal %5.1f s  forks %d  minority commits %d"
                        + "  lost rounds %d  exactly-once %s (never trained %d, twice %d)%n", r.name(), r.smallerSide(),
                r.largerSide(), r.recoverySeconds(), r.healSeconds(), r.forks(), r.minorityCommits(),
                r.lostCommittedRounds(), r.exactlyOnce(), r.neverTrained(), r.trainedTwice());
    }

    private static void writeCsv(List<PartitionScenarios.Result> results, Path file) throws IOException {
        StringBuilder csv = new StringBuilder("name,smaller_side,larger_side,forks,minority_commits,lost_committed_rounds,"
                + "exactly_once,heal_seconds,recovery_seconds,never_trained,trained_twice\n");
        for (PartitionScenarios.Result r : results) {
            csv.append(String.format(Locale.ROOT, "%s,%s,%s,%d,%d,%d,%s,%.2f,%.2f,%d,%d%n", r.name(),
                    String.join("+", r.smallerSide()), String.join("+", r.largerSide()), r.forks(), r.minorityCommits(),
                    r.lostCommittedRounds(), r.exactlyOnce(), r.healSeconds(), r.recoverySeconds(), r.neverTrained(),
                    r.trainedTwice()));
        }
        Files.writeString(file, csv);
    }
}
