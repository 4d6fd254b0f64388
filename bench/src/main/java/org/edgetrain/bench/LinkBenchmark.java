package org.edgetrain.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.faults.NetworkFaults;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.DatasetLoader;
import org.edgetrain.compute.grid.FleetActivation;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.grid.Reconnects;
import org.edgetrain.compute.io.Json;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.compute.training.StateTransfer;
import org.edgetrain.model.cifar.CifarDataset;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.schedule.LearningRateSchedule;

/**
 * {@code edgetrain bench faults --preset links}: what slow, lossy links cost a round. Three devices (pc, pc, rpi4),
 * each in a network namespace of its own, train one job per network (ResNet-8, then ResNet-32: 0.3 and 1.9 MB of
 * state per transfer; ResNet-32 again with {@code --transfer fp16}, half the bytes) while every device's link is, in turn, unshaped, a typical edge link and a poor one
 * ({@link NetworkFaults#slow}, {@link NetworkFaults#lossy}, {@link NetworkFaults#delay}: the network is made with delay
 * lines, as this kernel has no netem qdisc); per link, the median round and the fleet's images/s over whole epochs
 * begun under it ({@link #window}). JSON ({@code links}) and a CSV of the table.
 */
final class LinkBenchmark {
    static final List<String> DEVICES = List.of("pc", "pc", "rpi4");
    /** Rounds measured under a link at least, in whole epochs. */
    static final int MIN_ROUNDS = 8;
    private static final double ROUND_SECONDS = 10;

    /**
     * A link every device is put behind.
     *
     * @param kbitPerSecond rate both ways (0: not limited)
     * @param lossPercent packets dropped on arrival, at random
     * @param delayMillis what the link adds to each packet a device sends (a round trip to another device: twice that)
     * @param jitterMillis up to this much more or less, at random
     */
    record Link(String name, int kbitPerSecond, double lossPercent, int delayMillis, int jitterMillis) {
    }

    static final List<Link> LINKS = List.of(new Link("unshaped", 0, 0, 0, 0), new Link("typical edge", 20_000, 1, 20, 5),
            new Link("poor", 5_000, 5, 80, 20));

    /**
     * One network behind one link.
     *
     * @param model the network trained
     * @param transfer how the model and results crossed the network ({@code train --transfer})
     * @param stateMegabytes its weights' size in float32, one way, per device and round (half that with fp16)
     * @param delayEmulated whether {@code delayMillis} and {@code jitterMillis} were applied (false in runs before the
     *     delay lines, kept so that their files read the same)
     * @param rounds committed rounds measured: those of {@code epochs} whole epochs begun under the link
     * @param medianRoundSeconds median of their ROUNDS.SECONDS (jobs sent to results collected)
     * @param imagesPerSecond their samples over the wall-clock seconds from the end of the epoch before them to the end
     *     of their last (an epoch's short last rounds are inside every measurement, as in training)
     * @param vsUnshaped images/s over the same network's (and transfer's) unshaped images/s
     */
    record Measurement(String model, String transfer, double stateMegabytes, String link, int kbitPerSecond, double lossPercent,
                       int delayMillis, int jitterMillis, boolean delayEmulated, int rounds, int epochs,
                       double medianRoundSeconds,
                       double imagesPerSecond, double vsUnshaped) {
    }

    /** The JSON of {@code bench faults --preset links}. */
    record Result(String preset, List<String> devices, double roundSeconds, List<Measurement> links) {
    }

    private LinkBenchmark() {
    }

