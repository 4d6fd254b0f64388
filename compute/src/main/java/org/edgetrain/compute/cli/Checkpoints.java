package org.edgetrain.compute.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.edgetrain.compute.artifacts.ModelArtifacts;
import org.edgetrain.compute.artifacts.ModelCard;
import org.edgetrain.compute.artifacts.Provenance;
import org.edgetrain.compute.training.EvaluatedModel;

/**
 * The checkpoints a followed job leaves in a folder: {@code epoch-E.zip} after each evaluated epoch (the newest
 * {@code keep} kept), {@code last.zip}, and {@code best.zip} (highest test accuracy of the job), each with its sidecar.
 * Every file is written atomically. Not thread-safe: one follower writes.
 */
final class Checkpoints {
    private static final Pattern EPOCH_FILE = Pattern.compile("epoch-(\\d+)\\.zip");

    private final Path dir;
    private final int keep;
    private final String model;
    private final String job;
    private int lastEpoch;
    private double bestAccuracy = Double.NEGATIVE_INFINITY;

    Checkpoints(Path dir, int keep, String model, String job) {
        if (keep < 1) {
            throw new EdgetrainCommand.UserError("--keep must be at least 1, got " + keep);
        }
        this.dir = dir;
        this.keep = keep;
        this.model = model;
        this.job = job;
    }

    /** @return the last epoch written */
    int lastEpoch() {
        return lastEpoch;
    }

    /** Writes {@code evaluated}'s checkpoints, unless its epoch was written already. */
    void write(EvaluatedModel evaluated) {
        if (evaluated == null || !evaluated.jobId().equals(job) || evaluated.epoch() <= lastEpoch) {
            return;
        }
        Provenance provenance = new Provenance(job, evaluated.version(), evaluated.round(), evaluated.epoch(),
                evaluated.samplesCommitted(), evaluated.testAccuracy());
        ModelArtifacts.write(model, evaluated.state(), dir.resolve("epoch-" + evaluated.epoch() + ".zip"),
                ModelArtifacts.Format.DL4J, provenance);
        ModelArtifacts.write(model, evaluated.state(), dir.resolve("last.zip"), ModelArtifacts.Format.DL4J, provenance);
        if (evaluated.testAccuracy() > bestAccuracy()) {
            ModelArtifacts.write(model, evaluated.state(), dir.resolve("best.zip"), ModelArtifacts.Format.DL4J, provenance);
            bestAccuracy = evaluated.testAccuracy();
        }
        lastEpoch = evaluated.epoch();
        prune();
        System.err.printf("checkpoint: epoch %d, model v%d, test accuracy %.2f %% in %s%n", evaluated.epoch(),
                evaluated.version(), 100 * evaluated.testAccuracy(), dir);
    }

    /** @return the best accuracy of this job so far: kept in best.zip's sidecar, so a follower that restarts knows it */
    private double bestAccuracy() {
        if (bestAccuracy == Double.NEGATIVE_INFINITY) {
            ModelCard best = ModelArtifacts.card(dir.resolve("best.zip"));
            if (best != null && job.equals(best.job()) && best.testAccuracy() != null) {
                bestAccuracy = best.testAccuracy();
            }
        }
        return bestAccuracy;
    }

    private void prune() {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> epochs = files.filter(f -> EPOCH_FILE.matcher(f.getFileName().toString()).matches())
                    .sorted(Comparator.comparingInt(Checkpoints::epochOf).reversed()).toList();
            for (Path old : epochs.subList(Math.min(keep, epochs.size()), epochs.size())) {
                Files.deleteIfExists(old);
                Files.deleteIfExists(ModelArtifacts.sidecar(old));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prune checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static int epochOf(Path file) {
        Matcher m = EPOCH_FILE.matcher(file.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }
}
