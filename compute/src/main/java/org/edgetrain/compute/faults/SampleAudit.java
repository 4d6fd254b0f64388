package org.edgetrain.compute.faults;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.Reconnects;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.compute.training.ModelState;
import org.edgetrain.compute.training.TrainedSamples;

/**
 * The per-sample check of a job, in the manner of Jepsen's checkers: from what the devices say they trained
 * ({@link TrainedSamples}) and the device answers each committed version is made of (ROUNDS.ACCEPTED_RESULTS), it
 * lists, per epoch, the samples that never went into a committed model and those that went in twice. Totals cannot
 * do this: one sample skipped and another trained twice add up to the right count. {@link #check} only counts;
 * {@link #ofFleet} reads what it counts from a running fleet.
 */
public final class SampleAudit {
    /** How many ids of each kind a report names, to start a diagnosis from. */
    private static final int EXAMPLES = 10;

    /**
     * One committed version of the job, as its ROUNDS row has it.
     *
     * @param version the version committed
     * @param acceptedResults the ids of the device answers it is made of (ROUNDS.ACCEPTED_RESULTS, comma-separated)
     */
    public record Committed(long version, String acceptedResults) {
        List<String> ids() {
            return acceptedResults == null || acceptedResults.isBlank() ? List.of()
                    : Arrays.asList(acceptedResults.split(","));
        }
    }

    /**
     * One epoch's count.
     *
     * @param epoch the epoch
     * @param finished whether the epoch ended (only then is a sample not trained a lost one)
     * @param trained sample visits committed in it
     * @param neverTrained samples of the data set no committed model of the epoch was trained on (0 for an epoch not
     *     finished)
     * @param trainedTwice visits beyond the first of a sample within the epoch
     * @param neverTrainedExamples up to {@value #EXAMPLES} of the lost ids
     * @param trainedTwiceExamples up to {@value #EXAMPLES} of the doubled ids
     */
    public record Epoch(int epoch, boolean finished, long trained, long neverTrained, long trainedTwice,
                        List<Long> neverTrainedExamples, List<Long> trainedTwiceExamples) {
    }

    /**
     * The audit of a job.
     *
     * @param epochs per epoch that committed training (or should have: a finished epoch with none is listed)
     * @param neverTrained summed over the finished epochs
     * @param trainedTwice summed over every epoch
     * @param unrecordedResults accepted answers missing from the log: their samples are unknown (a device that kept no
     *     log, or a log lost with its disk); a sound run has none
     */
    public record Report(List<Epoch> epochs, long neverTrained, long trainedTwice, List<String> unrecordedResults) {
        /** @return true when every finished epoch trained every sample once and no epoch trained one twice */
        public boolean exactlyOnce() {
            return neverTrained == 0 && trainedTwice == 0 && unrecordedResults.isEmpty();
        }

        /** @return one line per epoch with a sample lost or doubled, and one for answers missing from the log */
        public List<String> findings() {
            List<String> out = new ArrayList<>();
            for (Epoch e : epochs) {
                if (e.neverTrained() > 0 || e.trainedTwice() > 0) {
                    out.add(String.format("epoch %d%s: %d visits, %d never trained %s, %d trained twice %s", e.epoch(),
                            e.finished() ? "" : " (running)", e.trained(), e.neverTrained(), e.neverTrainedExamples(),
                            e.trainedTwice(), e.trainedTwiceExamples()));
                }
            }
            if (!unrecordedResults.isEmpty()) {
                out.add(unrecordedResults.size() + " accepted answers not in the log: "
                        + unrecordedResults.stream().limit(EXAMPLES).toList());
            }
            return out;
        }

        /** @return epochs that finished */
        public long finishedEpochs() {
            return epochs.stream().filter(Epoch::finished).count();
        }

        @Override
        public String toString() {
            return String.format("%d finished epochs: %d samples never trained, %d trained twice%s; %s",
                    finishedEpochs(), neverTrained, trainedTwice, unrecordedResults.isEmpty() ? ""
                            : ", " + unrecordedResults.size() + " accepted answers not in the log " + unrecordedResults
                            .stream().limit(EXAMPLES).toList(), epochs);
        }
    }