    static Result run(Path out, CifarDataset data) throws IOException, InterruptedException {
        Namespaced.require("links", "shapes links with tc and iptables");
        Files.createDirectories(out);
        List<Measurement> results = new ArrayList<>();
        try (NetworkFaults network = NetworkFaults.createWithDelayLines(DEVICES.size() + 2,
                out.toAbsolutePath())) {
            LocalFleet fleet = Namespaced.fleet(out.resolve("fleet-links"), network);
            try {
                DEVICES.forEach(fleet::add);
                try (Ignite client = Namespaced.join(network, DEVICES.size())) {
                    DatasetLoader.load(client, data, 1, n -> { });
                    results.addAll(measure(client, network, "resnet8", StateTransfer.FP32));
                    results.addAll(measure(client, network, "resnet32", StateTransfer.FP32));
                    results.addAll(measure(client, network, "resnet32", StateTransfer.FP16));
                    Reconnects.read(client, ignite -> {
                        FleetActivation.prepareWholeFleetStop(ignite);
                        return null;
                    });
                }
            } finally {
                fleet.down(30);
            }
        }
        Result result = new Result("links", DEVICES, ROUND_SECONDS, results);
        Json.write(result, out.resolve("links.json"));
        writeCsv(results, out.resolve("links.csv"));
        return result;
    }

    private static List<Measurement> measure(Ignite client, NetworkFaults network, String model, StateTransfer transfer)
            throws InterruptedException {
        String wire = transfer.name().toLowerCase(Locale.ROOT);
        String job = "links-" + model + "-" + wire;
        JobSubmitter.submit(client, JobSpec.builder(job, NetworkSpec.of(model, 1)).epochs(1000).roundSeconds(ROUND_SECONDS)
                .schedule(new LearningRateSchedule("constant", 0.05, 1000, 0)).seed(11).transfer(transfer).build());
        Namespaced.awaitVersion(client, 1, Duration.ofMinutes(30));
        double megabytes = Reconnects.read(client, JobSubmitter::current).state().length * 4 / 1e6;
        List<Measurement> out = new ArrayList<>();
        double unshaped = 0;
        try {
            for (Link link : LINKS) {
                network.heal();
                for (String device : network.devices()) {
                    if (link.kbitPerSecond() > 0) {
                        network.slow(device, link.kbitPerSecond());
                    }
                    if (link.lossPercent() > 0) {
                        network.lossy(device, link.lossPercent());
                    }
                    if (link.delayMillis() > 0) {
                        network.delay(device, link.delayMillis(), link.jitterMillis());
                    }
                }
                Window window = awaitWindow(client, job, currentEpoch(client, job));
                List<double[]> rounds = window.rounds();
                double imagesPerSecond = rounds.stream().mapToDouble(r -> r[1]).sum() / Math.max(1e-9, window.seconds());
                if (link.kbitPerSecond() == 0) {
                    unshaped = imagesPerSecond;
                }
                Measurement m = new Measurement(model, wire, megabytes, link.name(), link.kbitPerSecond(), link.lossPercent(),
                        link.delayMillis(), link.jitterMillis(), true, rounds.size(), window.epochs(),
                        EngineBenchmark.median(rounds.stream().map(r -> r[0]).toList()), imagesPerSecond,
                        unshaped > 0 ? imagesPerSecond / unshaped : Double.NaN);
                out.add(m);
                System.out.printf(Locale.ROOT, "%-9s %s %-13s %6d kbit/s %4.1f %% loss %3d+-%d ms: median round %5.1f s, "
                                + "%7.1f img/s (%.2f of unshaped), %d rounds in %d epochs%n", model, wire, link.name(),
                        link.kbitPerSecond(), link.lossPercent(), link.delayMillis(), link.jitterMillis(),
                        m.medianRoundSeconds(), imagesPerSecond, m.vsUnshaped(), rounds.size(), window.epochs());
            }
        } finally {
            network.heal();
            Reconnects.read(client, ignite -> {
                JobSubmitter.stop(ignite);
                return null;
            });
        }
        return out;
    }

    /** @return the epoch of the job's newest committed round */
    private static int currentEpoch(Ignite client, String job) {
        Object epoch = Reconnects.read(client, i -> GridSchema.sql(i, "SELECT MAX(EPOCH) FROM ROUNDS WHERE JOB = ? AND "
                + "COMMITTED", job)).get(0).get(0);
        return epoch == null ? 0 : ((Number) epoch).intValue();
    }

