package org.edgetrain.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.cli.EdgetrainCommand;
import org.edgetrain.compute.cli.FleetOptions;
import org.edgetrain.compute.cli.ProgressBarFactory;
import org.edgetrain.compute.faults.FaultHarness;
import org.edgetrain.compute.faults.Injection;
import org.edgetrain.compute.faults.ScenarioResult;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.DatasetLoader;
import org.edgetrain.compute.grid.FleetActivation;
import org.edgetrain.compute.grid.Reconnects;
import org.edgetrain.compute.io.Json;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.compute.training.RoundPhases;
import org.edgetrain.model.cifar.CifarDataset;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.schedule.LearningRateSchedule;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code edgetrain bench faults}: fault scenarios on emulated fleets through {@link FaultHarness}. For each fleet
 * size, an undisturbed run of the job, then the same job (same seed) under each fault scenario; a crashed device is
 * started again once the fleet noticed it (as a supervisor would), and between scenarios the fleet is topped up to its
 * starting composition. JSON ({@code scenarios}), a CSV of the table, a CSV and a PNG
 * of the throughput over time with the faults marked.
 */
@Command(name = "faults", mixinStandardHelpOptions = true,
        description = "Self-healing under faults: detection and recovery times, lost work, exactly-once, accuracy.")
final class FaultBenchmark implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "smoke", description = "smoke (a few minutes, 4 devices), full "
            + "(3, 5, 8 and 11 devices; crashes every few rounds, churn, coordinator crash, randomized) or partitions "
            + "(5 devices in network namespaces, cut every way; needs root and iptables) or links (3 devices behind "
            + "slow, lossy links: round time and images/s; needs root, iptables and tc) or soak (5 devices in network "
            + "namespaces, --faults of every kind on one job, then the invariants); default: ${DEFAULT-VALUE}")
    String preset;

    @Option(names = "--out", defaultValue = "runs/bench-faults", description = "folder for JSON, CSV, PNG and device logs; default: ${DEFAULT-VALUE}")
    Path out;

    @Option(names = "--throttle", defaultValue = "NONE", description = "auto, cgroup, duty or none; default: ${DEFAULT-VALUE}")
    String throttle;

    @Option(names = "--seed", defaultValue = "7", description = "seed of the randomized scenario and of the soak's "
            + "schedule; default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--faults", defaultValue = "100", description = "faults the soak injects; default: ${DEFAULT-VALUE}")
    int faults;

    @Mixin
    DataAndJson io;

    @Mixin
    FleetOptions fleet;

    /** A scenario: a name and the faults, in order. */
    record Scenario(String name, List<Injection> injections) {
    }

    /** A preset: the job and, per fleet, the scenarios. */
    record Preset(String model, int epochs, double roundSeconds, int trainImages, int testImages, double cpuScale,
                  List<List<String>> fleets) {
    }

    static final Map<String, Preset> PRESETS = Map.of(
            "smoke", new Preset("resnet8", 3, 2, 2000, 500, 1.0, List.of(List.of("pc", "pc", "rpi4", "rpi4"))),
            "full", new Preset("resnet8", 6, 3, 5000, 1000, 0.6, List.of(
                    List.of("pc", "jetson-nano", "rpi4"),
                    List.of("pc", "jetson-nano", "rpi4", "rpi4", "rpi4"),
                    List.of("pc", "jetson-nano", "jetson-nano", "rpi4", "rpi4", "rpi4", "rpi4", "rpi4"),
                    List.of("pc", "jetson-nano", "jetson-nano", "rpi4", "rpi4", "rpi4", "rpi4", "rpi4", "rpi4", "rpi4",
                            "rpi4"))));

    /**
     * The JSON of {@code bench faults}.
     *
     * @param failed the scenarios the harness could not carry out, each "name: why" (the run goes on with the next)
     */
    record Result(String preset, String model, int epochs, String throttle, List<ScenarioResult> scenarios,
                  List<String> failed) {
    }

    private static Injection at(Injection.Kind kind, RoundPhases.Point point, long version, String deviceClass) {
        return new Injection(kind, point, version, deviceClass);
    }

    /** @return the scenarios of {@code preset}, the undisturbed run first */
    List<Scenario> scenarios(String preset) {
        RoundPhases.Point training = RoundPhases.Point.DISPATCHED;
        RoundPhases.Point between = RoundPhases.Point.COMMITTED;
        List<Scenario> out = new ArrayList<>(List.of(
                new Scenario("stable", List.of()),
                new Scenario("crash-device", List.of(at(Injection.Kind.CRASH, training, 2, "rpi4"))),
                new Scenario("crash-coordinator-host", List.of(at(Injection.Kind.CRASH_COORDINATOR_HOST, training, 2, null))),
                new Scenario("join", List.of(at(Injection.Kind.JOIN, between, 2, "pc"))),
                new Scenario("graceful-leave", List.of(at(Injection.Kind.LEAVE, training, 2, "rpi4")))));
        if (preset.equals("full")) {
            out.add(new Scenario("crash-every-3-rounds", List.of(at(Injection.Kind.CRASH, training, 2, null),
                    at(Injection.Kind.JOIN, between, 3, "rpi4"), at(Injection.Kind.CRASH, training, 5, null),
                    at(Injection.Kind.JOIN, between, 6, "rpi4"), at(Injection.Kind.CRASH, training, 8, null))));
            out.add(new Scenario("hang", List.of(at(Injection.Kind.HANG, training, 2, "rpi4"))));
            out.add(new Scenario("churn", List.of(at(Injection.Kind.JOIN, between, 2, "rpi4"),
                    at(Injection.Kind.LEAVE, training, 4, "rpi4"), at(Injection.Kind.JOIN, between, 6, "jetson-nano"),
                    at(Injection.Kind.LEAVE, training, 8, "jetson-nano"))));
            out.add(new Scenario("coordinator-crash-points", List.of(
                    at(Injection.Kind.CRASH_COORDINATOR_AFTER_DISPATCH, between, 2, null),
                    at(Injection.Kind.CRASH_COORDINATOR_IN_COMMIT, between, 5, null),
                    at(Injection.Kind.CRASH_COORDINATOR_BEFORE_METRICS, between, 8, null),
                    at(Injection.Kind.CRASH_COORDINATOR_AFTER_EVALUATION, between, 11, null),
                    at(Injection.Kind.HANG_COORDINATOR_HOST, training, 14, null))));
            out.add(new Scenario("randomized", FaultHarness.randomized(seed, 6, "rpi4")));
        }
        return out;
    }

    @Override
    public Integer call() throws Exception {
        String name = preset.toLowerCase(Locale.ROOT);
        switch (name) {
            case "partitions" -> {
                PartitionBenchmark.Result result = PartitionBenchmark.run(out, subset(2000, 500));
                return wrote(result, "partitions.json and partitions.csv", PartitionBenchmark.held(result));
            }
            case "soak" -> {
                SoakBenchmark.Result result = SoakBenchmark.run(out, subset(2000, 500), faults, seed);
                return wrote(result, "soak.json and soak-faults.csv", SoakBenchmark.held(result));
            }
            case "links" -> {
                return wrote(LinkBenchmark.run(out, subset(20_000, 500)), "links.json and links.csv", true);
            }
            default -> {
                // the presets of scenarios on emulated fleets, below
            }
        }
        Preset p = PRESETS.get(name);
        if (p == null) {
            throw new EdgetrainCommand.UserError("unknown preset '" + preset + "': use smoke, full, partitions, links or soak");
        }
        LocalFleet.Throttle mode = LocalFleet.Throttle.valueOf(throttle.toUpperCase(Locale.ROOT));
        CifarDataset data = subset(p.trainImages(), p.testImages());
        Files.createDirectories(out);
        List<Scenario> scenarios = scenarios(name);
        List<ScenarioResult> results = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        int run = 0;
        try (ProgressBar bar = ProgressBarFactory.items("faults", (long) scenarios.size() * p.fleets().size(), "scenario")) {
            for (List<String> devices : p.fleets()) {
                LocalFleet local = LocalFleet.open(out.resolve("fleet-" + devices.size()), fleet.configPath())
                        .throttled(mode, p.cpuScale())
                        .checkedForFaults(out.resolve("trained-samples-" + devices.size()));
                try {
                    devices.forEach(local::add);
                    try (Ignite client = fleet.connect(240)) {
                        fleet.awaitDevices(client, devices.size(), 240, local);
                        DatasetLoader.load(client, data, 1, n -> { });
                        // As Docker's restart policy would: without it, a randomized run's crashes on a small fleet
                        // left it below a quorum of its members, where it rightly stopped training.
                        FaultHarness harness = new FaultHarness(local, client).supervised();
                        double baseline = Double.NaN;
                        for (Scenario scenario : scenarios) {
                            topUp(local, client, devices);
                            JobSpec job = JobSpec.builder("faults-" + (++run), NetworkSpec.of(p.model(), 1))
                                    .epochs(p.epochs()).roundSeconds(p.roundSeconds())
                                    .schedule(new LearningRateSchedule("step", 0.1, p.epochs(), 0)).seed(11).build();
                            String scenarioName = scenario.name() + "-" + devices.size();
                            ScenarioResult result;
                            try {
                                result = harness.run(scenarioName, job, data.train().size(), scenario.injections(),
                                        baseline, (long) (p.epochs() * 600_000L));
                            } catch (RuntimeException e) {
                                // A scenario the harness could not carry out is a finding, not the end of the run.
                                failed.add(scenarioName + ": " + e.getMessage());
                                System.out.println(scenarioName + " could not be carried out: " + e.getMessage());
                                Reconnects.read(client, ignite -> {
                                    JobSubmitter.stop(ignite);
                                    return null;
                                });
                                bar.step();
                                writeFiles(new Result(name, p.model(), p.epochs(),
                                        mode.name().toLowerCase(Locale.ROOT), results, failed));
                                continue;
                            }
                            if (Double.isNaN(baseline)) {
                                baseline = result.accuracy();
                            }
                            results.add(result);
                            bar.step();
                            bar.setExtraMessage(" " + result.name());
                            print(result);
                            // after every scenario, so that a run stopped or failed half-way keeps what it measured
                            writeFiles(new Result(name, p.model(), p.epochs(), mode.name().toLowerCase(Locale.ROOT),
                                    results, failed));
                        }
                        FleetActivation.prepareWholeFleetStop(client);
                    }
                } finally {
                    local.down(30);
                }
            }
        }
        io.write(new Result(name, p.model(), p.epochs(), mode.name().toLowerCase(Locale.ROOT), results, failed));
        System.out.println("wrote faults.json, faults.csv, faults-throughput.csv and faults.png under " + out);
        return failed.isEmpty() && results.stream().allMatch(r -> r.exactlyOnce() && r.lostCommittedRounds() == 0
                && r.forks() == 0) ? 0 : 1;
    }

    /** Writes the scenarios measured so far: JSON, the table's CSV, the throughput's CSV and chart. */
    private void writeFiles(Result result) throws IOException {
        Json.write(result, out.resolve("faults.json"));
        writeCsv(result.scenarios(), out.resolve("faults.csv"), out.resolve("faults-throughput.csv"));
        writeChart(result.scenarios(), out.resolve("faults.png"));
    }

    /** @return the first {@code train} training and {@code test} test images of the data set */
    private CifarDataset subset(int train, int test) {
        CifarDataset full = io.read();
        return new CifarDataset(full.train().limit(train), full.test().limit(test), full.source());
    }

    /** Writes {@code result} where {@code --json} says and tells the files. @return the exit status */
    private int wrote(Object result, String files, boolean held) {
        io.write(result);
        System.out.println("wrote " + files + " under " + out);
        return held ? 0 : 1;
    }

    /**
     * Brings the fleet back to {@code devices}: starts the classes that are missing (crashed or left devices) and lets
     * the extra ones (joined) leave gracefully.
     */
    private static void topUp(LocalFleet local, Ignite client, List<String> devices) throws InterruptedException {
        Map<String, Integer> missing = new HashMap<>();
        devices.forEach(d -> missing.merge(d, 1, Integer::sum));
        local.devices().stream().filter(LocalFleet.Device::alive).forEach(d -> missing.merge(d.deviceClass(), -1, Integer::sum));
        int expected = (int) local.devices().stream().filter(LocalFleet.Device::alive).count();
        for (Map.Entry<String, Integer> entry : missing.entrySet()) {
            for (int i = 0; i < entry.getValue(); i++) {
                local.add(entry.getKey());
                expected++;
            }
            for (int i = 0; i < -entry.getValue(); i++) {
                List<LocalFleet.Device> extra = local.devices().stream().filter(LocalFleet.Device::alive)
                        .filter(d -> d.deviceClass().equals(entry.getKey())).toList();
                local.stop(extra.get(extra.size() - 1).name(), 120);
                expected--;
            }
        }
        long deadline = System.currentTimeMillis() + 240_000;
        while (client.cluster().forServers().nodes().size() != expected) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the fleet did not settle at " + expected + " devices: " + local.devices());
            }
            Thread.sleep(250); // polling the topology with a deadline
        }
    }

    private static void print(ScenarioResult r) {
        System.out.printf(Locale.ROOT, "%-28s detect %5.1f s  recover %5.1f s  lost rounds %d  forks %d  wasted samples "
                        + "%5d  exactly-once %-5s (never trained %d, twice %d)  metrics complete %-5s  accuracy %.4f "
                        + "(%+.4f)  %6.1f img/s%n", r.name(), r.detectionSeconds(), r.recoverySeconds(),
                r.lostCommittedRounds(), r.forks(), r.lostSamples(), r.exactlyOnce(), r.neverTrained(), r.trainedTwice(),
                r.metricsComplete(), r.accuracy(),
                r.accuracyDelta(), r.imagesPerSecond());
    }

    private static void writeCsv(List<ScenarioResult> results, Path table, Path throughput) throws IOException {
        StringBuilder csv = new StringBuilder("name,devices,detection_seconds,recovery_seconds,lost_committed_rounds,"
                + "lost_samples,exactly_once,partitions_lost,accuracy,accuracy_delta,images_per_second,metrics_complete,"
                + "forks,never_trained,trained_twice\n");
        StringBuilder series = new StringBuilder("scenario,seconds,images_per_second\n");
        for (ScenarioResult r : results) {
            csv.append(String.format(Locale.ROOT, "%s,%s,%.2f,%.2f,%d,%d,%s,%d,%.4f,%.4f,%.2f,%s,%d,%d,%d%n", r.name(),
                    String.join("+", r.devices()), r.detectionSeconds(), r.recoverySeconds(), r.lostCommittedRounds(),
                    r.lostSamples(), r.exactlyOnce(), r.partitionsLost(), r.accuracy(), r.accuracyDelta(),
                    r.imagesPerSecond(), r.metricsComplete(), r.forks(), r.neverTrained(), r.trainedTwice()));
            for (double[] point : r.throughput()) {
                series.append(String.format(Locale.ROOT, "%s,%.2f,%.2f%n", r.name(), point[0], point[1]));
            }
        }
        Files.writeString(table, csv);
        Files.writeString(throughput, series);
    }

    /**
     * One panel per scenario on a shared time axis (on one plot, five scenarios' lines crossed and their fault labels
     * overlapped), each fault a dashed line labelled with what it was.
     */
    private static void writeChart(List<ScenarioResult> results, Path file) throws IOException {
        CombinedDomainXYPlot panels = new CombinedDomainXYPlot(new NumberAxis("seconds since the job started"));
        panels.setGap(12);
        for (ScenarioResult r : results) {
            XYSeries series = new XYSeries(r.name());
            r.throughput().forEach(point -> series.add(point[0], point[1]));
            NumberAxis imagesPerSecond = new NumberAxis(r.name() + ": images/s");
            XYPlot panel = new XYPlot(new XYSeriesCollection(series), null, imagesPerSecond,
                    new XYLineAndShapeRenderer(true, true));
            for (ScenarioResult.InjectionResult injection : r.injections()) {
                ValueMarker marker = new ValueMarker(injection.atSeconds(), Color.GRAY, new BasicStroke(1f,
                        BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {4f, 4f}, 0f));
                marker.setLabel(injection.fault());
                marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
                marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
                panel.addDomainMarker(marker);
            }
            panels.add(panel);
        }
        JFreeChart chart = new JFreeChart("Throughput of each committed round under faults (dashed: the fault)",
                JFreeChart.DEFAULT_TITLE_FONT, panels, true);
        Charts.save(chart, file, 1100, 220 * Math.max(1, results.size()));
    }
}
