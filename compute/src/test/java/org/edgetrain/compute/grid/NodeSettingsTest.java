package org.edgetrain.compute.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeSettingsTest {
    private static final String BASE = "discovery.addresses=127.0.0.1:47500..47519\nlocal.address=127.0.0.1\n"
            + "discovery.port=47500\ncommunication.port=47100\nclient.port=10800\nbackups=1\n";

    @TempDir
    Path dir;

    private Path config(String extra) throws IOException {
        return Files.writeString(dir.resolve("node.properties"), BASE + extra);
    }

    @Test
    void threadPoolsFollowTheCoresADeviceMayUse() {
        assertEquals(new NodeConfigurations.Pools(4, 2), NodeConfigurations.Pools.of(1), "an rpi4 under a 0.2 core quota");
        assertEquals(new NodeConfigurations.Pools(4, 4), NodeConfigurations.Pools.of(4), "a Raspberry Pi 4's four cores");
        assertEquals(new NodeConfigurations.Pools(8, 8), NodeConfigurations.Pools.of(32), "never Ignite's server sizes");
    }

    @Test
    void theBuiltConfigurationTakesThePoolsAndThePageSize() throws IOException {
        IgniteConfiguration cfg = NodeConfigurations.build(NodeSettings.fromFile(config(""), "pc-1", "pc", 1));
        NodeConfigurations.Pools pools = NodeConfigurations.Pools.of(Runtime.getRuntime().availableProcessors());
        assertEquals(pools.jobs(), cfg.getPublicThreadPoolSize());
        assertEquals(pools.striped(), cfg.getStripedPoolSize());
        assertEquals(16 * 1024, cfg.getDataStorageConfiguration().getPageSize());
    }

    @Test
    void failureDetectionDefaultsToFiveSecondsAndReachesIgnite() throws IOException {
        NodeSettings settings = NodeSettings.fromFile(config(""), "pc-1", "pc", 1);
        assertEquals(NodeSettings.DEFAULT_FAILURE_DETECTION_MILLIS, settings.failureDetectionMillis());
        IgniteConfiguration cfg = NodeConfigurations.build(settings);
        assertEquals(5_000, cfg.getFailureDetectionTimeout());
        assertEquals(10_000, cfg.getClientFailureDetectionTimeout());
    }

    @Test
    void failureDetectionIsConfigurableForSlowFleets() throws IOException {
        NodeSettings settings = NodeSettings.fromFile(config("failure.detection.millis=30000\n"), "rpi4-1", "rpi4", 0.1);
        assertEquals(30_000, settings.failureDetectionMillis());
        assertEquals(30_000, NodeConfigurations.build(settings).getFailureDetectionTimeout());
        // Derived settings keep it.
        assertEquals(30_000, settings.asClient("tool").failureDetectionMillis());
    }

    @Test
    void badFailureDetectionNamesTheKeyAndTheFile() throws IOException {
        Path notANumber = config("failure.detection.millis=soon\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NodeSettings.fromFile(notANumber, "pc-1", "pc", 1));
        assertTrue(e.getMessage().contains("failure.detection.millis") && e.getMessage().contains(notANumber.toString()),
                e.getMessage());
        Path tooShort = config("failure.detection.millis=10\n");
        e = assertThrows(IllegalArgumentException.class, () -> NodeSettings.fromFile(tooShort, "pc-1", "pc", 1));
        assertTrue(e.getMessage().contains("at least 1000"), e.getMessage());
    }

    @Test
    void aClientPortRangeThatOverlapsAnotherNamesBothKeys() throws IOException {
        Path file = Files.writeString(dir.resolve("overlap.properties"), "discovery.addresses=127.0.0.1:47500..47519\n"
                + "local.address=127.0.0.1\ndiscovery.port=47500\ncommunication.port=47100\nclient.port=47480\nbackups=1\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NodeSettings.fromFile(file, "pc-1", "pc", 1));
        assertTrue(e.getMessage().contains("discovery.port (47500..47547) overlaps client.port (47480..47529)"),
                e.getMessage());
        // The shipped configurations keep the three ranges apart.
        for (String shipped : new String[] {"loopback", "lan", "docker"}) {
            NodeSettings.fromFile(Path.of("..", "ignite-config", shipped + ".properties"), "pc-1", "pc", 1);
        }
    }

    @Test
    void missingKeyNamesItAndTheExample() throws IOException {
        Path file = Files.writeString(dir.resolve("broken.properties"), "local.address=127.0.0.1\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NodeSettings.fromFile(file, "pc-1", "pc", 1));
        assertTrue(e.getMessage().contains("discovery.addresses") && e.getMessage().contains("loopback.properties"),
                e.getMessage());
    }
}