    /**
     * Rounds measured under one link.
     *
     * @param rounds each round's ROUNDS.SECONDS and SAMPLES
     * @param seconds wall-clock seconds from the end of the epoch before them to the end of the last
     * @param epochs whole epochs they make
     */
    record Window(List<double[]> rounds, double seconds, int epochs) {
    }

    /** @return the {@link #window} of the epochs after {@code afterEpoch}, once the fleet has trained them */
    private static Window awaitWindow(Ignite client, String job, int afterEpoch) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60 * 60_000L;
        while (true) {
            Window window = window(Reconnects.read(client, i -> GridSchema.sql(i, "SELECT EPOCH, SECONDS, SAMPLES, "
                    + "ENDED_AT FROM ROUNDS WHERE JOB = ? AND COMMITTED AND EPOCH >= ? ORDER BY MODEL_VERSION", job,
                    afterEpoch)), afterEpoch);
            if (window != null) {
                return window;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the fleet did not train " + MIN_ROUNDS + " rounds in whole epochs "
                        + "after epoch " + afterEpoch + " within an hour");
            }
            Thread.sleep(1000); // polling the rows with a deadline
        }
    }

    /**
     * The measurement under a link: the whole epochs after {@code afterEpoch} (the epoch training when the link was
     * shaped, whose rounds straddle the change), as many as hold {@value #MIN_ROUNDS} rounds or more. An epoch is whole
     * once a round of the next one is committed. Measuring whole epochs keeps an epoch's short last rounds in every
     * measurement in proportion; a fixed count of rounds caught a varying share of them.
     *
     * @param rows committed rounds in version order: EPOCH, SECONDS, SAMPLES, ENDED_AT (a timestamp)
     * @return the window, or null while the fleet has not trained it yet
     */
    static Window window(List<? extends List<?>> rows, int afterEpoch) {
        Timestamp start = null;
        Timestamp end = null;
        List<double[]> rounds = new ArrayList<>();
        int epoch = afterEpoch;
        int epochs = 0;
        boolean whole = false;
        for (List<?> row : rows) {
            int rowEpoch = ((Number) row.get(0)).intValue();
            Timestamp at = (Timestamp) row.get(3);
            if (rowEpoch <= afterEpoch) {
                start = at;
                continue;
            }
            if (rowEpoch != epoch) {
                if (epoch > afterEpoch) {
                    epochs++;
                    if (rounds.size() >= MIN_ROUNDS) {
                        whole = true;
                        break;
                    }
                }
                epoch = rowEpoch;
            }
            rounds.add(new double[] {((Number) row.get(1)).doubleValue(), ((Number) row.get(2)).doubleValue()});
            end = at;
        }
        if (!whole || start == null) {
            return null;
        }
        return new Window(rounds, (end.getTime() - start.getTime()) / 1000.0, epochs);
    }

    private static void writeCsv(List<Measurement> results, Path file) throws IOException {
        StringBuilder csv = new StringBuilder("model,transfer,state_mb,link,kbit_per_second,loss_percent,delay_ms,jitter_ms,delay_emulated,"
                + "rounds,epochs,median_round_seconds,images_per_second,vs_unshaped\n");
        for (Measurement m : results) {
            csv.append(String.format(Locale.ROOT, "%s,%s,%.2f,%s,%d,%.1f,%d,%d,%s,%d,%d,%.2f,%.2f,%.3f%n", m.model(),
                    m.transfer(), m.stateMegabytes(), m.link(), m.kbitPerSecond(), m.lossPercent(), m.delayMillis(),
                    m.jitterMillis(), m.delayEmulated(),
                    m.rounds(), m.epochs(), m.medianRoundSeconds(), m.imagesPerSecond(), m.vsUnshaped()));
        }
        Files.writeString(file, csv);
    }
}
