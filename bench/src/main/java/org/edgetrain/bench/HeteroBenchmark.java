package org.edgetrain.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.edgetrain.compute.cli.FleetOptions;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.io.Json;
import org.edgetrain.model.cifar.CifarDataset;
import org.edgetrain.rebalancing.DeviceProfile;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code edgetrain bench hetero}: the efficiency table of the paper, on this machine. Each device class alone,
 * then fleets of growing size and mix, each twice: capability-aware (weighted shards, adaptive quotas) and equal
 * split (equal shards, equal quotas). Efficiency = measured / ideal, where ideal is the sum of the members'
 * standalone figures. Every device is limited to its class's CPU share times {@code cpuScale}.
 *
 * <p>Two references, because each flatters something. A one-device fleet of a class ({@code standalone}) also hosts
 * the whole grid, so a weak device alone is slower than inside a fleet and efficiencies come out above 1. The bare
 * engine ({@code bench engine}, one thread, in a JVM limited exactly as a device of that class) is what the device's
 * CPU could train with no framework at all: {@code efficiencyVsEngine} is the framework's whole cost, per class and
 * per fleet.
 */
@Command(name = "hetero", mixinStandardHelpOptions = true,
        description = "Heterogeneous fleets: images/s, ideal, efficiency, speed-up over rpi4, equal-split comparison.")
final class HeteroBenchmark implements Callable<Integer> {
    @Option(names = "--preset", defaultValue = "smoke", description = "smoke (a few minutes) or paper (up to 11 devices); default: ${DEFAULT-VALUE}")
    String preset;

    @Option(names = "--out", defaultValue = "runs/bench-hetero", description = "folder for JSON, CSV, PNG and device logs; default: ${DEFAULT-VALUE}")
    Path out;

    @Option(names = "--throttle", defaultValue = "AUTO", description = "auto, cgroup or duty; default: ${DEFAULT-VALUE}")
    String throttle;

    @Option(names = "--fleet", description = "run this fleet instead of the preset's (device classes, comma-separated, "
            + "e.g. pc,jetson-nano,rpi4); repeat for several fleets")
    List<String> fleets;

    @Mixin
    DataAndJson io;

    @Mixin
    FleetOptions fleet;

    /**
     * A preset: model, rounds, data and fleets; {@code failureDetectionMillis} as in {@link FleetRun} (0: the node
     * configuration's).
     *
     * @param largestAlsoWith a second network the largest fleet run (the preset's or {@code --fleet}'s) is run again
     *     with (capability-aware only, against the bare engines of that network), or null
     */
    record Preset(String model, int rounds, double roundSeconds, int trainImages, double cpuScale,
                  long failureDetectionMillis, List<List<String>> fleets, String largestAlsoWith) {
    }

    /**
     * Largest share of the host's cores a preset's biggest fleet may ask for. Above it the emulated devices compete
     * for the host (Ignite's own threads, the benchmark's client and the hypervisor's steal need the rest), and the
     * ideal, a sum of figures each measured with the host to itself, is out of reach by construction: efficiency
     * would then measure the host, not the framework.
     */
    static final double HOST_SHARE = 0.6;

    // cpuScale keeps each preset's biggest fleet at HOST_SHARE of two cores: 1.6 cores x 0.75 and 3.3 cores x 0.36.
    static final Map<String, Preset> PRESETS = Map.of(
            // The whole training set: at the torch engine's speed a 3-device fleet trained 20,000 images in about six
            // rounds of 6 s, so the epoch's tail (devices out of data, a round of one rpi4) fell in the measured rounds.
            "smoke", new Preset("resnet8", 4, 6, 50_000, 0.75, 0, List.of(
                    List.of("pc", "rpi4"),
                    List.of("pc", "jetson-nano", "rpi4"),
                    List.of("pc", "rpi4", "rpi4", "rpi4")), null),
            // ResNet-8: at 0.36 of its class's share an rpi4 has 0.07 core, and one ResNet-20 batch would take 20 s.
            // Failure detection at 30 s: at 5 s, devices at 0.05-0.36 core were dropped in JVM pauses during the
            // data load and the first rounds (no 3- or 11-device fleet reached a round).
            "paper", new Preset("resnet8", 4, 10, 50_000, 0.36, 30_000, List.of(
                    List.of("pc", "jetson-nano", "rpi4"),
                    List.of("pc", "jetson-nano", "rpi4", "rpi4", "rpi4"),
                    List.of("pc", "jetson-nano", "jetson-nano", "rpi4", "rpi4", "rpi4", "rpi4", "rpi4"),
                    List.of("pc", "jetson-nano", "jetson-nano", "rpi4", "rpi4", "rpi4", "rpi4", "rpi4", "rpi4", "rpi4", "rpi4")),
                    // the published system's network, on its 11-device fleet (issue 20)
                    "resnet32"));

