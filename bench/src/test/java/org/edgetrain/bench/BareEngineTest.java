package org.edgetrain.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.io.Json;
import org.edgetrain.rebalancing.CpuLimiter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench hetero}'s reference: the bare engine in a JVM of its own, started and limited as a device. */
class BareEngineTest {
    @Test
    @Timeout(300)
    void theEngineRunsInItsOwnJvmUnderTheClassQuotaAndReportsItsRate(@TempDir Path dir) throws Exception {
        // duty cycle: the portable mechanism, and one whose effect the process itself states (its system property)
        LocalFleet limited = LocalFleet.open(dir, Path.of("unused.properties")).throttled(LocalFleet.Throttle.DUTY, 1.0);

        double rate = HeteroBenchmark.bareEngine(limited, dir, "rpi4", "resnet8", 2);

        assertTrue(rate > 0, "images/s: " + rate);
        JsonNode json = Json.mapper().readTree(dir.resolve("engine-rpi4.json").toFile());
        assertEquals(1, json.get("threads").asInt(), "one thread, as a device trains");
        assertEquals(64, json.get("batch").asInt());
        assertEquals(rate, json.get("imagesPerSecond").asDouble(), 1e-9);
        assertEquals(0.2, json.get("cpuQuota").asDouble(), 1e-9, "an rpi4's share of a core, as its devices get");
        String console = Files.readString(dir.resolve("engine-rpi4.out"));
        assertTrue(console.contains("1 thread(s)"), console);
        assertTrue(limited.devices().isEmpty(), "the engine is not a device of the fleet");
    }

    @Test
    @Timeout(300)
    void underACgroupQuotaTheEngineReadsTheQuotaItRanUnder(@TempDir Path dir) throws Exception {
        assumeTrue(CpuLimiter.detect() != null, "needs a writable cgroup v1 cpu controller (root)");
        LocalFleet limited = LocalFleet.open(dir, Path.of("unused.properties")).throttled(LocalFleet.Throttle.CGROUP, 0.5);

        double rate = HeteroBenchmark.bareEngine(limited, dir, "jetson-nano", "resnet8", 2);

        assertTrue(rate > 0, "images/s: " + rate);
        JsonNode json = Json.mapper().readTree(dir.resolve("engine-jetson-nano.json").toFile());
        assertEquals(0.175, json.get("cpuQuota").asDouble(), 0.001, "0.35 core x cpu scale 0.5, from its own cgroup");
        assertFalse(Files.exists(Path.of("/sys/fs/cgroup/cpu/edgetrain/engine-jetson-nano")), "its group is released");
    }
}
