package org.edgetrain.compute.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.util.OptionalInt;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.edgetrain.compute.testing.FleetPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A persistent device whose store an earlier version wrote in other pages (4 KB, before 16 KB pages) starts on it
 * with those pages and keeps what it stored; a new store gets {@link NodeConfigurations#PAGE_SIZE}. Real Ignite
 * nodes, one at a time, in this JVM.
 */
@Timeout(180)
class StoredPageSizeTest {
    private static final int EARLIER_PAGE_SIZE = 4096;

    @TempDir
    Path dir;

    @Test
    void aStoreWrittenInOtherPagesStartsWithThemAndKeepsItsData() throws Exception {
        NodeSettings settings = NodeSettings.fromFile(FleetPorts.nodeFile(dir, 0, "persistence=true\nwork.dir="
                + dir.resolve("work/{name}") + "\n"), "dev0", "pc", 1);
        assertEquals(NodeConfigurations.PAGE_SIZE, NodeConfigurations.pageSize(settings), "no store yet");
        assertNotEquals(EARLIER_PAGE_SIZE, NodeConfigurations.PAGE_SIZE, "the test needs pages other than today's");

        IgniteConfiguration earlier = NodeConfigurations.build(settings);
        earlier.getDataStorageConfiguration().setPageSize(EARLIER_PAGE_SIZE);
        try (Ignite device = Ignition.start(earlier)) {
            FleetActivation.ensureActive(device, 60_000);
            device.getOrCreateCache("kept").put(1, "stored by an earlier version");
            FleetActivation.prepareWholeFleetStop(device);
        }
        assertEquals(OptionalInt.of(EARLIER_PAGE_SIZE), StoredPageSize.in(settings.workDirectory()));

        IgniteConfiguration now = NodeConfigurations.build(settings);
        assertEquals(EARLIER_PAGE_SIZE, now.getDataStorageConfiguration().getPageSize());
        try (Ignite device = Ignition.start(now)) {
            FleetActivation.ensureActive(device, 60_000);
            assertEquals("stored by an earlier version", device.cache("kept").get(1));
            FleetActivation.prepareWholeFleetStop(device);
        }
    }

    @Test
    void aDirectoryWithoutPageFilesHasNoStoredPageSize() throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("db/node/cache-x"));
        java.nio.file.Files.writeString(dir.resolve("db/node/cache-x/part-0.bin"), "not a page file");
        assertEquals(OptionalInt.empty(), StoredPageSize.in(dir));
        assertEquals(OptionalInt.empty(), StoredPageSize.in(dir.resolve("missing")));
    }
}
