package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetriedWritesTest {
    @Test
    void aFailedWriteIsTriedAgainFirstAndOrderIsKept() {
        List<String> written = new ArrayList<>();
        Set<String> failingOnce = new java.util.HashSet<>(Set.of("round 1"));
        RetriedWrites<String> writes = new RetriedWrites<>(3, item -> {
            if (failingOnce.remove(item)) {
                throw new IllegalStateException("partitions moving");
            }
            written.add(item);
        });
        writes.add("round 1");
        writes.add("round 2");

        assertEquals(2, writes.flush(), "round 1 failed; round 2 waits behind it");
        assertEquals(List.of(), written);
        writes.add("round 3");
        assertEquals(0, writes.flush());
        assertEquals(List.of("round 1", "round 2", "round 3"), written);
    }

    @Test
    void aWriteThatKeepsFailingIsDroppedAfterItsAttempts() {
        List<String> written = new ArrayList<>();
        RetriedWrites<String> writes = new RetriedWrites<>(2, item -> {
            if (item.equals("bad")) {
                throw new IllegalStateException("never");
            }
            written.add(item);
        });
        writes.add("bad");
        writes.add("good");

        assertEquals(2, writes.flush());
        assertEquals(0, writes.flush(), "dropped at its second failure; the next one goes through");
        assertEquals(List.of("good"), written);
        assertThrows(IllegalArgumentException.class, () -> new RetriedWrites<String>(0, item -> { }));
    }
}
