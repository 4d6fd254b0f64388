package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimeBoxTest {
    /** A round's close, as a device sees it: extensions only for short batches, until the round closes. */
    private static final class Close implements TimeBox.Extension {
        private final double box;
        private final double closesAt;
        private double now;

        Close(double box, double closesAt) {
            this.box = box;
            this.closesAt = closesAt;
        }

        @Override
        public boolean keepsTraining(double batchSeconds, double elapsedSeconds) {
            return batchSeconds <= RoundEnd.SHORT_BATCH * box && !closed();
        }

        @Override
        public boolean closed() {
            return now >= closesAt;
        }
    }

    /**
     * Batches of a device whose batches take {@code secondsPerImage} an image, the i-th batch at the i-th pace and the
     * last pace from then on; the clock is {@code close.now}.
     */
    private static List<Integer> run(TimeBox box, Close close, int samples, double... secondsPerImage) {
        List<Integer> sizes = new ArrayList<>();
        int left = samples;
        while (left > 0) {
            int size = box.next(left, close.now);
            if (size == 0) {
                break;
            }
            double pace = secondsPerImage[Math.min(sizes.size(), secondsPerImage.length - 1)];
            sizes.add(size);
            close.now += size * pace;
            box.trained(size, size * pace);
            left -= size;
        }
        return sizes;
    }

    @Test
    void aDeviceWithLongBatchesFillsItsBoxToWithinAFewImagesOfItsEnd() {
        // An rpi4 of the paper fleet: 0.15-0.18 s an image (the first batch the slowest, so none runs past the box),
        // a 12 s box; the round closes later, when a slower one is done.
        Close close = new Close(12, 14);
        List<Integer> sizes = run(new TimeBox(12, 64, 6.7, close), close, 1_000, 0.18, 0.15, 0.16, 0.15);

        assertTrue(close.now <= 12 + 1e-9, "past its box: " + close.now + " s, batches " + sizes);
        assertTrue(close.now > 12 - TimeBox.FILLING_BATCH_MIN * 0.18, "stopped " + (12 - close.now) + " s early: " + sizes);
    }

    @Test
    void aDeviceWithShortBatchesTrainsOnInSmallStepsUntilTheRoundCloses() {
        Close close = new Close(12, 14);
        List<Integer> sizes = run(new TimeBox(12, 64, 200, close), close, 100_000, 0.005);

        assertTrue(close.now >= 14 && close.now < 14 + TimeBox.smallestBatch(64) * 0.005, "stopped at " + close.now + " s");
        assertEquals(TimeBox.smallestBatch(64), sizes.get(sizes.size() - 1), "past the box in steps of the smallest batch");
    }

    @Test
    void theFirstBatchTakesAtMostHalfTheBoxAtTheExpectedPace() {
        Close close = new Close(12, 14);
        assertEquals(40, new TimeBox(12, 64, 6.7, close).next(1_000, 0), "6.7 images/s x 6 s");
        assertEquals(64, new TimeBox(12, 64, 200, close).next(1_000, 0), "never more than the job's batch");
        assertEquals(16, new TimeBox(12, 64, 1, close).next(1_000, 0), "never less than the smallest batch");
    }

    @Test
    void withoutABoxEverySliceTrainsInFullAtTheJobsBatch() {
        Close close = new Close(12, Double.POSITIVE_INFINITY);
        assertEquals(List.of(64, 64, 22), run(new TimeBox(0, 64, 6.7, close), close, 150, 0.15));
    }

    @Test
    void aRoundClosedAtItsDeadlineStopsADeviceStillInItsBoxOrItsSlices() {
        // Closed at 40 s, the deadline: results after it do not count.
        Close close = new Close(68, 40);
        List<Integer> boxed = run(new TimeBox(68, 64, 2, close), close, 1_000, 0.5);
        assertEquals(List.of(64, 36), boxed, "the batch under way at the close (32-50 s) is its last");

        Close untimed = new Close(0, 40);
        List<Integer> whole = run(new TimeBox(0, 64, 2, untimed), untimed, 1_000, 0.5);
        assertTrue(untimed.now >= 40 && untimed.now < 40 + 64 * 0.5, "stopped at " + untimed.now + " s: " + whole);
    }

    @Test
    void aDeviceRunningOutOfSlicesStopsWithThem() {
        Close close = new Close(12, 14);
        List<Integer> sizes = run(new TimeBox(12, 64, 200, close), close, 100, 0.005);
        assertEquals(100, sizes.stream().mapToInt(Integer::intValue).sum());
    }
}
