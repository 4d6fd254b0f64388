package org.edgetrain.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.edgetrain.compute.cli.EdgetrainCommand;
import org.edgetrain.compute.cli.FleetOptions;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.io.Json;
import org.edgetrain.model.cifar.CifarDataset;
import org.edgetrain.rebalancing.DeviceProfile;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code edgetrain bench scale}: how the fleet's fixed costs grow with its size. Fleets of the published system's mix
 * (1 pc : 2 jetson-nano : 8 rpi4) of growing size train whole rounds; for each, the coordinator's work per round
 * (aggregate, plan and send the next round, commit: {@code ROUNDS.COORDINATOR_MS}) against the round's length, and
 * each device's idle share of the measured rounds (waiting for the others, the coordinator, its data).
 *
 * <p>Devices are slowed by duty cycle, not cgroup quotas: at the shares that fit 32 devices on two cores (an rpi4 at
 * 0.03 core) a cgroup-limited JVM needs minutes to start and Ignite's own threads would starve with its training, so
 * the measure would be of the emulation. Under duty cycle only training steps are paced; the rest (Ignite, the
 * coordinator) runs as on a real device, which has a whole core of its own for it.
 */
@Command(name = "scale", mixinStandardHelpOptions = true,
        description = "Fleets of 3 to 32 devices: the coordinator's work per round and the devices' idle time.")
final class ScaleBenchmark implements Callable<Integer> {
    @Option(names = "--sizes", split = ",", defaultValue = "3,11,22,32",
            description = "fleet sizes, each of the paper's mix (1 pc : 2 jetson-nano : 8 rpi4); default: ${DEFAULT-VALUE}")
    List<Integer> sizes;

    @Option(names = "--model", defaultValue = "resnet8", description = "network; default: ${DEFAULT-VALUE}")
    String model;

    @Option(names = "--round-seconds", defaultValue = "10", description = "target round length; default: ${DEFAULT-VALUE}")
    double roundSeconds;

    @Option(names = "--rounds", defaultValue = "4", description = "measured rounds per fleet, after the warm-up; "
            + "default: ${DEFAULT-VALUE}")
    int rounds;

    @Option(names = "--cpu-scale", description = "multiplies each class's CPU share; default: the largest fleet at "
            + "60 % of this host's cores")
    Double cpuScale;

    @Option(names = "--memory-limit", defaultValue = "class", description = "each device's memory limit (class, a size "
            + "such as 600m, or none); default: ${DEFAULT-VALUE}, so that 32 devices fit one host")
    String memoryLimit;

    @Option(names = "--out", defaultValue = "runs/bench-scale", description = "folder for JSON, CSV, PNG and device "
            + "logs; default: ${DEFAULT-VALUE}")
    Path out;

    @Mixin
    DataAndJson io;

    @Mixin
    FleetOptions fleet;

    /** What a fleet of growing size may cost: the goal of issue 20, per round. */
    static final double GOAL_SHARE = 0.05;

    /** Devices at a few hundredths of a core pause long: failure detection as {@code bench hetero --preset paper}. */
    private static final long FAILURE_DETECTION_MILLIS = 30_000;

    /**
     * One fleet's row.
     *
     * @param coordinatorShare the coordinator's median work per round over the median round's length
     * @param coordinatorCpuMillisPerRound the median CPU time of the coordinator's thread for that work, or -1; on a
     *     host shared by every device the wall-clock figure also counts waiting for a core
     * @param idlestDevice the device that idled most, and {@code maxIdleFraction} its idle share of the measured rounds
     */
    record FleetResult(int size, List<String> devices, double imagesPerSecond, double roundSeconds,
                       double coordinatorMillisPerRound, double coordinatorShare, double coordinatorCpuMillisPerRound,
                       double medianIdleFraction,
                       double maxIdleFraction, String idlestDevice, double residentMegabytes) {
    }

    /** The JSON of {@code bench scale}. */
    record Result(String model, double cpuScale, String throttle, String memoryLimit, double targetRoundSeconds,
                  int measuredRounds, List<FleetResult> fleets) {
    }

    /**
     * A fleet of {@code size} devices in the published system's proportions: one pc and two jetson-nano per 11
     * devices (at least one pc, the rest rpi4).
     */
    static List<String> paperMix(int size) {
        if (size < 3) {
            throw new IllegalArgumentException("a fleet of the paper's mix needs at least 3 devices, got " + size);
        }
        int pcs = Math.max(1, (int) Math.round(size / 11.0));
        int jetsons = Math.max(1, (int) Math.round(2 * size / 11.0));
        List<String> devices = new ArrayList<>();
        devices.addAll(Collections.nCopies(pcs, "pc"));
        devices.addAll(Collections.nCopies(jetsons, "jetson-nano"));
        devices.addAll(Collections.nCopies(size - pcs - jetsons, "rpi4"));
        return devices;
    }