    /**
     * One fleet's row of the table.
     *
     * @param model the network this fleet trained
     * @param ideal the sum of the members' one-device fleets, or -1 where they were not run (a second network's row:
     *     so are {@code efficiency}, {@code speedupOverRpi4}, the equal split and {@code awareOverEqual})
     * @param residentMegabytes the capability-aware run's memory: each device's peak resident memory, summed
     * @param coordinatorMillisPerRound the coordinator's median work at a round's end (aggregate, send the next round,
     *     commit), or -1 when not recorded
     * @param coordinatorShare that work over the median round's wall-clock length
     */
    record FleetResult(List<String> devices, String model, double imagesPerSecond, double ideal, double efficiency,
                       double speedupOverRpi4, double equalSplitImagesPerSecond, double awareOverEqual,
                       double residentMegabytes, double engineIdeal, double efficiencyVsEngine,
                       List<ClassShare> perClass, double coordinatorMillisPerRound, double coordinatorShare) {
    }

    /**
     * One device class within a fleet (capability-aware run), against the bare engine under the same quota.
     *
     * @param devices how many devices of the class the fleet has
     * @param deviceImagesPerSecond what one device of the class contributed to the fleet's images/s (mean over them)
     * @param efficiencyVsEngine {@code deviceImagesPerSecond / engineImagesPerSecond}
     * @param idleFraction the share of the measured time the class's devices did not train
     */
    record ClassShare(String deviceClass, int devices, double deviceImagesPerSecond, double engineImagesPerSecond,
                      double efficiencyVsEngine, double idleFraction) {
    }

    /**
     * The JSON of {@code bench hetero}.
     *
     * @param standalone per class, a one-device fleet's images/s
     * @param engineImagesPerSecond per class, the bare engine's training images/s under the class's CPU quota
     * @param secondModel the preset's second network ({@link Preset#largestAlsoWith}), or null
     * @param secondModelEngineImagesPerSecond per class, the bare engine's images/s with the second network
     */
    record Result(String preset, String model, double cpuScale, String throttle, Map<String, Double> standalone,
                  Map<String, Double> engineImagesPerSecond, List<FleetResult> fleets, String secondModel,
                  Map<String, Double> secondModelEngineImagesPerSecond) {
    }

    /** How long the bare engine is timed per class, after its warm-up steps. */
    static final double ENGINE_SECONDS = 40;

    @Override
    public Integer call() throws Exception {
        Preset p = PRESETS.get(preset.toLowerCase(Locale.ROOT));
        if (p == null) {
            throw new org.edgetrain.compute.cli.EdgetrainCommand.UserError("unknown preset '" + preset + "': use smoke or paper");
        }
        List<List<String>> chosen = fleets == null || fleets.isEmpty() ? p.fleets()
                : fleets.stream().map(f -> List.of(f.trim().split("\\s*,\\s*"))).toList();
        try {
            chosen.stream().flatMap(List::stream).forEach(DeviceProfile::of); // an unknown class fails before any run
        } catch (IllegalArgumentException e) {
            throw new org.edgetrain.compute.cli.EdgetrainCommand.UserError("--fleet: " + e.getMessage());
        }
        LocalFleet.Throttle mode = LocalFleet.Throttle.valueOf(throttle.toUpperCase(Locale.ROOT));
        CifarDataset full = io.read();
        CifarDataset data = new CifarDataset(full.train().limit(p.trainImages()), full.test().limit(1000), full.source());
        Files.createDirectories(out);
        Map<String, Double> engineRates = bareEngines(mode, p.cpuScale(), p.model());
        Map<String, Double> standalone = new LinkedHashMap<>();
        for (String profile : List.of("pc", "jetson-nano", "rpi4")) {
            double rate = new FleetRun(List.of(profile), p.model(), 64, p.rounds(), p.roundSeconds(), true, mode,
                    p.cpuScale(), p.failureDetectionMillis()).run(fleet, data, nextRun()).imagesPerSecond();
            standalone.put(profile, rate);
            System.out.printf("standalone %-12s %7.1f images/s%n", profile, rate);
        }
        List<FleetResult> rows = new ArrayList<>();
        String throttled = mode.name().toLowerCase(Locale.ROOT);
        for (List<String> devices : chosen) {
            rows.add(measure(p, p.model(), devices, mode, data, engineRates, standalone));
            // after every fleet, so that the rows measured survive a later fleet that fails
            write(new Result(preset, p.model(), p.cpuScale(), throttled, standalone, engineRates, rows, null, Map.of()));
        }
        if (p.largestAlsoWith() != null) {
            Map<String, Double> secondEngines = bareEngines(mode, p.cpuScale(), p.largestAlsoWith());
            List<String> largest = chosen.stream().max(java.util.Comparator.comparingInt(List::size)).orElseThrow();
            rows.add(measure(p, p.largestAlsoWith(), largest, mode, data, secondEngines, null));
            write(new Result(preset, p.model(), p.cpuScale(), throttled, standalone, engineRates, rows,
                    p.largestAlsoWith(), secondEngines));
        }
        System.out.println("wrote hetero.json, hetero.csv and hetero.png under " + out);
        return 0;
    }

