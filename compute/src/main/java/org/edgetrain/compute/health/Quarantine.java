package org.edgetrain.compute.health;

import java.sql.Timestamp;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.settings.SystemProperty;

/**
 * Quarantine of flapping devices: a device that crashed {@link #FLAP_FAILURES} times within {@link #FLAP_WINDOW_MILLIS}
 * gets no training work for a while after its next join, and each new quarantine lasts twice as long as the one
 * before ({@code base x 2^(n-1)}; base 60 s, or property {@code edgetrain.quarantine.seconds}). Its data stays where
 * Ignite put it: the coordinator has its partitions trained by their backup owners meanwhile.
 *
 * <p>The record lives in the replicated SQL table QUARANTINE (DEVICE, RECENT_FAILURES, LAST_FAILURE, QUARANTINES,
 * UNTIL), so it survives the coordinator moving and can be queried like the other metrics. Stateless; thread-safe.
 */
public final class Quarantine {
    /** Crashes within the window that make a device flapping. */
    public static final int FLAP_FAILURES = 2;
    /** Window in which crashes are counted. */
    public static final long FLAP_WINDOW_MILLIS = 10 * 60_000;

    private Quarantine() {
    }

    /** Records a crash (not a graceful leave) of {@code device} at {@code at}. */
    public static void failed(Ignite ignite, String device, long at) {
        List<List<?>> rows = GridSchema.sql(ignite,
                "SELECT RECENT_FAILURES, LAST_FAILURE, QUARANTINES, UNTIL FROM QUARANTINE WHERE DEVICE = ?", device);
        int recent = 1;
        int quarantines = 0;
        Timestamp until = null;
        if (!rows.isEmpty()) {
            List<?> row = rows.get(0);
            Timestamp last = (Timestamp) row.get(1);
            recent = last != null && at - last.getTime() <= FLAP_WINDOW_MILLIS ? ((Number) row.get(0)).intValue() + 1 : 1;
            quarantines = ((Number) row.get(2)).intValue();
            until = (Timestamp) row.get(3);
        }
        GridSchema.sql(ignite, "MERGE INTO QUARANTINE (DEVICE, RECENT_FAILURES, LAST_FAILURE, QUARANTINES, UNTIL) "
                + "VALUES (?, ?, ?, ?, ?)", device, recent, new Timestamp(at), quarantines, until);
    }

    /**
     * Called when {@code device} joins: quarantines it if it has been flapping.
     *
     * @return a description of the new quarantine, or null when the device may work
     */
    public static String joined(Ignite ignite, String device, long at) {
        List<List<?>> rows = GridSchema.sql(ignite,
                "SELECT RECENT_FAILURES, QUARANTINES FROM QUARANTINE WHERE DEVICE = ?", device);
        if (rows.isEmpty() || ((Number) rows.get(0).get(0)).intValue() < FLAP_FAILURES) {
            return null;
        }
        int quarantines = ((Number) rows.get(0).get(1)).intValue() + 1;
        long seconds = baseSeconds() << Math.min(quarantines - 1, 20);
        Timestamp until = new Timestamp(at + seconds * 1000);
        // Counting starts again: the next quarantine needs new crashes, and will last twice as long.
        GridSchema.sql(ignite, "UPDATE QUARANTINE SET RECENT_FAILURES = 0, QUARANTINES = ?, UNTIL = ? WHERE DEVICE = ?",
                quarantines, until, device);
        return String.format("%s crashed %d times within %d min: no training work for %d s, until %s (quarantine #%d)",
                device, ((Number) rows.get(0).get(0)).intValue(), FLAP_WINDOW_MILLIS / 60_000, seconds, until, quarantines);
    }

    /** @return devices in quarantine at {@code at} */
    public static Set<String> active(Ignite ignite, long at) {
        Set<String> out = new TreeSet<>();
        for (List<?> row : GridSchema.sql(ignite, "SELECT DEVICE FROM QUARANTINE WHERE UNTIL > ?", new Timestamp(at))) {
            out.add((String) row.get(0));
        }
        return out;
    }

    static long baseSeconds() {
        return SystemProperty.QUARANTINE_SECONDS.longValue();
    }
}
