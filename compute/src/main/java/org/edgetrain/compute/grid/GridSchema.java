package org.edgetrain.compute.grid;

import java.util.List;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.CacheAtomicityMode;
import org.apache.ignite.cache.CacheMode;
import org.apache.ignite.cache.CacheWriteSynchronizationMode;
import org.apache.ignite.cache.PartitionLossPolicy;
import org.apache.ignite.cache.query.SqlFieldsQuery;
import org.apache.ignite.configuration.CacheConfiguration;
import org.edgetrain.rebalancing.CapabilityAffinityFunction;
import org.edgetrain.rebalancing.StrongestDevicesAffinityFunction;

/**
 * Creates the caches and the metrics tables, idempotently. The SQL DDL states each table's distribution.
 *
 * <p>Metrics tables (all in schema PUBLIC, readable over {@code jdbc:ignite:thin://HOST:10800}):
 * ROUNDS, DEVICE_ROUNDS, EVALS, EVENTS, QUARANTINE; columns in the README. All use the {@value #METRICS_TEMPLATE}
 * template: like the shared state, three copies on the most capable devices. They must survive losing more devices
 * than the data caches have backups, which is exactly when their events matter; replicated on every device, as
 * before, each round's rows waited for the weakest device (2-9 s a round with rpi4s at 0.07 core).
 */
public final class GridSchema {
    /** The cache template of the metrics tables, registered by {@link #ensureTables}. */
    public static final String METRICS_TEMPLATE = "edgetrain_metrics";

    /** One statement of the metrics schema and the table it creates or changes. */
    private record Ddl(String table, String statement) {
    }

    private static final List<Ddl> DDL = List.of(
            new Ddl("ROUNDS",
                    "CREATE TABLE IF NOT EXISTS ROUNDS (ROUND_NO BIGINT PRIMARY KEY, JOB VARCHAR, EPOCH INT, MODEL_VERSION BIGINT,"
                    + " COMMITTED BOOLEAN, DEVICES INT, FAILED INT, SAMPLES BIGINT, TRAIN_LOSS DOUBLE, SECONDS DOUBLE,"
                    + " IMAGES_PER_SECOND DOUBLE, LEARNING_RATE DOUBLE, ENDED_AT TIMESTAMP, LOST_SAMPLES BIGINT)"
                    + " WITH \"template=" + METRICS_TEMPLATE + ",cache_name=sql_rounds\""),
            new Ddl("DEVICE_ROUNDS",
                    "CREATE TABLE IF NOT EXISTS DEVICE_ROUNDS (ROUND_NO BIGINT, DEVICE VARCHAR, DEVICE_CLASS VARCHAR, PARTITIONS INT,"
                    + " SAMPLES BIGINT, SECONDS DOUBLE, IMAGES_PER_SECOND DOUBLE, TRAIN_LOSS DOUBLE, STATUS VARCHAR,"
                    + " HEAP_USED_MB DOUBLE, OFFHEAP_USED_MB DOUBLE, CPU_LOAD DOUBLE, RESIDENT_MB DOUBLE,"
                    + " PRIMARY KEY (ROUND_NO, DEVICE))"
                    + " WITH \"template=" + METRICS_TEMPLATE + ",cache_name=sql_device_rounds\""),
            // Tables of fleets created before the column existed (kept on disk by persistent fleets) gain it here.
            new Ddl("DEVICE_ROUNDS", "ALTER TABLE DEVICE_ROUNDS ADD COLUMN IF NOT EXISTS RESIDENT_MB DOUBLE"),
            new Ddl("DEVICE_ROUNDS", "ALTER TABLE DEVICE_ROUNDS ADD COLUMN IF NOT EXISTS ENGINE VARCHAR"),
            // The model's history as one line: each committed version's parent, and a checksum of its weights, so that a
            // checker finds a version committed twice with different weights (a fork) or one with a stranger parent.
            new Ddl("ROUNDS", "ALTER TABLE ROUNDS ADD COLUMN IF NOT EXISTS PARENT_VERSION BIGINT"),
            new Ddl("ROUNDS", "ALTER TABLE ROUNDS ADD COLUMN IF NOT EXISTS MODEL_CRC BIGINT"),
            // The coordinator's own milliseconds per round, for the cost of a growing fleet (bench hetero).
            new Ddl("ROUNDS", "ALTER TABLE ROUNDS ADD COLUMN IF NOT EXISTS COORDINATOR_MS DOUBLE"),
            // ... and their CPU time: on a host shared with other devices, the wall-clock figure measures the host too.
            new Ddl("ROUNDS", "ALTER TABLE ROUNDS ADD COLUMN IF NOT EXISTS COORDINATOR_CPU_MS DOUBLE"),
            // The device answers each version is made of, for the per-sample audit of the fault checks.
            new Ddl("ROUNDS", "ALTER TABLE ROUNDS ADD COLUMN IF NOT EXISTS ACCEPTED_RESULTS VARCHAR"),
            new Ddl("EVALS",
                    "CREATE TABLE IF NOT EXISTS EVALS (EPOCH INT PRIMARY KEY, JOB VARCHAR, ROUND_NO BIGINT, MODEL_VERSION BIGINT,"
                    + " TEST_ACCURACY DOUBLE, TEST_LOSS DOUBLE, IMAGES BIGINT, AT TIMESTAMP)"
                    + " WITH \"template=" + METRICS_TEMPLATE + ",cache_name=sql_evals\""),
            new Ddl("EVENTS",
                    "CREATE TABLE IF NOT EXISTS EVENTS (ID VARCHAR PRIMARY KEY, AT TIMESTAMP, KIND VARCHAR, DEVICE VARCHAR,"
                    + " DETAIL VARCHAR) WITH \"template=" + METRICS_TEMPLATE + ",cache_name=sql_events\""),
            new Ddl("QUARANTINE",
                    "CREATE TABLE IF NOT EXISTS QUARANTINE (DEVICE VARCHAR PRIMARY KEY, RECENT_FAILURES INT, LAST_FAILURE TIMESTAMP,"
                    + " QUARANTINES INT, UNTIL TIMESTAMP) WITH \"template=" + METRICS_TEMPLATE + ",cache_name=sql_quarantine\""));

