package org.edgetrain.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScaleBenchmarkTest {
    @Test
    void fleetsKeepThePublishedSystemsMix() {
        assertEquals(List.of("pc", "jetson-nano", "rpi4"), ScaleBenchmark.paperMix(3));
        assertMix(ScaleBenchmark.paperMix(11), 1, 2, 8);
        assertMix(ScaleBenchmark.paperMix(22), 2, 4, 16);
        assertMix(ScaleBenchmark.paperMix(32), 3, 6, 23);
    }

    @Test
    void aFleetTooSmallForTheMixIsRefusedWithItsSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScaleBenchmark.paperMix(2));
        assertTrue(e.getMessage().contains("at least 3 devices, got 2"), e.getMessage());
    }

    private static void assertMix(List<String> devices, int pcs, int jetsons, int rpis) {
        assertEquals(pcs, Collections.frequency(devices, "pc"), devices.toString());
        assertEquals(jetsons, Collections.frequency(devices, "jetson-nano"), devices.toString());
        assertEquals(rpis, Collections.frequency(devices, "rpi4"), devices.toString());
    }
}
