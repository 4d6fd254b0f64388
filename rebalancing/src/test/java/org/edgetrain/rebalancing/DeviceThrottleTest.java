package org.edgetrain.rebalancing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeviceThrottleTest {
    @AfterEach
    void unthrottle() {
        System.clearProperty(DeviceThrottle.PROPERTY);
    }

    @Test
    void aStepThatWaitedWithoutWorkingIsNotPaidForWithAPause() throws InterruptedException {
        System.setProperty(DeviceThrottle.PROPERTY, "0.05");
        long mark = DeviceThrottle.mark();
        Thread.sleep(300); // the step's wait: for the CPU, another device, the network; no CPU used
        long before = System.nanoTime();
        DeviceThrottle.pauseAfter(mark);
        double pausedSeconds = (System.nanoTime() - before) / 1e9;
        // by wall-clock time the pause would be 300 ms x 19 = 5.7 s; by CPU time it is the little this JVM did meanwhile
        assertTrue(pausedSeconds < 2.0, "paused " + pausedSeconds + " s after a step that used almost no CPU");
    }

    @Test
    void aStepThatWorkedPausesInProportionToTheShare() {
        System.setProperty(DeviceThrottle.PROPERTY, "0.5");
        long mark = DeviceThrottle.mark();
        long cpuStart = DeviceThrottle.mark();
        double sink = 0;
        while (DeviceThrottle.mark() - cpuStart < 100_000_000L) { // 100 ms of this process's CPU
            sink += Math.sqrt(sink + 1);
        }
        long before = System.nanoTime();
        DeviceThrottle.pauseAfter(mark);
        double pausedSeconds = (System.nanoTime() - before) / 1e9;
        assertTrue(pausedSeconds >= 0.1 && sink > 0, "at half a core, 100 ms of work is followed by at least 100 ms "
                + "of pause, paused " + pausedSeconds + " s");
    }

    @Test
    void anUnthrottledProcessNeverPauses() {
        assertEquals(1.0, DeviceThrottle.share());
        System.setProperty(DeviceThrottle.PROPERTY, "1.5");
        assertEquals(1.0, DeviceThrottle.share(), "a share above one core is no throttle");
    }
}