    private static final long POLL_MILLIS = 200;

    private SampleAudit() {
    }

    /**
     * Audits the fleet's current job: its committed versions up to the state read first (rows are written while the
     * next round trains, so they are read again until they cover it), against the log under {@code log}.
     *
     * @param client a client node of the fleet's
     * @param committedRows reads the job's committed ROUNDS rows (from whichever side or node the caller trusts)
     * @throws IllegalStateException when no job runs, or the rows do not catch up with the state within
     *     {@code timeoutMillis}
     */
    public static Report ofFleet(Ignite client, Path log, Supplier<List<Committed>> committedRows, long timeoutMillis)
            throws IOException, InterruptedException {
        JobSpec job = Reconnects.read(client, JobSubmitter::job);
        ModelState state = Reconnects.read(client, JobSubmitter::current);
        if (job == null || state == null) {
            throw new IllegalStateException("no job to audit");
        }
        long size = Reconnects.read(client, i -> i.cache(GridNames.TRAIN).sizeLong());
        long samples = job.limitTrain() > 0 ? Math.min(job.limitTrain(), size) : size; // keys are sample indices
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            List<Committed> rows = committedRows.get();
            if (rows.stream().mapToLong(Committed::version).max().orElse(0) >= state.version()) {
                return check(TrainedSamples.read(log), job.id(), rows, LongStream.range(0, samples).toArray(),
                        state.epoch() - 1);
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("the ROUNDS rows stop short of v" + state.version() + ": " + rows.size()
                        + " committed rows");
            }
            Thread.sleep(POLL_MILLIS); // rows are written while the next round trains: polled with a deadline
        }
    }

    /**
     * @param log what devices trained, every job's (entries of other jobs are ignored)
     * @param job the job audited
     * @param committed the job's committed versions
     * @param dataSet the sample ids one epoch visits
     * @param finishedEpochs epochs 1..this ended (the job's last, when it finished)
     */
    public static Report check(List<TrainedSamples.Entry> log, String job, List<Committed> committed, long[] dataSet,
                               int finishedEpochs) {
        Map<String, TrainedSamples.Entry> byResult = new HashMap<>();
        for (TrainedSamples.Entry entry : log) {
            if (entry.job().equals(job)) {
                byResult.put(entry.resultId(), entry);
            }
        }
        Map<Integer, Map<Long, Integer>> visits = new TreeMap<>();
        for (int e = 1; e <= finishedEpochs; e++) {
            visits.put(e, new HashMap<>());
        }
        List<String> unrecorded = new ArrayList<>();
        for (Committed version : committed) {
            for (String id : version.ids()) {
                TrainedSamples.Entry entry = byResult.get(id);
                if (entry == null) {
                    unrecorded.add(id);
                    continue;
                }
                Map<Long, Integer> epoch = visits.computeIfAbsent(entry.epoch(), e -> new HashMap<>());
                for (long sample : entry.sampleIds()) {
                    epoch.merge(sample, 1, Integer::sum);
                }
            }
        }
        List<Epoch> epochs = new ArrayList<>();
        long neverTrained = 0;
        long trainedTwice = 0;
        for (Map.Entry<Integer, Map<Long, Integer>> e : visits.entrySet()) {
            boolean finished = e.getKey() <= finishedEpochs;
            Map<Long, Integer> counts = e.getValue();
            List<Long> lost = finished ? Arrays.stream(dataSet).filter(id -> !counts.containsKey(id)).boxed().toList()
                    : List.of();
            List<Long> doubled = counts.entrySet().stream().filter(c -> c.getValue() > 1).map(Map.Entry::getKey)
                    .sorted().collect(Collectors.toList());
            long extra = counts.values().stream().mapToLong(c -> c - 1L).sum();
            long trained = counts.values().stream().mapToLong(Integer::longValue).sum();
            epochs.add(new Epoch(e.getKey(), finished, trained, lost.size(), extra,
                    lost.stream().limit(EXAMPLES).toList(), doubled.stream().limit(EXAMPLES).toList()));
            neverTrained += lost.size();
            trainedTwice += extra;
        }
        return new Report(epochs, neverTrained, trainedTwice, unrecorded);
    }
}
