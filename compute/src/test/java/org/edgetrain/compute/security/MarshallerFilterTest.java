package org.edgetrain.compute.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteException;
import org.apache.ignite.Ignition;
import org.apache.ignite.ShutdownPolicy;
import org.apache.ignite.lang.IgniteCallable;
import org.edgetrain.compute.cli.LocalFleet;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device (its own JVM, started as edgetrain cluster starts it) runs Java deserialization only for the classes on
 * the allowlist: a closure of a foreign class is refused before any of its code runs.
 */
@Timeout(300)
class MarshallerFilterTest {
    @TempDir
    Path dir;

    /** @return a job of the project's own packages, sent the same way as the foreign one (a serialized lambda) */
    private static IgniteCallable<String> ownJob() {
        return () -> "ok";
    }

    @Test
    void aDeviceRefusesClassesOutsideTheAllowlist() throws Exception {
        Path config = dir.resolve("fleet.properties");
        Files.writeString(config, "discovery.addresses=127.0.0.1:49500..49504\nlocal.address=127.0.0.1\n"
                + "discovery.port=49500\ncommunication.port=49550\nclient.port=49520\nbackups=1\n");
        LocalFleet fleet = LocalFleet.open(dir.resolve("fleet"), config).throttled(LocalFleet.Throttle.NONE, 1);
        try {
            fleet.add("pc");
            NodeSettings client = NodeSettings.fromFile(config, "test-client", "client", 0).asClient();
            try (Ignite ignite = Ignition.start(NodeConfigurations.build(client))) {
                long deadline = System.currentTimeMillis() + 120_000;
                while (ignite.cluster().forServers().nodes().isEmpty()) {
                    assertTrue(System.currentTimeMillis() < deadline, "the device did not join");
                    Thread.sleep(200); // polling the topology with a deadline
                }
                assertEquals("ok", ignite.compute(ignite.cluster().forServers()).call(ownJob()));

                IgniteException refused = assertThrows(IgniteException.class,
                        () -> ignite.compute(ignite.cluster().forServers()).call(stranger.ForeignClosures.job()));
                assertTrue(causes(refused).contains("Deserialization of class stranger.ForeignClosures is disallowed"),
                        causes(refused));
                ignite.cluster().shutdownPolicy(ShutdownPolicy.IMMEDIATE); // the whole fleet stops next
            }
        } finally {
            fleet.down(20);
        }
    }

    private static String causes(Throwable e) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            out.append(t).append('\n');
        }
        return out.toString();
    }
}
