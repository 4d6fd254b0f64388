package org.edgetrain.compute.grid;

import java.util.Optional;
import java.util.UUID;
import javax.cache.CacheException;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A data set load under way, recorded beside the model so that training waits for it to end. Why: a reload brings
 * lost partitions back empty and fills them while devices could already read them; a device that counted a
 * half-filled partition on its first visit recorded that count as the partition's size, and every later round then
 * skipped the partition as "not the size committed progress says", and the epoch never ended.
 *
 * <p>The marker names the loading node. It counts only while that node is in the topology, so a loader that crashed
 * mid-load pauses nobody; the next load overwrites it. Thread-safety: every method may be called from any thread.
 */
public final class DatasetLoadMarker implements AutoCloseable {
    /** Key in the {@link GridNames#MODEL} cache. */
    static final String KEY = "dataset-load";
    private static final Logger LOG = LogManager.getLogger(DatasetLoadMarker.class);

    private final IgniteCache<String, String> cache;
    private final String value;

    private DatasetLoadMarker(IgniteCache<String, String> cache, String value) {
        this.cache = cache;
        this.value = value;
    }

    /**
     * Records that this node starts loading. Without a usable shared state (its every copy lost) no marker is
     * written and the load goes on: no job can train then anyway.
     */
    static DatasetLoadMarker begin(Ignite ignite) {
        IgniteCache<String, String> cache = ignite.cache(GridNames.MODEL);
        String value = ignite.cluster().localNode().id().toString();
        try {
            cache.put(KEY, value);
            return new DatasetLoadMarker(cache, value);
        } catch (CacheException e) {
            LOG.warn("could not record the data set load in the shared state ({}); training is not paused for it", e.toString());
            return new DatasetLoadMarker(cache, null);
        }
    }

    /** @return the node loading the data set now, if a load is under way on a node still in the fleet */
    public static Optional<ClusterNode> loader(Ignite ignite) {
        String value = ignite.<String, String>cache(GridNames.MODEL).get(KEY);
        return value == null ? Optional.empty() : Optional.ofNullable(ignite.cluster().node(UUID.fromString(value)));
    }

    /** Ends the load: removes this load's marker (not a later load's). */
    @Override
    public void close() {
        if (value != null) {
            try {
                cache.remove(KEY, value);
            } catch (CacheException e) {
                LOG.warn("could not remove the data set load marker ({}); it lapses when this node leaves", e.toString());
            }
        }
    }
}
