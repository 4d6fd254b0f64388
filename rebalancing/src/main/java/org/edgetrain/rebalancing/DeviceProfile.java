package org.edgetrain.rebalancing;

import java.util.Locale;
import java.util.Map;

/**
 * A class of device. The relative speed is what the device is expected to do before it has measured itself;
 * once it trains, its measured throughput takes over. On one host, profiles also say how to throttle an
 * emulated device; on a real fleet nothing is throttled.
 *
 * @param name profile name, e.g. {@code rpi4}
 * @param relativeSpeed expected training speed relative to a {@code pc} (1.0)
 * @param heapMegabytes heap to give an emulated device's JVM
 */
public record DeviceProfile(String name, double relativeSpeed, int heapMegabytes) {
    /** Built-in profiles: a desktop PC, a Jetson Nano and a Raspberry Pi 4B (relative CPU training speed). */
    public static final Map<String, DeviceProfile> BUILT_IN = Map.of(
            "pc", new DeviceProfile("pc", 1.0, 1536),
            "jetson-nano", new DeviceProfile("jetson-nano", 0.35, 1024),
            "rpi4", new DeviceProfile("rpi4", 0.2, 1024));

    /**
     * @return the built-in profile of that name
     * @throws IllegalArgumentException naming the choices
     */
    public static DeviceProfile of(String name) {
        DeviceProfile profile = BUILT_IN.get(name.toLowerCase(Locale.ROOT));
        if (profile == null) {
            throw new IllegalArgumentException("unknown device class '" + name + "': use pc, jetson-nano or rpi4");
        }
        return profile;
    }
}