    private void write(Result result) throws IOException {
        Json.write(result, out.resolve("hetero.json"));
        io.write(result);
        writeCsv(result, out.resolve("hetero.csv"));
        writeChart(result, out.resolve("hetero.png"));
    }

    private int run;

    private Path nextRun() {
        return out.resolve("run-" + (++run));
    }

    /** @return per class, the bare engine's images/s with {@code model} under the class's CPU quota */
    private Map<String, Double> bareEngines(LocalFleet.Throttle mode, double cpuScale, String model)
            throws IOException, InterruptedException {
        Map<String, Double> rates = new LinkedHashMap<>();
        for (String profile : List.of("pc", "jetson-nano", "rpi4")) {
            Path dir = out.resolve("engine-" + model);
            double rate = bareEngine(LocalFleet.open(dir, fleet.configPath()).throttled(mode, cpuScale), dir, profile,
                    model, ENGINE_SECONDS);
            rates.put(profile, rate);
            System.out.printf("bare engine %-12s %-9s %7.1f images/s%n", profile, model, rate);
        }
        return rates;
    }

    /**
     * One fleet's row: a capability-aware run against the bare engines, and where {@code standalone} is given, an
     * equal-split run and the one-device fleets' reference too.
     */
    private FleetResult measure(Preset p, String model, List<String> devices, LocalFleet.Throttle mode,
                                CifarDataset data, Map<String, Double> engineRates, Map<String, Double> standalone)
            throws IOException, InterruptedException {
        int cores = Runtime.getRuntime().availableProcessors();
        double asked = devices.stream().mapToDouble(d -> DeviceProfile.of(d).relativeSpeed()).sum() * p.cpuScale();
        if (mode != LocalFleet.Throttle.NONE && asked > HOST_SHARE * cores + 1e-9) {
            System.out.printf("warning: %s asks for %.2f of this host's %d cores: the devices will compete for the "
                    + "host and efficiency will measure that; use a host with more cores%n", devices, asked, cores);
        }
        FleetRun.Measurement awareRun = new FleetRun(devices, model, 64, p.rounds(), p.roundSeconds(), true, mode,
                p.cpuScale(), p.failureDetectionMillis()).run(fleet, data, nextRun());
        double aware = awareRun.imagesPerSecond();
        double equal = standalone == null ? -1 : new FleetRun(devices, model, 64, p.rounds(), p.roundSeconds(), false,
                mode, p.cpuScale(), p.failureDetectionMillis()).run(fleet, data, nextRun()).imagesPerSecond();
        double ideal = standalone == null ? -1 : devices.stream().mapToDouble(standalone::get).sum();
        double engineIdeal = devices.stream().mapToDouble(engineRates::get).sum();
        List<ClassShare> perClass = new ArrayList<>();
        for (String deviceClass : new java.util.TreeSet<>(devices)) {
            double device = awareRun.deviceImagesPerSecond().getOrDefault(deviceClass, 0.0);
            double engine = engineRates.get(deviceClass);
            perClass.add(new ClassShare(deviceClass, (int) devices.stream().filter(deviceClass::equals).count(),
                    device, engine, device / engine, awareRun.idleFraction().getOrDefault(deviceClass, 1.0)));
        }
        double coordinator = awareRun.coordinatorMillis();
        FleetResult row = new FleetResult(devices, model, aware, ideal, standalone == null ? -1 : aware / ideal,
                standalone == null ? -1 : aware / standalone.get("rpi4"), equal, standalone == null ? -1 : aware / equal,
                awareRun.residentMegabytes(), engineIdeal, aware / engineIdeal, perClass, coordinator,
                coordinator < 0 ? -1 : coordinator / (awareRun.roundSeconds() * 1000));
        System.out.printf("%-50s %-9s %7.1f img/s  ideal %7.1f  efficiency %.2f  vs engine %.2f  x%.2f rpi4  "
                + "equal split %7.1f  memory %.0f MB%n", devices, model, aware, ideal, row.efficiency(),
                row.efficiencyVsEngine(), row.speedupOverRpi4(), equal, row.residentMegabytes());
        perClass.forEach(c -> System.out.printf("    %-12s x%d  %7.1f img/s per device, bare engine %7.1f: %.2f; "
                        + "idle %.0f %%%n", c.deviceClass(), c.devices(), c.deviceImagesPerSecond(),
                c.engineImagesPerSecond(), c.efficiencyVsEngine(), 100 * c.idleFraction()));
        System.out.printf("    coordinator %.0f ms per round (%.1f %% of a round)%n", coordinator,
                100 * row.coordinatorShare());
        return row;
    }

