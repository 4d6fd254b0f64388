package org.edgetrain.compute.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import me.tongfei.progressbar.ProgressBar;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.artifacts.ModelArtifacts;
import org.edgetrain.compute.artifacts.ModelCard;
import org.edgetrain.compute.grid.FleetQueries;
import org.edgetrain.compute.grid.FleetReader;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.ThinFleetReader;
import org.edgetrain.compute.settings.Defaults;
import org.edgetrain.compute.training.EvaluatedModel;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.compute.training.ModelState;
import org.edgetrain.compute.training.StateTransfer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code edgetrain train}: submits a job to the running fleet as a client node, then follows it over the thin-client
 * protocol with a progress bar. Ctrl-C detaches: the coordinator runs on the devices and training continues.
 */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Train on the running fleet.")
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--epochs", defaultValue = Defaults.EPOCHS, description = "epochs; default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--round-seconds", defaultValue = Defaults.ROUND_SECONDS, description = "target length of a round; default: ${DEFAULT-VALUE}")
    double roundSeconds;

    @Option(names = "--limit-train", defaultValue = "0", description = "use only the first N training images (0: all)")
    int limitTrain;

    @Option(names = "--json", description = "write the result as JSON to this file (with --wait or when followed to the end)")
    Path json;

    @Option(names = "--wait", description = "block until the job ends, without a progress bar (for scripts)")
    boolean waitQuietly;

    @Option(names = "--detach", description = "return right after submitting")
    boolean detach;

    @Option(names = "--equal-quotas", description = "give every device the same round quota (capability-awareness off)")
    boolean equalQuotas;

    @Option(names = "--stop", description = "stop the running job (committed rounds stay) and exit")
    boolean stop;

    @Option(names = "--checkpoint-dir", description = "while following the job, write epoch-E.zip after each evaluated "
            + "epoch, last.zip and best.zip (with sidecars) here")
    Path checkpointDir;

    @Option(names = "--keep", defaultValue = "3", description = "epoch checkpoints to keep (newest); default: ${DEFAULT-VALUE}")
    int keep;

    @Option(names = "--init-from", description = "start from this exported model (a DL4J model.zip) instead of the seed's "
            + "random weights; its network must be --model's")
    Path initFrom;

    @Option(names = "--resume-from", description = "continue from this checkpoint (a model.zip whose sidecar names its "
            + "epoch, as --checkpoint-dir writes): its weights, and the schedule from the epoch after its own")
    Path resumeFrom;

    @Mixin
    TrainingOptions training;

    @Mixin
    StrategyOptions strategy;

    @Mixin
    FleetOptions fleet;

    @Mixin
    SqlCredentials credentials;

    /** The JSON of {@code train} and {@code demo}. */
    public record Result(String job, String model, int epochs, double testAccuracy, double imagesPerSecond, long rounds,
                         long committedRounds, long samples, double seconds, List<FleetQueries.DeviceStatus> devices,
                         List<FleetQueries.EpochAccuracy> history, StrategyJson strategy) {
    }

    /**
     * How the job aggregated, as its JSON reports it.
     *
     * @param name {@code fedavg} or {@code fedavgm}
     * @param transfer {@code fp32} or {@code fp16} ({@code --transfer})
     */
    public record StrategyJson(String name, double serverLearningRate, double serverMomentum, double minCompletionRate,
                               double maxRelativeChange, String transfer) {
        public static StrategyJson of(JobSpec.Aggregation a, StateTransfer transfer) {
            return new StrategyJson(a.name(), a.server().learningRate(), a.server().momentum(), a.minCompletionRate(),
                    a.maxRelativeChange(), transfer.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        JobSpec job = job();
        Start start = start(job);
        Checkpoints checkpoints = checkpointDir == null ? null
                : new Checkpoints(checkpointDir, keep, job.network().model(), job.id());
        // A client node joins only to submit (or stop): job submission creates the shared caches and builds the initial
        // model. Following the job is reading, over the thin-client protocol, which costs the devices no exchange.
        long trainSize;
        try (Ignite client = fleet.connect()) {
            if (stop) {
                JobSubmitter.stop(client);
                System.out.println("job stopped; committed rounds are kept");
                return 0;
            }
            trainSize = submit(client, job, start);
        }
        if (detach) {
            System.out.println("detached; follow with edgetrain status");
            return 0;
        }
        Thread detachNotice = new Thread(() -> System.err.println(
                "\ndetached: training continues on the fleet (edgetrain status shows it; edgetrain train --stop stops it)"));
        Runtime.getRuntime().addShutdownHook(detachNotice);
        Result result;
        try (ThinFleetReader reader = fleet.reader(credentials.orNull())) {
            result = follow(reader, job, start, trainSize, !waitQuietly, checkpoints);
        }
        Runtime.getRuntime().removeShutdownHook(detachNotice);
        if (json != null) {
            DataOutput.writeJson(result, json);
        }
        return 0;
    }

    /**
     * Where a job starts: the seed's weights, an exported model ({@code --init-from}) or a checkpoint
     * ({@code --resume-from}).
     *
     * @param state the initial weights, null for the seed's
     * @param epochsDone epochs the weights were trained for when the schedule continues (0: it starts over)
     * @param imagesTrained images those epochs trained
     */
    record Start(float[] state, int epochsDone, long imagesTrained) {
        /** The seed's weights, epoch 1. */
        static final Start FROM_SEED = new Start(null, 0, 0);
    }

    /** @return where the job starts, from {@code --init-from} or {@code --resume-from} */
    Start start(JobSpec job) {
        if (initFrom != null && resumeFrom != null) {
            throw new EdgetrainCommand.UserError("--init-from and --resume-from both give the initial model: pass one");
        }
        if (initFrom == null && resumeFrom == null) {
            return Start.FROM_SEED;
        }
        Path file = initFrom != null ? initFrom : resumeFrom;
        org.edgetrain.model.export.Dl4jModelFile.Loaded loaded = ModelFiles.read(file);
        if (!loaded.model().equals(job.network().model())) {
            throw new EdgetrainCommand.UserError(file + " holds a " + loaded.model() + ", and this job trains a "
                    + job.network().model() + ": pass --model " + loaded.model() + ", or a file of a " + job.network().model());
        }
        if (initFrom != null) {
            return new Start(loaded.state(), 0, 0);
        }
        ModelCard card = ModelArtifacts.card(resumeFrom);
        if (card == null || card.epoch() == null || card.imagesTrained() == null) {
            throw new EdgetrainCommand.UserError(resumeFrom + " has no sidecar naming the epoch it was saved at ("
                    + ModelArtifacts.sidecar(resumeFrom).getFileName() + "): use --init-from to start from its weights "
                    + "at epoch 1");
        }
        if (card.epoch() >= job.epochs()) {
            throw new EdgetrainCommand.UserError(resumeFrom + " was saved after epoch " + card.epoch() + ", and the job "
                    + "has " + job.epochs() + " epochs: pass --epochs above " + card.epoch() + " (the same as the run it "
                    + "came from, for the same schedule)");
        }
        return new Start(loaded.state(), card.epoch(), card.imagesTrained());
    }

    JobSpec job() {
        int epochs = training.applyPreset(this.epochs);
        return JobSpec.builder("job-" + UUID.randomUUID().toString().substring(0, 8), training.networkSpec())
                .epochs(epochs).batch(training.batch()).roundSeconds(roundSeconds).schedule(training.schedule(epochs))
                .limitTrain(limitTrain).seed(training.seed()).threadsPerDevice(training.threadsOr(1))
                .adaptiveQuotas(!equalQuotas).engine(training.engine).aggregation(strategy.aggregation())
                .transfer(strategy.transfer()).build();
    }

    /**
     * Submits {@code job} to the fleet {@code client} belongs to, starting at {@code start}.
     *
     * @return the training images the job covers per epoch
     */
    static long submit(Ignite client, JobSpec job, Start start) {
        try {
            JobSubmitter.submit(client, job, start.state(), start.epochsDone(), start.imagesTrained());
        } catch (IllegalStateException e) {
            throw new EdgetrainCommand.UserError(e.getMessage());
        }
        System.out.printf("submitted %s: %s, %d epoch(s)%s, batch %d per device, %s, rounds of ~%.0f s, %s (%s), "
                        + "%d devices%n", job.id(), job.network().model(), job.epochs(),
                start.epochsDone() > 0 ? " resumed after epoch " + start.epochsDone() : "", job.batch(), job.schedule(),
                job.roundSeconds(), job.aggregation().name(), job.aggregation().server(),
                client.cluster().forServers().nodes().size());
        long trainSize = client.cache(GridNames.TRAIN).size();
        return job.limitTrain() > 0 ? Math.min(job.limitTrain(), trainSize) : trainSize;
    }

    /**
     * Follows {@code job} to its end.
     *
     * @param start where it started (images trained before it do not count in its images per second)
     * @param trainSize training images per epoch, for the progress bar
     * @param checkpoints where each evaluated epoch's model goes, or null
     * @return the job's result
     */
    static Result follow(FleetReader fleet, JobSpec job, Start start, long trainSize, boolean progressBar,
                         Checkpoints checkpoints)
            throws InterruptedException {
        long total = trainSize * job.epochs();
        long startNanos = System.nanoTime();
        ModelState state;
        try (ProgressBar bar = progressBar ? ProgressBarFactory.items("train", total, "img") : null) {
            while (true) {
                state = current(fleet);
                if (bar != null && state != null) {
                    bar.stepTo(Math.min(total, state.samplesCommitted()));
                    bar.setExtraMessage(String.format(" epoch %d round %d v%d acc %s", Math.min(state.epoch(), job.epochs()),
                            state.round(), state.version(), Double.isNaN(state.lastAccuracy()) ? "-"
                                    : String.format("%.1f%%", 100 * state.lastAccuracy())));
                }
                if (checkpoints != null && state != null && state.epoch() - 1 > checkpoints.lastEpoch()) {
                    checkpoints.write(fleet.model(EvaluatedModel.KEY)); // an epoch ended: its evaluated model
                }
                if (state != null && (state.finished() || !job.id().equals(state.jobId()))) {
                    break;
                }
                Thread.sleep(500); // polling the committed state for display
            }
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        List<List<?>> rounds = fleet.sql("SELECT COUNT(*), SUM(CASE WHEN COMMITTED THEN 1 ELSE 0 END), "
                + "SUM(SECONDS) FROM ROUNDS WHERE JOB = ?", job.id());
        long roundCount = ((Number) rounds.get(0).get(0)).longValue();
        long committed = rounds.get(0).get(1) == null ? 0 : ((Number) rounds.get(0).get(1)).longValue();
        double trainingSeconds = rounds.get(0).get(2) == null ? seconds : ((Number) rounds.get(0).get(2)).doubleValue();
        List<FleetQueries.EpochAccuracy> history = FleetQueries.evaluations(fleet, job.id());
        Result result = new Result(job.id(), job.network().model(), job.epochs(), state.lastAccuracy(),
                (state.samplesCommitted() - start.imagesTrained()) / Math.max(1e-9, trainingSeconds), roundCount, committed, state.samplesCommitted(),
                seconds, FleetQueries.devices(fleet), history, StrategyJson.of(job.aggregation(), job.transfer()));
        history.forEach(h -> System.out.printf("epoch %d: test accuracy %.2f %% (loss %.4f) after round %d%n",
                h.epoch(), 100 * h.testAccuracy(), h.testLoss(), h.roundNo()));
        System.out.printf("job %s finished: test accuracy %.2f %%, %.1f images/s over %d rounds (%d committed)%n",
                job.id(), 100 * result.testAccuracy(), result.imagesPerSecond(), roundCount, committed);
        return result;
    }

    /**
     * @return the committed state, read again while the device answering the reader fails over (a device that dies
     *     takes its connection with it; the reader then tries the others), for up to two minutes
     */
    private static ModelState current(FleetReader fleet) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (true) {
            try {
                return fleet.model(ModelState.KEY);
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("lost the fleet while following the job: no device answered for two "
                            + "minutes; training may go on: edgetrain status shows it", e);
                }
                Thread.sleep(1000); // the next device's answer, with a deadline
            }
        }
    }
}
