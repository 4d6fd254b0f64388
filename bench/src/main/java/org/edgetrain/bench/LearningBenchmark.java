package org.edgetrain.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.cli.FleetOptions;
import org.edgetrain.compute.cli.StrategyOptions;
import org.edgetrain.compute.cli.TrainCommand;
import org.edgetrain.compute.cli.TrainingOptions;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.DatasetLoader;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.io.Json;
import org.edgetrain.compute.settings.Defaults;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.compute.training.ModelState;
import org.edgetrain.model.cifar.CifarDataset;
import org.edgetrain.model.engine.TrainingEngine;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.schedule.LearningRateSchedule;
import org.edgetrain.model.train.EpochResult;
import org.edgetrain.model.train.LocalTrainer;
import org.edgetrain.model.train.TrainingListener;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code edgetrain bench learning}: what users train for, accuracy, measured. In one run the same model, schedule and
 * seed train (a) standalone on this host's cores and (b) on a fleet of emulated devices on the same host, and the test
 * accuracy after every epoch is recorded against images trained and against wall-clock time. The fleet sees every
 * training image once per epoch, as standalone does, so the two runs compare at equal images epoch by epoch.
 */
@Command(name = "learning", mixinStandardHelpOptions = true,
        description = "Accuracy against images and time: the same job standalone and on a fleet, in one run.")
public final class LearningBenchmark implements Callable<Integer> {
    @Option(names = "--epochs", defaultValue = "10", description = "default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--fleet", split = ",", defaultValue = Defaults.DEVICE_CLASSES,
            description = "device classes of the fleet; default: ${DEFAULT-VALUE}")
    List<String> fleetClasses;

    @Option(names = "--limit-train", defaultValue = "0", description = "use only the first N training images (0: all)")
    int limitTrain;

    @Option(names = "--limit-test", defaultValue = "0", description = "evaluate on the first N test images (0: all)")
    int limitTest;

    @Option(names = "--round-seconds", defaultValue = Defaults.ROUND_SECONDS, description = "default: ${DEFAULT-VALUE}")
    double roundSeconds;

    @Option(names = "--throttle", defaultValue = "AUTO", description = "how devices are slowed to their class: auto, "
            + "cgroup, duty or none; default: ${DEFAULT-VALUE}")
    String throttle;

    @Option(names = "--out", defaultValue = "runs/bench-learning", description = "folder for JSON, CSV, PNG and device "
            + "logs; default: ${DEFAULT-VALUE}")
    Path out;

    @Mixin
    DataAndJson io;

    @Mixin
    TrainingOptions training;

    @Mixin
    FleetOptions fleet;

    @Mixin
    StrategyOptions strategy;

    /**
     * Where one run stood after an epoch.
     *
     * @param images training images trained so far
     * @param seconds wall-clock seconds since training began (evaluations included)
     * @param testAccuracy a fraction
     */
    public record Point(int epoch, long images, double seconds, double testAccuracy, double testLoss) {
    }

    /**
     * The JSON of {@code bench learning}.
     *
     * @param standalone one point per epoch of the standalone run
     * @param fleet one point per epoch of the fleet's run
     * @param gapAtEqualImages standalone's accuracy minus the fleet's, in percentage points, per epoch
     * @param strategy how the fleet aggregated its rounds
     * @param roundSeconds the fleet's target round length
     */
    public record Result(String model, String engine, String schedule, int epochs, int batch, long seed,
                         int standaloneThreads, List<String> fleetDevices, int trainImages, int testImages,
                         List<Point> standalone, List<Point> fleet, List<Double> gapAtEqualImages,
                         TrainCommand.StrategyJson strategy, double roundSeconds) {
    }

