package org.edgetrain.compute.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.artifacts.ModelArtifacts;
import org.edgetrain.compute.artifacts.Provenance;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.FleetReader;
import org.edgetrain.compute.io.CsvTables;
import org.edgetrain.compute.io.Json;
import org.edgetrain.compute.settings.Defaults;
import org.edgetrain.compute.training.EvaluatedModel;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.model.cifar.CifarDataset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code edgetrain demo}: the whole system in one command. Starts a small heterogeneous fleet of device processes
 * on this machine, loads CIFAR-10 into it, trains, prints a per-device table and the test accuracy, saves the run
 * (device logs, metrics tables as CSV, result JSON) and stops the fleet, also when something fails.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Start a local fleet, load CIFAR-10, train, report, stop.")
public final class DemoCommand implements Callable<Integer> {
    private static final List<String> TABLES = List.of("ROUNDS", "DEVICE_ROUNDS", "EVALS", "EVENTS");

    @Option(names = "--cifar", description = "cifar-10-binary.tar.gz or its extracted folder; default: data/cifar-10-binary.tar.gz, else ../shared/datasets/cifar-10-binary.tar.gz")
    Path cifar;

    @Option(names = "--devices", split = ",", defaultValue = Defaults.DEVICE_CLASSES, description = "device classes, each "
            + "CLASS or CLASS@ENGINE (a device on that engine whatever the job asks); default: ${DEFAULT-VALUE}")
    List<String> devices;

    @Option(names = "--epochs", defaultValue = Defaults.EPOCHS, description = "default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--limit-train", defaultValue = "0", description = "use only the first N training images (0: all)")
    int limitTrain;

    @Option(names = "--round-seconds", defaultValue = Defaults.ROUND_SECONDS, description = "target length of a round; default: ${DEFAULT-VALUE}")
    double roundSeconds;

    @Option(names = "--dir", description = "run folder for logs and metrics; default: runs/demo-<time>")
    Path dir;

    @Option(names = "--json", description = "also write the result JSON here")
    Path json;

    @Option(names = "--throttle", defaultValue = "AUTO", converter = ClusterCommand.ThrottleConverter.class,
            description = "how devices are slowed to their class: auto, cgroup, duty, none; default: ${DEFAULT-VALUE}")
    LocalFleet.Throttle throttle;

    @Mixin
    TrainingOptions training;

    @Mixin
    StrategyOptions strategy;

    @Mixin
    FleetOptions fleet;

    @Override
    public Integer call() throws Exception {
        ClusterCommand.requireKnownClasses(devices); // before the data set is read and any device starts
        CifarDataset data = DatasetCommand.read(cifar != null ? cifar : FleetOptions.defaultCifar());
        Path run = dir != null ? dir : Path.of("runs", "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        ClusterCommand.Where where = new ClusterCommand.Where();
        where.dir = run;
        where.fleet = fleet;
        where.throttle = throttle;
        if (!modelGiven()) {
            training.model = "resnet8";
        }
        LocalFleet localFleet = null;
        try {
            System.out.println("demo: starting " + devices.size() + " devices " + devices + " in " + run);
            localFleet = ClusterCommand.up(where, devices, 180);
            try (Ignite client = fleet.connect()) {
                DatasetCommand.load(client, data, fleet.backups());
                TrainCommand train = new TrainCommand();
                train.epochs = epochs;
                train.roundSeconds = roundSeconds;
                train.limitTrain = limitTrain;
                train.training = training;
                train.strategy = strategy;
                JobSpec job = train.job();
                long trainSize = TrainCommand.submit(client, job, TrainCommand.Start.FROM_SEED);
                FleetReader reader = FleetReader.of(client);
                TrainCommand.Result result = TrainCommand.follow(reader, job, TrainCommand.Start.FROM_SEED, trainSize,
                        true, null);
                System.out.println();
                StatusCommand.printDevices(result.devices());
                System.out.printf("%ntest accuracy %.2f %%, fleet throughput %.1f images/s, %d rounds%n",
                        100 * result.testAccuracy(), result.imagesPerSecond(), result.rounds());
                saveTables(fleet.jdbcUrl(), run.resolve("metrics"));
                saveModel(reader, job, run);
                Json.write(result, run.resolve("result.json"));
                if (json != null) {
                    DataOutput.writeJson(result, json);
                }
                System.out.println("saved device logs, metrics (CSV), result.json and the model (model.zip, model.onnx, "
                        + "with sidecars) under " + run);
                client.cluster().shutdownPolicy(org.apache.ignite.ShutdownPolicy.IMMEDIATE); // the whole fleet stops next
            }
        } finally {
            if (localFleet != null) {
                LocalFleet.open(run, null).down(30);
                System.out.println("fleet stopped");
            }
        }
        return 0;
    }

    /** The demo's default model is the small ResNet-8 unless --model is given. */
    private boolean modelGiven() {
        return spec != null && spec.commandLine().getParseResult().hasMatchedOption("--model");
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Writes the job's last evaluated model into the run folder: model.zip and model.onnx, each with its sidecar. */
    private static void saveModel(FleetReader reader, JobSpec job, Path run) {
        EvaluatedModel evaluated = reader.model(EvaluatedModel.KEY);
        if (evaluated == null || !evaluated.jobId().equals(job.id())) {
            throw new IllegalStateException("the job ended without an evaluated model to save");
        }
        Provenance provenance = new Provenance(job.id(), evaluated.version(), evaluated.round(), evaluated.epoch(),
                evaluated.samplesCommitted(), evaluated.testAccuracy());
        for (Path file : List.of(run.resolve("model.zip"), run.resolve("model.onnx"))) {
            ModelArtifacts.write(job.network().model(), evaluated.state(), file, ModelArtifacts.Format.of(file), provenance);
        }
    }

    /** Saves each metrics table as CSV (rounds.csv, device_rounds.csv, ...), read over the JDBC thin driver. */
    public static void saveTables(String jdbcUrl, Path folder) {
        try (Connection connection = DriverManager.getConnection(jdbcUrl)) {
            Files.createDirectories(folder);
            for (String table : TABLES) {
                try (ResultSet rows = connection.createStatement().executeQuery("SELECT * FROM " + table)) {
                    Files.writeString(folder.resolve(table.toLowerCase() + ".csv"), CsvTables.format(rows, true));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read metrics over " + jdbcUrl + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
