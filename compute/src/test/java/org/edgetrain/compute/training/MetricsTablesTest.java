package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.testing.Fleets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The metrics tables are created by whichever node gets there first (a device's flap detector on a join, a tool's
 * data load, the status page); several at once must all succeed and leave every table usable on every node. In CI
 * a data load failed with "Table doesn't exist: DEVICE_ROUNDS" while a device created the tables at the same time.
 */
@Timeout(180)
class MetricsTablesTest {
    @Test
    void nodesCreatingTheTablesAtOnceAllSucceedAndEveryTableIsUsableEverywhere() throws Exception {
        Fleets.runWithNewFleet(3, fleet -> {
            List<Ignite> nodes = new ArrayList<>();
            fleet.devices().forEach(d -> nodes.add(fleet.node(d)));
            nodes.add(fleet.client());
            // Three times over, from no tables: one attempt rarely hits the race (twice it did not), three hit it in 2 of
            // 2 runs without ensureTables' waiting ("Table doesn't exist: DEVICE_ROUNDS").
            for (int attempt = 0; attempt < 3; attempt++) {
                if (attempt > 0) {
                    for (String table : TABLES) {
                        GridSchema.sql(nodes.get(0), "DROP TABLE IF EXISTS " + table);
                    }
                }
                createAtOnce(nodes);
            }
            for (Ignite node : nodes) {
                for (String table : TABLES) {
                    assertEquals(List.of(List.of(0L)), GridSchema.sql(node, "SELECT COUNT(*) FROM " + table),
                            table + " on " + node.name());
                }
                assertEquals(List.of(), GridSchema.sql(node, "SELECT RESIDENT_MB FROM DEVICE_ROUNDS"),
                        "DEVICE_ROUNDS has its newest column on " + node.name());
            }
        });
    }

    private static final List<String> TABLES = List.of("ROUNDS", "DEVICE_ROUNDS", "EVALS", "EVENTS", "QUARANTINE");

    /** Every node runs {@link GridSchema#ensureTables} at the same moment; rethrows what any of them threw. */
    private static void createAtOnce(List<Ignite> nodes) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(nodes.size());
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> creators = new ArrayList<>();
            for (Ignite node : nodes) {
                creators.add(pool.submit(() -> {
                    go.await();
                    GridSchema.ensureTables(node);
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> creator : creators) {
                creator.get(120, TimeUnit.SECONDS); // throws what ensureTables threw
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
