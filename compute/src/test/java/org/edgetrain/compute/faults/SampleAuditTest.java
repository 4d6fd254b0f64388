package org.edgetrain.compute.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.edgetrain.compute.training.TrainedSamples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-sample checker on hand-made logs: what totals cannot see, it must. */
class SampleAuditTest {
    private static final long[] DATA = {0, 1, 2, 3, 4, 5};

    private static TrainedSamples.Entry trained(String id, int epoch, long... samples) {
        return new TrainedSamples.Entry(id, "job", 1, epoch, "pc-1", samples);
    }

    @Test
    void aSoundRunHasNothingToReport() {
        List<TrainedSamples.Entry> log = List.of(trained("a", 1, 0, 1, 2), trained("b", 1, 3, 4, 5),
                trained("c", 2, 5, 4, 3, 2, 1, 0));
        SampleAudit.Report report = SampleAudit.check(log, "job", List.of(new SampleAudit.Committed(1, "a,b"),
                new SampleAudit.Committed(2, "c")), DATA, 2);
        assertTrue(report.exactlyOnce(), report.toString());
        assertEquals(2, report.finishedEpochs());
        assertEquals(6, report.epochs().get(1).trained());
    }

    @Test
    void oneSampleSkippedAndAnotherDoubledAreBothFoundThoughTheTotalIsRight() {
        // Six visits in the epoch, as many as samples: a check of totals passes; sample 5 never trained, 2 twice.
        List<TrainedSamples.Entry> log = List.of(trained("a", 1, 0, 1, 2), trained("b", 1, 2, 3, 4));
        SampleAudit.Report report = SampleAudit.check(log, "job", List.of(new SampleAudit.Committed(1, "a,b")), DATA, 1);
        assertFalse(report.exactlyOnce());
        assertEquals(1, report.neverTrained());
        assertEquals(1, report.trainedTwice());
        assertEquals(List.of(5L), report.epochs().get(0).neverTrainedExamples());
        assertEquals(List.of(2L), report.epochs().get(0).trainedTwiceExamples());
    }

    @Test
    void onlyAcceptedAnswersCountAndARunningEpochIsCheckedForDoublesOnly() {
        // "late" trained sample 0 again but was refused: it is not in a committed model. Epoch 2 is running.
        List<TrainedSamples.Entry> log = List.of(trained("a", 1, 0, 1, 2, 3, 4, 5), trained("late", 1, 0),
                trained("c", 2, 0, 1), trained("d", 2, 1));
        SampleAudit.Report report = SampleAudit.check(log, "job", List.of(new SampleAudit.Committed(1, "a"),
                new SampleAudit.Committed(2, "c"), new SampleAudit.Committed(3, "d")), DATA, 1);
        assertEquals(0, report.neverTrained(), "epoch 2 has not ended: its missing samples are to come");
        assertEquals(1, report.trainedTwice(), "sample 1 twice in epoch 2: " + report);
    }

    @Test
    void anAcceptedAnswerMissingFromTheLogIsReported() {
        SampleAudit.Report report = SampleAudit.check(List.of(trained("a", 1, 0, 1, 2, 3, 4, 5)), "job",
                List.of(new SampleAudit.Committed(1, "a,ghost")), DATA, 1);
        assertEquals(List.of("ghost"), report.unrecordedResults());
        assertFalse(report.exactlyOnce());
    }

    @Test
    void aLineTornByAKillIsSkippedAndWholeLinesAreRead(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("pc-1-42.samples"), "pc-1/3/x job 3 1 pc-1 7 8 9 .\npc-1/4/y job 4 1 pc-1 10 1",
                StandardCharsets.US_ASCII);
        List<TrainedSamples.Entry> read = TrainedSamples.read(dir);
        assertEquals(1, read.size(), "the torn line is skipped");
        assertEquals("pc-1/3/x", read.get(0).resultId());
        assertEquals(3, read.get(0).round());
        assertEquals(List.of(7L, 8L, 9L), java.util.Arrays.stream(read.get(0).sampleIds()).boxed().toList());
    }
}
