package org.edgetrain.compute.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.grid.EventKind;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.grid.Reconnects;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.compute.training.ModelState;

/**
 * The waits cluster tests share: each polls a condition the fleet makes true, with a deadline, and fails naming what
 * never happened. Polling stands in for no synchronization: it reads state the fleet commits.
 */
public final class Waits {
    private static final long POLL_MILLIS = 100;

    private Waits() {
    }

    /** Waits until {@code condition} holds; fails with {@code what} after {@code seconds}. */
    public static void until(String what, long seconds, BooleanSupplier condition) {
        until(() -> what, seconds, condition);
    }

    /** The same, with a description built when it fails (it may read the fleet). */
    public static void until(Supplier<String> what, long seconds, BooleanSupplier condition) {
        long deadline = System.currentTimeMillis() + seconds * 1000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                fail("not within " + seconds + " s: " + what.get());
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for: " + what.get());
            }
        }
    }

    /** Waits until model {@code version} is committed. */
    public static void version(Ignite ignite, long version) {
        until("model version " + version + " committed", 120,
                () -> Reconnects.read(ignite, JobSubmitter::current).version() >= version);
    }

    /** Waits until the EVENTS table holds a {@code kind} event. */
    public static void event(Ignite ignite, EventKind kind) {
        until(() -> "a " + kind + " event; events so far: " + events(ignite), 120,
                () -> count(ignite, "SELECT COUNT(*) FROM EVENTS WHERE KIND = ?", kind.name()) > 0);
    }

    /** Waits until the stored job has finished. @return its final state */
    public static ModelState finished(Ignite ignite, long seconds) {
        ModelState[] last = new ModelState[1];
        until(() -> "the job finished; it stands at " + describe(last[0]), seconds, () -> {
            last[0] = Reconnects.read(ignite, JobSubmitter::current);
            return last[0] != null && last[0].finished();
        });
        return last[0];
    }

    /** @return the single number {@code query} returns, read across reconnections of the test's client */
    public static long count(Ignite ignite, String query, Object... args) {
        return Reconnects.read(ignite, i -> ((Number) GridSchema.sql(i, query, args).get(0).get(0)).longValue());
    }

    /** @return the EVENTS table, oldest first, one line per event (for failure messages) */
    public static String events(Ignite ignite) {
        StringBuilder out = new StringBuilder();
        GridSchema.sql(ignite, "SELECT AT, KIND, DEVICE, DETAIL FROM EVENTS ORDER BY AT").forEach(row ->
                out.append('\n').append(row.get(0)).append(' ').append(row.get(1)).append(' ').append(row.get(2))
                        .append(' ').append(row.get(3)));
        return out.toString();
    }

    private static String describe(ModelState state) {
        return state == null ? "no job" : "epoch " + state.epoch() + ", round " + state.round() + ", v" + state.version();
    }
}