    /**
     * The bare engine's training images/s for a device class: {@code bench engine} with one thread and the fleets'
     * batch, in a JVM that {@code limited} starts and limits as it would a device of that class (same CPU share and
     * mechanism). Its JSON and console output stay under {@code limited}'s folder.
     */
    static double bareEngine(LocalFleet limited, Path dir, String deviceClass, String model, double seconds)
            throws IOException, InterruptedException {
        Path json = dir.resolve("engine-" + deviceClass + ".json").toAbsolutePath();
        int exit = limited.runLike(deviceClass, "engine-" + deviceClass, Main.class.getName(), List.of("bench", "engine",
                "--model", model, "--batch", "64", "--threads", "1", "--seconds", Double.toString(seconds),
                "--json", json.toString()), (long) (seconds * 10 + 300));
        if (exit != 0 || !Files.exists(json)) {
            throw new IllegalStateException("the bare engine for " + deviceClass + " failed (exit " + exit + "); see "
                    + dir.resolve("engine-" + deviceClass + ".out"));
        }
        return Json.mapper().readTree(json.toFile()).get("imagesPerSecond").asDouble();
    }

    private static void writeCsv(Result result, Path file) throws IOException {
        StringBuilder csv = new StringBuilder("devices,model,images_per_second,ideal,efficiency,speedup_over_rpi4,"
                + "equal_split_images_per_second,aware_over_equal,resident_megabytes,engine_ideal,efficiency_vs_engine,"
                + "coordinator_ms_per_round,coordinator_share\n");
        for (FleetResult r : result.fleets()) {
            csv.append(String.format(Locale.ROOT, "%s,%s,%.2f,%.2f,%.3f,%.2f,%.2f,%.3f,%.0f,%.2f,%.3f,%.1f,%.4f%n",
                    String.join("+", r.devices()), r.model(), r.imagesPerSecond(), r.ideal(), r.efficiency(), r.speedupOverRpi4(),
                    r.equalSplitImagesPerSecond(), r.awareOverEqual(), r.residentMegabytes(), r.engineIdeal(),
                    r.efficiencyVsEngine(), r.coordinatorMillisPerRound(), r.coordinatorShare()));
        }
        Files.writeString(file, csv);
    }

    private static void writeChart(Result result, Path file) throws IOException {
        DefaultCategoryDataset dataset = new DefaultCategoryDataset();
        for (FleetResult r : result.fleets()) {
            String label = r.devices().size() + " dev: " + summarize(r.devices())
                    + (r.model().equals(result.model()) ? "" : ", " + r.model());
            dataset.addValue(r.engineIdeal(), "bare engines (sum, same CPU quotas)", label);
            dataset.addValue(r.ideal() < 0 ? null : r.ideal(), "one-device fleets (sum)", label); // not run: no bar
            dataset.addValue(r.imagesPerSecond(), "capability-aware", label);
            dataset.addValue(r.equalSplitImagesPerSecond() < 0 ? null : r.equalSplitImagesPerSecond(), "equal split",
                    label);
        }
        JFreeChart chart = ChartFactory.createBarChart("Training throughput of heterogeneous fleets (" + result.model() + ")",
                "fleet (devices on one host, each limited to its class's share of a core)", "training images per second",
                dataset, PlotOrientation.VERTICAL, true, false, false);
        Charts.save(chart, file, 1200, 640);
    }

    private static String summarize(List<String> devices) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        devices.forEach(d -> counts.merge(d, 1, Integer::sum));
        List<String> parts = new ArrayList<>();
        counts.forEach((d, n) -> parts.add(n + " " + d));
        return String.join(", ", parts);
    }
}
