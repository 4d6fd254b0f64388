package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.stream.IntStream;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.testing.Fleets;
import org.junit.jupiter.api.Test;

/** On a real one-device fleet: the kept key lists match the partitions' contents and follow their changes. */
class PartitionKeysTest {
    private static final int SAMPLES = 2000;

    @Test
    void keptListsAreThePartitionsKeysAndFollowTheirChanges() throws Exception {
        Fleets.runWithNewFleet(1, fleet -> {
            Ignite device = fleet.node("dev0");
            IgniteCache<Integer, byte[]> train = device.getOrCreateCache(GridSchema.dataCache(GridNames.TRAIN, 0, false));
            for (int key = 0; key < SAMPLES; key++) {
                train.put(key, new byte[] {(byte) key});
            }
            int partitions = device.affinity(GridNames.TRAIN).partitions();
            int total = 0;
            for (int p = 0; p < partitions; p++) {
                int partition = p;
                int[] expected = IntStream.range(0, SAMPLES)
                        .filter(k -> device.affinity(GridNames.TRAIN).partition(k) == partition).toArray();
                int[] keys = PartitionKeys.of(device, train, partition);
                assertArrayEquals(expected, keys, "partition " + partition);
                assertSame(keys, PartitionKeys.of(device, train, partition), "an unchanged partition is not scanned again");
                total += keys.length;
            }
            assertEquals(SAMPLES, total);

            // a load that adds a sample to a partition: the next round sees it
            int added = SAMPLES;
            int partition = device.affinity(GridNames.TRAIN).partition(added);
            int before = PartitionKeys.of(device, train, partition).length;
            train.put(added, new byte[] {1});
            int[] after = PartitionKeys.of(device, train, partition);
            assertEquals(before + 1, after.length);
            assertEquals(added, after[after.length - 1]);
            assertEquals(before, PartitionKeys.countBelow(after, SAMPLES), "a job limited to the first samples");
            assertEquals(after.length, PartitionKeys.countBelow(after, 0), "0: every sample");

            // an entry gone (its partition moved away) reads as null, which ends the round's training there
            assertNotNull(PartitionKeys.read(train, after[0]));
            train.remove(after[0]);
            assertNull(PartitionKeys.read(train, after[0]));
        });
    }
}
