package org.edgetrain.compute.faults;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * SQL over the JDBC thin driver with a deadline on the whole call, for devices on either side of a network cut.
 *
 * <p>Why: the driver's {@code connectionTimeout} bounds the TCP connect and, once the connection is made, each read;
 * the handshake between the two has no timeout at all (Ignite 2.17 sets the socket's read timeout only after it). A
 * device reorganizing after a cut can accept the connection and not answer the handshake, and CI saw a harness thread
 * wait there until the hung-test guard killed the run. Each call runs on a daemon thread that the caller stops waiting
 * for at the deadline; a thread left in a read is freed when the device answers or its process ends (its socket is
 * then closed by the kernel), so at most a few are ever left, and none outlives the fleet.
 *
 * <p>Thread-safe; calls are independent.
 */
final class BoundedSql {
    private static final ExecutorService CALLS = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "bounded-sql");
        thread.setDaemon(true);
        return thread;
    });

    /** What to do with a statement; its result must not hold on to the statement or its connection. */
    @FunctionalInterface
    interface Work<T> {
        T run(Statement statement) throws SQLException;
    }

    private BoundedSql() {
    }

    /**
     * @return what {@code work} gave on a fresh connection to {@code url}, or empty when the device did not answer
     *     within {@code deadline} or the call failed (a side of a cut that cannot answer now is asked again later)
     */
    static <T> Optional<T> ask(String url, Duration deadline, Work<T> work) throws InterruptedException {
        Future<T> call = CALLS.submit(() -> {
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                s.setQueryTimeout(Math.max(1, (int) deadline.toSeconds()));
                return work.run(s);
            }
        });
        try {
            return Optional.ofNullable(call.get(deadline.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException | ExecutionException e) {
            call.cancel(true);
            return Optional.empty();
        }
    }
}