    /** How long {@link #ensureTables} waits for a table another node is creating. */
    private static final long DDL_WAIT_MILLIS = 30_000;

    private GridSchema() {
    }

    /**
     * @param weighted true to place partitions in proportion to device capability, false for an equal split
     * @return the configuration of a data cache ({@code train} or {@code test})
     */
    public static CacheConfiguration<Integer, byte[]> dataCache(String name, int backups, boolean weighted) {
        return new CacheConfiguration<Integer, byte[]>(name)
                .setCacheMode(CacheMode.PARTITIONED)
                .setBackups(backups)
                .setAtomicityMode(CacheAtomicityMode.ATOMIC)
                .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC)
                .setAffinity(new CapabilityAffinityFunction(GridNames.DATA_PARTITIONS, weighted))
                // Losing every copy of a partition must stop training, not silently shrink the data set.
                .setPartitionLossPolicy(PartitionLossPolicy.READ_WRITE_SAFE);
    }

    /**
     * Copies of the fleet's shared state (model, progress): the primary and two backups, so that it survives two
     * devices failing at once, one more than the data caches' default.
     */
    public static final int STATE_BACKUPS = 2;

    /**
     * @return the configuration of a small transactional cache of shared state, held by the {@value #STATE_BACKUPS}
     *     + 1 most capable devices (see {@link StrongestDevicesAffinityFunction} for why not every device)
     */
    public static CacheConfiguration<Object, Object> sharedState(String name) {
        return onStrongestDevices(name)
                .setAtomicityMode(CacheAtomicityMode.TRANSACTIONAL)
                // Losing every copy must stop the job with an error, not restart it from an empty model.
                .setPartitionLossPolicy(PartitionLossPolicy.READ_WRITE_SAFE);
    }

    /** @return a cache held, every write in sync, by the {@value #STATE_BACKUPS} + 1 most capable devices */
    private static CacheConfiguration<Object, Object> onStrongestDevices(String name) {
        return new CacheConfiguration<>(name)
                .setCacheMode(CacheMode.PARTITIONED)
                .setBackups(STATE_BACKUPS)
                .setAffinity(new StrongestDevicesAffinityFunction())
                .setWriteSynchronizationMode(CacheWriteSynchronizationMode.FULL_SYNC);
    }

    /** Creates every cache and table that does not exist yet, with capability-weighted placement. */
    public static void ensure(Ignite ignite, int backups) {
        ensure(ignite, backups, true);
    }

    /**
     * Creates every cache and table that does not exist yet. Only a data load should: the data caches' backups and
     * placement are fixed when they are created.
     *
     * @param weighted placement of new data caches: capability-weighted or equal (existing caches keep theirs)
     */
    public static void ensure(Ignite ignite, int backups, boolean weighted) {
        ignite.getOrCreateCache(dataCache(GridNames.TRAIN, backups, weighted));
        ignite.getOrCreateCache(dataCache(GridNames.TEST, backups, weighted));
        ensureShared(ignite);
    }

    /**
     * Creates the shared state (model, progress) and the metrics tables, whose settings are fixed, but not the data
     * caches: what readers (status, job submission) call. Why: the status page created the data caches with one
     * backup before a first `dataset load --backups 2`, and the load then kept the one backup.
     */
    public static void ensureShared(Ignite ignite) {
        ignite.getOrCreateCache(sharedState(GridNames.MODEL));
        ignite.getOrCreateCache(sharedState(GridNames.PROGRESS));
        ensureTables(ignite);
    }

    /** @return the backups of the data caches, or -1 when no data set was ever loaded */
    public static int dataBackups(Ignite ignite) {
        IgniteCache<?, ?> train = ignite.cache(GridNames.TRAIN);
        return train == null ? -1 : train.getConfiguration(CacheConfiguration.class).getBackups();
    }

    /** @return the training records the fleet holds (0 when no data set was ever loaded) */
    public static long trainSize(Ignite ignite) {
        IgniteCache<?, ?> train = ignite.cache(GridNames.TRAIN);
        return train == null ? 0 : train.size();
    }

    /**
     * Creates the metrics tables that do not exist yet (not the data caches, whose backups are the job's choice).
     * Several nodes may do so at once (a device's flap detector on a join, a tool's data load, the status page).
     */
    public static void ensureTables(Ignite ignite) {
        ignite.addCacheConfiguration(onStrongestDevices(METRICS_TEMPLATE).setAtomicityMode(CacheAtomicityMode.ATOMIC));
        IgniteCache<?, ?> sql = sqlCache(ignite);
        long deadline = System.currentTimeMillis() + DDL_WAIT_MILLIS;
        for (Ddl ddl : DDL) {
            while (true) {
                try {
                    sql.query(new SqlFieldsQuery(ddl.statement())).getAll();
                    break;
                } catch (RuntimeException e) {
                    // Another node creating the same table at once fails this node's statement in several ways, none
                    // of which IF NOT EXISTS covers: "already exists" before the table is usable here, "Table doesn't
                    // exist" on the next statement, "Getting affinity for too old topology version" (all three
                    // reproduced by MetricsTablesTest). What matters is the table: wait until it is usable here, then run
                    // the statement again, which is then a no-op or, for the ALTER, finds its table.
                    if (System.currentTimeMillis() > deadline) {
                        throw e;
                    }
                    awaitTable(sql, ddl.table(), deadline, e);
                }
            }
        }
    }

    /** Waits until {@code table} can be queried on this node; at the deadline, throws {@code cause}. */
    private static void awaitTable(IgniteCache<?, ?> sql, String table, long deadline, RuntimeException cause) {
        while (true) {
            try {
                sql.query(new SqlFieldsQuery("SELECT 1 FROM " + table + " WHERE 1 = 0")).getAll();
                return;
            } catch (RuntimeException e) {
                if (System.currentTimeMillis() > deadline) {
                    cause.addSuppressed(e);
                    throw cause;
                }
            }
            try {
                Thread.sleep(50); // polling for the other node's CREATE, with a deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw cause;
            }
        }
    }

    /** @return a cache through which SQL on the PUBLIC schema is run */
    public static IgniteCache<?, ?> sqlCache(Ignite ignite) {
        return ignite.getOrCreateCache(new CacheConfiguration<>("sql_gateway").setSqlSchema(GridNames.SCHEMA)
                .setCacheMode(CacheMode.REPLICATED));
    }

    /** Runs one SQL statement and returns its rows. */
    public static List<List<?>> sql(Ignite ignite, String statement, Object... args) {
        return sqlCache(ignite).query(new SqlFieldsQuery(statement).setArgs(args).setSchema(GridNames.SCHEMA)).getAll();
    }

    /**
     * Appends one row to the EVENTS table. Best effort: an event that cannot be written (the fleet is mid-failure) is
     * logged and dropped rather than failing the caller, whose own work matters more than its record.
     */
    public static void recordEvent(Ignite ignite, EventKind kind, String device, String detail) {
        try {
            sql(ignite, "INSERT INTO EVENTS (ID, AT, KIND, DEVICE, DETAIL) VALUES (?,?,?,?,?)",
                    java.util.UUID.randomUUID().toString(), new java.sql.Timestamp(System.currentTimeMillis()), kind.name(), device,
                    detail);
        } catch (RuntimeException e) {
            org.apache.logging.log4j.LogManager.getLogger(GridSchema.class).warn("could not record event {}: {}", kind,
                    e.toString());
        }
    }
}