    @Override
    public Integer call() throws Exception {
        LocalFleet.Throttle mode = LocalFleet.Throttle.valueOf(throttle.toUpperCase(Locale.ROOT));
        CifarDataset full = io.read();
        CifarDataset data = new CifarDataset(limitTrain > 0 ? full.train().limit(limitTrain) : full.train(),
                limitTest > 0 ? full.test().limit(limitTest) : full.test(), full.source());
        NetworkSpec spec = training.networkSpec();
        LearningRateSchedule schedule = training.schedule(epochs);
        JobSpec.Aggregation aggregation = strategy.aggregation();
        Files.createDirectories(out);
        System.out.printf("bench learning: %s, %d epochs, %s, batch %d, seed %d; %,d training / %,d test images%n",
                spec.model(), epochs, schedule, training.batch(), training.seed(), data.train().size(), data.test().size());

        String engine;
        List<Point> standalone;
        try (TrainingEngine local = training.createEngine(spec)) {
            local.useThreads(training.threads());
            engine = local.name();
            System.out.printf("standalone: %d thread(s), engine %s%n", training.threads(), engine);
            standalone = standalone(local, schedule, data);
        }
        System.out.println("fleet: " + fleetClasses + ", " + aggregation.name() + " (" + aggregation.server() + ")");
        List<Point> onFleet = onFleet(mode, spec, schedule, aggregation, data);

        List<Double> gap = new ArrayList<>();
        for (int e = 0; e < Math.min(standalone.size(), onFleet.size()); e++) {
            gap.add(100 * (standalone.get(e).testAccuracy() - onFleet.get(e).testAccuracy()));
        }
        Result result = new Result(spec.model(), engine, schedule.toString(), epochs, training.batch(), training.seed(),
                training.threads(), fleetClasses, data.train().size(), data.test().size(), standalone, onFleet, gap,
                TrainCommand.StrategyJson.of(aggregation, strategy.transfer()), roundSeconds);
        Json.write(result, out.resolve("learning.json"));
        Files.writeString(out.resolve("learning.csv"), csv(result));
        writeChart(result, true, out.resolve("learning-images.png"));
        writeChart(result, false, out.resolve("learning-time.png"));
        io.write(result);
        for (int e = 0; e < gap.size(); e++) {
            System.out.printf("epoch %d: standalone %.2f %% at %.0f s, fleet %.2f %% at %.0f s, gap %+.2f points%n", e + 1,
                    100 * standalone.get(e).testAccuracy(), standalone.get(e).seconds(),
                    100 * onFleet.get(e).testAccuracy(), onFleet.get(e).seconds(), gap.get(e));
        }
        System.out.println("wrote learning.json, learning.csv, learning-images.png and learning-time.png under " + out);
        return 0;
    }

    private List<Point> standalone(TrainingEngine engine, LearningRateSchedule schedule, CifarDataset data) {
        List<Point> points = new ArrayList<>();
        long start = System.nanoTime();
        new LocalTrainer(engine, schedule, training.batch(), training.seed()).train(data.train(), data.test(), epochs,
                new TrainingListener() {
                    @Override
                    public void epochDone(EpochResult r) {
                        points.add(new Point(r.epoch(), (long) r.epoch() * data.train().size(),
                                (System.nanoTime() - start) / 1e9, r.testAccuracy(), r.testLoss()));
                        System.out.printf("standalone epoch %d: test accuracy %.2f %%%n", r.epoch(), 100 * r.testAccuracy());
                    }
                });
        return points;
    }

