package org.edgetrain.compute.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.testing.ProcessFleet;
import org.edgetrain.compute.testing.TestJobs;
import org.edgetrain.compute.testing.Waits;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.compute.training.ModelState;
import org.edgetrain.rebalancing.DeviceProfile;
import org.edgetrain.rebalancing.MemoryLimiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Devices in memory limits as {@code docker --memory} sets them: real device JVMs in cgroup memory groups. */
class MemoryLimitTest {
    @Test
    @Timeout(600)
    void devicesInTheirClassesMemoryLimitsTrainAWholeEpochAndNoneIsKilled(@TempDir Path dir) throws Exception {
        MemoryLimiter limiter = MemoryLimiter.detect();
        assumeTrue(limiter != null, "needs a writable cgroup v1 memory controller (root)");
        try (ProcessFleet fleet = ProcessFleet.startMemoryLimited(dir, LocalFleet.MemoryLimit.BY_CLASS,
                List.of("pc", "rpi4"))) {
            for (LocalFleet.Device device : fleet.processes().devices()) {
                int megabytes = DeviceProfile.of(device.deviceClass()).memoryMegabytes();
                assertTrue(device.limit().endsWith(", " + megabytes + " MB"), device.limit());
            }
            fleet.loadSynthetic(1000, 500, 31);
            Ignite client = fleet.client();
            JobSubmitter.submit(client, TestJobs.small("limited", "resnet8", 1, 2, 31).build());

            ModelState end = Waits.finished(client, 420);

            assertEquals(5000, end.samplesCommitted(), "the whole epoch of 5,000 samples, none skipped or repeated");
            assertEquals(1, Waits.count(client, "SELECT COUNT(*) FROM EVALS WHERE EPOCH = 1"), "and evaluated");
            for (LocalFleet.Device device : fleet.processes().devices()) {
                assertTrue(device.alive(), device.name() + " is still running");
                assertEquals(0, limiter.oomKills(device.name()), device.name() + " was never killed for memory");
            }
            List<List<?>> peaks = GridSchema.sql(client, "SELECT DEVICE_CLASS, MAX(RESIDENT_MB) FROM DEVICE_ROUNDS "
                    + "WHERE SAMPLES > 0 GROUP BY DEVICE_CLASS");
            assertEquals(2, peaks.size(), peaks.toString());
            for (List<?> row : peaks) {
                double peak = ((Number) row.get(1)).doubleValue();
                int limit = DeviceProfile.of((String) row.get(0)).memoryMegabytes();
                // resident counts the engine's shared library pages, which the cgroup charges once for all devices
                assertTrue(peak > 0 && peak < limit + 100, row + " against a limit of " + limit + " MB");
            }
        }
    }

    @Test
    @Timeout(120)
    void aDeviceWhoseLimitCannotHoldItSaysHowMuchItNeedsAndExits(@TempDir Path dir) throws Exception {
        assumeTrue(MemoryLimiter.detect() != null, "needs a writable cgroup v1 memory controller (root)");
        LocalFleet fleet = LocalFleet.open(dir, Path.of("unused.properties")).throttled(LocalFleet.Throttle.NONE, 1)
                .memoryLimited(LocalFleet.MemoryLimit.parse("300m"));
        LocalFleet.Device device = fleet.add("rpi4");
        try {
            ProcessHandle.of(device.pid()).ifPresent(h -> h.onExit().orTimeout(90, TimeUnit.SECONDS).join());
            assertFalse(device.alive(), "the device ended by itself");
            String log = Files.readString(Path.of(device.log()));
            assertTrue(log.contains("memory limit is 300 MB") && log.contains("give it at least"), log);
        } finally {
            fleet.down(5);
        }
    }

    @Test
    void limitsAreParsedOrRefusedWithTheChoices() {
        assertEquals(LocalFleet.MemoryLimit.BY_CLASS, LocalFleet.MemoryLimit.parse("class"));
        assertEquals(600, LocalFleet.MemoryLimit.parse("600").megabytes());
        assertEquals(600, LocalFleet.MemoryLimit.parse("600m").megabytes());
        assertEquals(1024, LocalFleet.MemoryLimit.parse("1G").megabytes());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> LocalFleet.MemoryLimit.parse("100m"));
        assertTrue(small.getMessage().contains("at least 256 MB"), small.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LocalFleet.MemoryLimit.parse("lots"));
    }
}
