package org.edgetrain.compute.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class DeviceMemoryTest {
    private static final long MB = 1L << 20;

    @Test
    void withoutALimitTheRegionMayGrowToItsCeiling() {
        DeviceMemory plan = DeviceMemory.plan(OptionalLong.empty(), 256 * MB);
        assertEquals(-1, plan.limitBytes());
        assertEquals(DeviceMemory.UNLIMITED_DATA_REGION_BYTES, plan.dataRegionMaxBytes());
    }

    @Test
    void underALimitTheRegionGetsWhatHeapAndEngineLeave() {
        DeviceMemory rpi4 = DeviceMemory.plan(OptionalLong.of(600 * MB), 180 * MB);
        assertEquals(600 * MB - 180 * MB - DeviceMemory.NATIVE_RESERVE_BYTES, rpi4.dataRegionMaxBytes());
        DeviceMemory big = DeviceMemory.plan(OptionalLong.of(8192 * MB), 1024 * MB);
        assertEquals(DeviceMemory.UNLIMITED_DATA_REGION_BYTES, big.dataRegionMaxBytes(), "never above the ceiling");
    }

    @Test
    void aLimitTooSmallIsRefusedWithTheSizeThatWouldDo() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DeviceMemory.plan(OptionalLong.of(400 * MB), 160 * MB));
        long needed = (160 * MB + DeviceMemory.NATIVE_RESERVE_BYTES + DeviceMemory.MIN_DATA_REGION_BYTES) / MB;
        assertTrue(e.getMessage().contains("memory limit is 400 MB") && e.getMessage().contains("at least " + needed
                + " MB"), e.getMessage());
    }

    @Test
    void underALimitABigNetworkTrainsInPassesThatFitTheWorkspace() {
        assertEquals(Integer.MAX_VALUE, DeviceMemory.plan(OptionalLong.empty(), 256 * MB).imagesPerPass("resnet32"));
        DeviceMemory rpi4 = DeviceMemory.plan(OptionalLong.of(600 * MB), 100 * MB);
        assertEquals(600 * MB / 16, rpi4.trainingWorkspaceBytes(), "a sixteenth of the limit");
        int resnet8 = rpi4.imagesPerPass("resnet8");
        assertTrue(resnet8 >= 32 && resnet8 < 64, "ResNet-8's batch of 64 in two passes of 32, got " + resnet8);
        assertEquals(10, rpi4.imagesPerPass("resnet32"));
        assertEquals(4, rpi4.imagesPerPass("resnet1202"), "never fewer than 4 images");
        DeviceMemory pc = DeviceMemory.plan(OptionalLong.of(1024 * MB), 170 * MB);
        assertEquals(DeviceMemory.MAX_TRAINING_WORKSPACE_BYTES, pc.trainingWorkspaceBytes(), "at most the ceiling");
        assertTrue(pc.imagesPerPass("resnet8") >= 64, "a pc trains ResNet-8's batch of 64 in one pass");
        assertEquals(18, pc.imagesPerPass("resnet32"));
    }

    @Test
    void theHeapShrinksToASixthOfTheLimitButNotBelowItsFloor() {
        assertEquals(800 * MB / 6, DeviceMemory.heapFor(800 * MB, 384 * MB));
        assertEquals(100 * MB, DeviceMemory.heapFor(600 * MB, 256 * MB));
        assertEquals(256 * MB, DeviceMemory.heapFor(4096 * MB, 256 * MB), "never above the profile's");
        assertEquals(96 * MB, DeviceMemory.heapFor(300 * MB, 256 * MB), "a sixth, but not below 96 MB");
    }

    @Test
    void aDeviceUnderALimitBelowOneGigabyteUsesTheSerialCollector() {
        assertEquals("-XX:+UseSerialGC", DeviceMemory.collectorFlag(600 * MB));
        assertEquals("-XX:+UseSerialGC", DeviceMemory.collectorFlag(800 * MB));
        assertEquals("-XX:+UseParallelGC", DeviceMemory.collectorFlag(1024 * MB));
        assertEquals("-XX:+UseParallelGC", DeviceMemory.collectorFlag(2048 * MB));
        assertEquals("-XX:+UseParallelGC", DeviceMemory.collectorFlag(-1), "no limit");
    }
}
