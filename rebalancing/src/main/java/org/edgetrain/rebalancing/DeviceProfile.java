package org.edgetrain.rebalancing;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * A class of device. The relative speed is what the device is expected to do before it has measured itself, and the
 * CPU share an emulated device of this class gets on one host; on a real fleet nothing is throttled.
 *
 * @param name profile name, e.g. {@code rpi4}
 * @param relativeSpeed expected training speed relative to a {@code pc} (1.0); also the emulated CPU share
 * @param heapMegabytes heap to give an emulated device's JVM (less under a memory limit: see {@code DeviceMemory})
 * @param memoryMegabytes what a device of the class may use in all, resident: its memory limit under
 *     {@code cluster up --memory-limit class} (a 1 GB Raspberry Pi keeps the rest for its system)
 */
public record DeviceProfile(String name, double relativeSpeed, int heapMegabytes, int memoryMegabytes) {
    /** Memory of a custom profile that names none. */
    static final int DEFAULT_MEMORY_MEGABYTES = 1024;

    /**
     * Built-in profiles: a desktop PC, a Jetson Nano and a Raspberry Pi 4B (relative CPU training speed). Heaps are
     * what a training device's live data needs with room to spare (measured in bench/RESULTS.md, "Memory").
     */
    public static final Map<String, DeviceProfile> BUILT_IN = Map.of(
            "pc", new DeviceProfile("pc", 1.0, 640, 1024),
            "jetson-nano", new DeviceProfile("jetson-nano", 0.35, 384, 800),
            "rpi4", new DeviceProfile("rpi4", 0.2, 256, 600));

    /** System property naming a properties file of custom profiles ({@code NAME.speed}, {@code NAME.heap-mb}). */
    public static final String PROFILES_PROPERTY = "edgetrain.profiles";

    /** Validates the values. */
    public DeviceProfile {
        if (!(relativeSpeed > 0 && relativeSpeed <= 64) || heapMegabytes < 256 || memoryMegabytes < 256) {
            throw new IllegalArgumentException("profile " + name + " needs 0 < speed <= 64, heap >= 256 MB and memory "
                    + ">= 256 MB, got " + relativeSpeed + ", " + heapMegabytes + " and " + memoryMegabytes);
        }
    }

    /** A profile with {@link #DEFAULT_MEMORY_MEGABYTES} of memory. */
    public DeviceProfile(String name, double relativeSpeed, int heapMegabytes) {
        this(name, relativeSpeed, heapMegabytes, DEFAULT_MEMORY_MEGABYTES);
    }

    /**
     * @return the profile of that name: a custom one from the file named by {@value #PROFILES_PROPERTY}, else built-in
     * @throws IllegalArgumentException naming the choices, or the bad line of the profiles file
     */
    public static DeviceProfile of(String name) {
        Map<String, DeviceProfile> all = new HashMap<>(BUILT_IN);
        String file = System.getProperty(PROFILES_PROPERTY);
        if (file != null) {
            all.putAll(load(Path.of(file)));
        }
        DeviceProfile profile = all.get(name.toLowerCase(Locale.ROOT));
        if (profile == null) {
            throw new IllegalArgumentException("unknown device class '" + name + "': use one of " + new java.util.TreeSet<>(all.keySet())
                    + (file == null ? " (custom classes: -D" + PROFILES_PROPERTY + "=FILE)" : ""));
        }
        return profile;
    }

    /**
     * Reads custom profiles: lines {@code NAME.speed=0.5}, {@code NAME.heap-mb=1024} and {@code NAME.memory-mb=1024}
     * (heap and memory optional, 1024 each).
     *
     * @throws IllegalArgumentException naming the file and the bad entry
     */
    public static Map<String, DeviceProfile> load(Path file) {
        Properties p = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            p.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read device profiles " + file + ": " + e.getMessage());
        }
        Map<String, DeviceProfile> out = new HashMap<>();
        for (String key : p.stringPropertyNames()) {
            if (!key.endsWith(".speed")) {
                continue;
            }
            String name = key.substring(0, key.length() - ".speed".length()).toLowerCase(Locale.ROOT);
            try {
                double speed = Double.parseDouble(p.getProperty(key).trim());
                int heap = Integer.parseInt(p.getProperty(name + ".heap-mb", "1024").trim());
                int memory = Integer.parseInt(p.getProperty(name + ".memory-mb",
                        Integer.toString(DEFAULT_MEMORY_MEGABYTES)).trim());
                out.put(name, new DeviceProfile(name, speed, heap, memory));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ": profile '" + name + "' needs numbers for speed, heap-mb and memory-mb ("
                        + e.getMessage() + ")");
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + " defines no profile: write lines like 'jetson-orin.speed=0.6'");
        }
        return out;
    }
}
