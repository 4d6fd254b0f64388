package org.edgetrain.compute.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentMap;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cache.query.ScanQuery;

/**
 * The sorted keys of the data entries a device holds, per partition, kept in the node's memory, so that a round reads
 * only the entries it trains, as it trains them ({@link TrainingJob}). Reading its slices whole first, as a scan of
 * their partitions, read and held several times what the round's time box then trained: a pc read ~7,000-24,000
 * samples a round, 25-30 microseconds each, to train a few thousand.
 *
 * <p>Why a kept list stays right: keys are sample indices {@code 0..N-1} ({@code DatasetLoader}) placed by a fixed
 * partition function, so two loads that leave a partition the same number of entries leave it the same keys (a larger
 * {@code N} that adds no key to a partition adds none). A list is reused while the size of the partition's local copy is
 * the one it was taken at, and taken again by one scan when it is not (first visit, a partition moved here, a load).
 * A partition caught while it changes is the caller's to detect: {@link #read} gives null for an entry that is gone.
 *
 * <p>Thread-safe: lists live in the node-local map and are replaced whole.
 */
final class PartitionKeys {
    private static final String KEY_PREFIX = "edgetrain.partition-keys.";
    /** A device trains its primary copy, or its backup when the primary's device is quarantined ({@link PartitionWork}). */
    private static final CachePeekMode[] OWN_COPY = {CachePeekMode.PRIMARY, CachePeekMode.BACKUP};

    private PartitionKeys() {
    }

    /** @return the keys of this node's copy of {@code partition} (primary or backup), ascending; empty without one */
    static int[] of(Ignite ignite, IgniteCache<Integer, byte[]> cache, int partition) {
        long size = cache.localSizeLong(partition, OWN_COPY);
        ConcurrentMap<String, int[]> lists = ignite.cluster().nodeLocalMap();
        String key = KEY_PREFIX + cache.getName() + "." + partition;
        int[] kept = lists.get(key);
        if (kept != null && kept.length == size) {
            return kept;
        }
        int[] scanned = scan(cache, partition);
        lists.put(key, scanned);
        return scanned;
    }

    /** @return the value of {@code key} in this node's copy, or null without one (moved away, not loaded yet) */
    static byte[] read(IgniteCache<Integer, byte[]> cache, int key) {
        return cache.localPeek(key, OWN_COPY);
    }

    /** @return how many of {@code keys} (ascending) are below {@code limit}; all of them when {@code limit} is 0 */
    static int countBelow(int[] keys, int limit) {
        if (limit == 0) {
            return keys.length;
        }
        int at = Arrays.binarySearch(keys, limit);
        return at >= 0 ? at : -at - 1;
    }

    private static int[] scan(IgniteCache<Integer, byte[]> cache, int partition) {
        ScanQuery<Integer, byte[]> scan = new ScanQuery<Integer, byte[]>().setLocal(true).setPartition(partition);
        List<Integer> found = new ArrayList<>();
        for (Cache.Entry<Integer, byte[]> entry : cache.query(scan)) {
            found.add(entry.getKey());
        }
        int[] keys = found.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(keys);
        return keys;
    }
}
