package org.edgetrain.compute.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.edgetrain.compute.settings.SystemProperty;

/**
 * The audit log of what devices actually trained: one line per training job a device ran, with the result's id and
 * every sample id that went into the replica, written before the result is returned. The coordinator commits the ids
 * of the results it accepted with each model version ({@link RoundRow#acceptedResults}), so joining the two says,
 * sample by sample, what a committed model was trained on ({@code faults/SampleAudit}). Off unless
 * {@link SystemProperty#TRAINED_SAMPLES_DIR} is set: fault tests and {@code bench faults} set it; a fleet in use does
 * not pay for it.
 *
 * <p>Each device process appends to a file of its own ({@code NAME-PID.samples}), a line per job in one write, so a
 * process killed while writing leaves at most a torn last line, which {@link #read} skips (its result was never
 * returned). Thread-safe: a device runs one training job at a time, and lines are appended under a lock.
 */
public final class TrainedSamples {
    private static final String SUFFIX = ".samples";

    /**
     * What one training job trained.
     *
     * @param resultId the id its result carries ({@link DeviceRoundResult#resultId})
     * @param job the job's id
     * @param round the round it was sent for
     * @param epoch the epoch its slices belong to (a round's slices are all of one epoch)
     * @param device the device that trained it
     * @param sampleIds the samples trained, in order
     */
    public record Entry(String resultId, String job, long round, int epoch, String device, long[] sampleIds) {
    }

    private TrainedSamples() {
    }

    /** @return whether this device keeps the audit log */
    static boolean enabled() {
        return SystemProperty.TRAINED_SAMPLES_DIR.value().isPresent();
    }

    /** Records what one training job trained, when this device keeps the audit log; else does nothing. */
    static void record(Entry entry) {
        Optional<String> dir = SystemProperty.TRAINED_SAMPLES_DIR.value();
        if (dir.isEmpty()) {
            return;
        }
        StringBuilder line = new StringBuilder(64 + entry.sampleIds().length * 6);
        line.append(entry.resultId()).append(' ').append(entry.job()).append(' ').append(entry.round()).append(' ')
                .append(entry.epoch()).append(' ').append(entry.device());
        for (long id : entry.sampleIds()) {
            line.append(' ').append(id);
        }
        line.append(" .\n"); // the terminator tells a whole line from one torn by a kill
        Path file = Path.of(dir.get()).resolve(entry.device() + "-" + ProcessHandle.current().pid() + SUFFIX);
        synchronized (TrainedSamples.class) {
            try {
                Files.createDirectories(file.getParent());
                Files.write(file, line.toString().getBytes(StandardCharsets.US_ASCII), StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            } catch (IOException e) {
                // the audit is the point of running with it: a device that cannot keep it must not train unaudited
                throw new UncheckedIOException("cannot append to the trained-samples audit log " + file, e);
            }
        }
    }

    /** @return every whole entry the devices wrote under {@code dir} (none when it does not exist) */
    public static List<Entry> read(Path dir) throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).sorted().toList()) {
                for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                    String[] f = line.split(" ");
                    if (f.length < 6 || !f[f.length - 1].equals(".")) {
                        continue; // torn by a kill mid-write: that job's result never left the device
                    }
                    long[] ids = new long[f.length - 6];
                    for (int i = 0; i < ids.length; i++) {
                        ids[i] = Long.parseLong(f[5 + i]);
                    }
                    out.add(new Entry(f[0], f[1], Long.parseLong(f[2]), Integer.parseInt(f[3]), f[4], ids));
                }
            }
        }
        return out;
    }
}