    /** Trains the same job on a fleet of device processes on this host; its EVALS rows give the points. */
    private List<Point> onFleet(LocalFleet.Throttle mode, NetworkSpec spec, LearningRateSchedule schedule,
                                JobSpec.Aggregation aggregation, CifarDataset data) throws InterruptedException {
        LocalFleet local = LocalFleet.open(out.resolve("fleet"), fleet.configPath()).throttled(mode, 1);
        try {
            fleetClasses.forEach(local::add);
            try (Ignite client = fleet.connect(240)) {
                fleet.awaitDevices(client, fleetClasses.size(), 240, local);
                DatasetLoader.load(client, data, 1, n -> { });
                JobSpec job = JobSpec.builder("learning-" + UUID.randomUUID().toString().substring(0, 8), spec)
                        .epochs(epochs).batch(training.batch()).roundSeconds(roundSeconds).schedule(schedule)
                        .seed(training.seed()).engine(training.engine()).aggregation(aggregation)
                        .transfer(strategy.transfer()).build();
                long start = System.currentTimeMillis();
                JobSubmitter.submit(client, job);
                List<Point> points = new ArrayList<>();
                boolean finished = false;
                while (points.size() < epochs && !finished) {
                    Thread.sleep(1000); // polling the EVALS table; the job's end (or a stop) ends the wait
                    ModelState state = JobSubmitter.current(client);
                    finished = state.finished() && state.jobId().equals(job.id());
                    List<Point> now = evaluations(client, job, start, data.train().size());
                    now.subList(points.size(), now.size()).forEach(p -> System.out.printf(
                            "fleet epoch %d: test accuracy %.2f %% at %.0f s%n", p.epoch(), 100 * p.testAccuracy(), p.seconds()));
                    points = now;
                }
                client.cluster().shutdownPolicy(org.apache.ignite.ShutdownPolicy.IMMEDIATE); // the whole fleet stops next
                return points;
            }
        } finally {
            local.down(30);
        }
    }

    private static List<Point> evaluations(Ignite client, JobSpec job, long startMillis, int trainImages) {
        List<Point> points = new ArrayList<>();
        for (List<?> row : GridSchema.sql(client, "SELECT EPOCH, TEST_ACCURACY, TEST_LOSS, AT FROM EVALS WHERE JOB = ? "
                + "ORDER BY EPOCH", job.id())) {
            int epoch = ((Number) row.get(0)).intValue();
            double seconds = (((java.sql.Timestamp) row.get(3)).getTime() - startMillis) / 1000.0;
            points.add(new Point(epoch, (long) epoch * trainImages, seconds, ((Number) row.get(1)).doubleValue(),
                    ((Number) row.get(2)).doubleValue()));
        }
        return points;
    }

    static String csv(Result result) {
        StringBuilder out = new StringBuilder("run,epoch,images,seconds,test_accuracy,test_loss\n");
        for (String run : List.of("standalone", "fleet")) {
            for (Point p : run.equals("standalone") ? result.standalone() : result.fleet()) {
                out.append(String.format(Locale.ROOT, "%s,%d,%d,%.1f,%.4f,%.4f%n", run, p.epoch(), p.images(),
                        p.seconds(), p.testAccuracy(), p.testLoss()));
            }
        }
        return out.toString();
    }

    /** One chart, both runs: test accuracy (%) against images trained, or against minutes of wall-clock time. */
    static void writeChart(Result result, boolean byImages, Path file) throws IOException {
        XYSeriesCollection dataset = new XYSeriesCollection();
        dataset.addSeries(series("standalone (" + result.standaloneThreads() + " threads)", result.standalone(), byImages));
        dataset.addSeries(series("fleet: " + String.join(", ", result.fleetDevices()), result.fleet(), byImages));
        JFreeChart chart = ChartFactory.createXYLineChart(String.format("%s on CIFAR-10, %s: test accuracy against %s",
                        result.model(), result.schedule(), byImages ? "images trained" : "time"),
                byImages ? "training images seen (thousands)" : "wall-clock time (minutes)", "test accuracy (%)",
                dataset, PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setRenderer(new XYLineAndShapeRenderer(true, true)); // a point per epoch
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        Charts.save(chart, file, 1000, 600);
    }

    private static XYSeries series(String name, List<Point> points, boolean byImages) {
        XYSeries series = new XYSeries(name);
        for (Point p : points) {
            series.add(byImages ? p.images() / 1000.0 : p.seconds() / 60.0, 100 * p.testAccuracy());
        }
        return series;
    }
}
