package org.edgetrain.compute.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteException;
import org.apache.ignite.lang.IgniteCallable;
import org.edgetrain.compute.testing.Fleets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A device (its own JVM, started as edgetrain cluster starts it) runs Java deserialization only for the classes on
 * the allowlist: a closure of a foreign class is refused before any of its code runs.
 */
@Timeout(300)
class MarshallerFilterTest {

    /** @return a job of the project's own packages, sent the same way as the foreign one (a serialized lambda) */
    private static IgniteCallable<String> ownJob() {
        return () -> "ok";
    }

    @Test
    void aDeviceRefusesClassesOutsideTheAllowlist() throws Exception {
        Fleets.runWithNewFleet(List.of("pc"), fleet -> {
            Ignite ignite = fleet.client();
            assertEquals("ok", ignite.compute(ignite.cluster().forServers()).call(ownJob()));

            IgniteException refused = assertThrows(IgniteException.class,
                    () -> ignite.compute(ignite.cluster().forServers()).call(stranger.ForeignClosures.job()));
            assertTrue(causes(refused).contains("Deserialization of class stranger.ForeignClosures is disallowed"),
                    causes(refused));
        });
    }

    private static String causes(Throwable e) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            out.append(t).append('\n');
        }
        return out.toString();
    }
}
