package org.edgetrain.compute.grid;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cluster.ClusterNode;

/**
 * Read-only access to a running fleet: what {@code status}, the status page and a followed job show. Reading never
 * creates a cache or a table; what does not exist yet reads as empty.
 *
 * <p>Two implementations: {@link #of(Ignite)} over a node that is already in the topology (a device, or a tool's
 * client node that joined for other reasons), and {@link ThinFleetReader} over Ignite's thin-client protocol, which
 * costs the fleet no topology change. Thread-safety: as the underlying connection (both are safe to share).
 */
public interface FleetReader {
    /**
     * @return the rows of {@code query} on the metrics tables (schema {@code PUBLIC})
     * @throws MissingTableException when a table it names does not exist yet (a fleet that never trained)
     */
    List<List<?>> sql(String query, Object... args);

    /** @return the value stored under {@code key} in the model cache, decoded; null when absent */
    <T> T model(String key);

    /** @return entries in cache {@code cache} (primary copies), 0 when it does not exist */
    long size(String cache);

    /** @return the devices (server nodes) in the topology now */
    Collection<ClusterNode> devices();

    /** @return how many partitions of cache {@code cache} each device (by node id) holds as primary */
    default Map<java.util.UUID, Long> primaryPartitions(String cache) {
        Map<java.util.UUID, Long> out = new java.util.HashMap<>();
        // SYS views cannot be joined with user tables, but they can be read: the partition map as this node knows it.
        for (List<?> row : sql("SELECT P.NODE_ID, COUNT(*) FROM SYS.PARTITION_STATES P JOIN SYS.CACHES C "
                + "ON P.CACHE_GROUP_ID = C.CACHE_GROUP_ID WHERE C.CACHE_NAME = ? AND P.IS_PRIMARY = TRUE "
                + "GROUP BY P.NODE_ID", cache)) {
            Object node = row.get(0);
            out.put(node instanceof java.util.UUID id ? id : java.util.UUID.fromString(String.valueOf(node)),
                    ((Number) row.get(1)).longValue());
        }
        return out;
    }

    /** A query named a table that does not exist yet. */
    final class MissingTableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public MissingTableException(String message, Throwable cause) {
            super(message, cause);
        }

        /**
         * @return the rows {@code query} returns
         * @throws MissingTableException in place of Ignite's error when a table it names does not exist yet
         */
        static List<List<?>> translated(java.util.function.Supplier<List<List<?>>> query) {
            try {
                return query.get();
            } catch (RuntimeException e) {
                if (describes(e)) {
                    throw new MissingTableException(e.getMessage(), e);
                }
                throw e;
            }
        }

        /** @return true when {@code e} says that a table does not exist (Ignite's SQL parser wording) */
        private static boolean describes(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                String message = String.valueOf(t.getMessage());
                if (message.contains("Table \"") && message.contains("not found")
                        || message.contains("Table doesn't exist") || message.contains("Failed to parse query. Table")) {
                    return true;
                }
            }
            return false;
        }
    }

    /** @return a reader over {@code ignite}, a node already in the fleet's topology */
    static FleetReader of(Ignite ignite) {
        return new FleetReader() {
            @Override
            public List<List<?>> sql(String query, Object... args) {
                return MissingTableException.translated(() -> GridSchema.sql(ignite, query, args));
            }

            @Override
            public <T> T model(String key) {
                IgniteCache<String, byte[]> model = ignite.cache(GridNames.MODEL);
                return model == null ? null : Wire.unpack(model.get(key));
            }

            @Override
            public long size(String cache) {
                IgniteCache<?, ?> c = ignite.cache(cache);
                return c == null ? 0 : c.size();
            }

            @Override
            public Collection<ClusterNode> devices() {
                return ignite.cluster().forServers().nodes();
            }
        };
    }
}