    @Override
    public Integer call() throws Exception {
        List<List<String>> fleets;
        LocalFleet.MemoryLimit limit;
        try {
            fleets = sizes.stream().sorted().map(ScaleBenchmark::paperMix).toList();
            limit = memoryLimit.equalsIgnoreCase("none") ? null : LocalFleet.MemoryLimit.parse(memoryLimit);
        } catch (IllegalArgumentException e) {
            throw new EdgetrainCommand.UserError(e.getMessage());
        }
        double largest = fleets.get(fleets.size() - 1).stream().mapToDouble(d -> DeviceProfile.of(d).relativeSpeed()).sum();
        double scale = cpuScale != null ? cpuScale
                : HeteroBenchmark.HOST_SHARE * Runtime.getRuntime().availableProcessors() / largest;
        CifarDataset full = io.read();
        CifarDataset data = new CifarDataset(full.train(), full.test().limit(1000), full.source());
        Files.createDirectories(out);
        List<FleetResult> rows = new ArrayList<>();
        for (List<String> devices : fleets) {
            FleetRun.Measurement m = new FleetRun(devices, model, 64, rounds, roundSeconds, true, LocalFleet.Throttle.DUTY,
                    scale, FAILURE_DETECTION_MILLIS, limit).run(fleet, data, out.resolve(devices.size() + "-devices"));
            Map.Entry<String, Double> idlest = m.deviceIdleFraction().entrySet().stream()
                    .max(Map.Entry.comparingByValue()).orElse(Map.entry("-", 0.0));
            FleetResult row = new FleetResult(devices.size(), devices, m.imagesPerSecond(), m.roundSeconds(),
                    m.coordinatorMillis(), m.coordinatorMillis() < 0 ? -1 : m.coordinatorMillis() / (m.roundSeconds() * 1000),
                    m.coordinatorCpuMillis(), EngineBenchmark.median(new ArrayList<>(m.deviceIdleFraction().values())), idlest.getValue(),
                    idlest.getKey(), m.residentMegabytes());
            rows.add(row);
            System.out.printf(Locale.ROOT, "%2d devices: %7.1f img/s, rounds of %.1f s, coordinator %.0f ms a round "
                            + "(%.1f %%; %.0f ms of CPU), devices idle median %.1f %%, most %.1f %% (%s), memory %.0f MB%n", row.size(),
                    row.imagesPerSecond(), row.roundSeconds(), row.coordinatorMillisPerRound(),
                    100 * row.coordinatorShare(), row.coordinatorCpuMillisPerRound(), 100 * row.medianIdleFraction(), 100 * row.maxIdleFraction(),
                    row.idlestDevice(), row.residentMegabytes());
            // after every fleet, so that the rows measured survive a bigger fleet that fails to start
            write(new Result(model, scale, "duty", limit == null ? "none" : memoryLimit, roundSeconds, rounds, rows));
        }
        System.out.println("wrote scale.json, scale.csv and scale.png under " + out);
        return 0;
    }

    private void write(Result result) throws IOException {
        Json.write(result, out.resolve("scale.json"));
        io.write(result);
        writeCsv(result, out.resolve("scale.csv"));
        writeChart(result, out.resolve("scale.png"));
    }

    private static void writeCsv(Result result, Path file) throws IOException {
        StringBuilder csv = new StringBuilder("devices,images_per_second,round_seconds,coordinator_ms_per_round,"
                + "coordinator_share,coordinator_cpu_ms_per_round,median_idle_fraction,max_idle_fraction,idlest_device,resident_megabytes\n");
        for (FleetResult r : result.fleets()) {
            csv.append(String.format(Locale.ROOT, "%d,%.2f,%.2f,%.1f,%.4f,%.1f,%.4f,%.4f,%s,%.0f%n", r.size(),
                    r.imagesPerSecond(), r.roundSeconds(), r.coordinatorMillisPerRound(), r.coordinatorShare(),
                    r.coordinatorCpuMillisPerRound(),
                    r.medianIdleFraction(), r.maxIdleFraction(), r.idlestDevice(), r.residentMegabytes()));
        }
        Files.writeString(file, csv);
    }

    private static void writeChart(Result result, Path file) throws IOException {
        XYSeries coordinator = new XYSeries("coordinator's work per round (wall-clock)");
        XYSeries coordinatorCpu = new XYSeries("its CPU time");
        XYSeries idlest = new XYSeries("idlest device's idle time");
        XYSeries median = new XYSeries("median device's idle time");
        for (FleetResult r : result.fleets()) {
            coordinator.add(r.size(), 100 * r.coordinatorShare());
            if (r.coordinatorCpuMillisPerRound() >= 0) {
                coordinatorCpu.add(r.size(), 100 * r.coordinatorCpuMillisPerRound() / (r.roundSeconds() * 1000));
            }
            idlest.add(r.size(), 100 * r.maxIdleFraction());
            median.add(r.size(), 100 * r.medianIdleFraction());
        }
        XYSeriesCollection series = new XYSeriesCollection();
        series.addSeries(coordinator);
        series.addSeries(coordinatorCpu);
        series.addSeries(idlest);
        series.addSeries(median);
        JFreeChart chart = ChartFactory.createXYLineChart(String.format(Locale.ROOT,
                        "Fixed costs as the fleet grows (%s, rounds of about %.0f s)", result.model(),
                        result.targetRoundSeconds()), "devices in the fleet (paper's mix: 1 pc : 2 jetson-nano : 8 rpi4)",
                "share of a round (%)", series, PlotOrientation.VERTICAL, true, false, false);
        ValueMarker goal = new ValueMarker(100 * GOAL_SHARE);
        goal.setLabel("goal: 5 %");
        // JFreeChart anchors a range marker's label at the plot's left edge by default, where half of it is cut off
        goal.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
        goal.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
        chart.getXYPlot().addRangeMarker(goal);
        Charts.save(chart, file, 1000, 560);
    }
}
