package org.edgetrain.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@code bench faults --preset links} picks the rounds it measures under a link: whole epochs only. */
class LinkBenchmarkTest {
    /** Epoch 3 was training when the link changed (2 rounds), then epoch 4 (5 rounds), epoch 5 (4 rounds). */
    private static List<List<?>> rows(boolean nextEpochBegun) {
        List<List<?>> rows = new ArrayList<>();
        int second = 0;
        for (int[] epoch : new int[][] {{3, 2}, {4, 5}, {5, 4}}) {
            for (int i = 0; i < epoch[1]; i++) {
                rows.add(List.of(epoch[0], 1.5, 100L, new Timestamp(1_000L * second++)));
            }
        }
        if (nextEpochBegun) {
            rows.add(List.of(6, 1.5, 100L, new Timestamp(1_000L * second)));
        }
        return rows;
    }

    @Test
    void measuresWholeEpochsFromTheEndOfTheOneTheLinkChangedIn() {
        LinkBenchmark.Window window = LinkBenchmark.window(rows(true), 3);
        assertEquals(2, window.epochs(), "epoch 4 alone has fewer than " + LinkBenchmark.MIN_ROUNDS + " rounds");
        assertEquals(9, window.rounds().size());
        assertEquals(9.0, window.seconds(), 1e-9, "from epoch 3's last round (1 s) to epoch 5's last (10 s)");
    }

    @Test
    void waitsWhileTheLastEpochMayStillGrow() {
        assertNull(LinkBenchmark.window(rows(false), 3), "epoch 5 is whole only once epoch 6 began");
        assertNull(LinkBenchmark.window(rows(true).subList(0, 2), 3), "nothing after the link changed yet");
    }
}
