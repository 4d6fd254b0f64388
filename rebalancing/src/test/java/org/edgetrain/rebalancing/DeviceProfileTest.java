package org.edgetrain.rebalancing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceProfileTest {
    @TempDir
    Path dir;

    @Test
    void customProfilesComeFromAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("profiles.properties"), "jetson-orin.speed=0.6\njetson-orin.heap-mb=2048\nrpi5.speed=0.3\nrpi5.memory-mb=700\n");

        Map<String, DeviceProfile> profiles = DeviceProfile.load(file);

        assertEquals(new DeviceProfile("jetson-orin", 0.6, 2048, 1024), profiles.get("jetson-orin"));
        assertEquals(new DeviceProfile("rpi5", 0.3, 1024, 700), profiles.get("rpi5"));
    }

    @Test
    void badProfilesNameTheProblem() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.properties"), "fast.speed=quick\n");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceProfile.load(file));

        assertTrue(e.getMessage().contains("profile 'fast' needs numbers"), e.getMessage());
    }

    @Test
    void unknownClassListsTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceProfile.of("toaster"));

        assertTrue(e.getMessage().contains("[jetson-nano, pc, rpi4]"), e.getMessage());
    }
}
