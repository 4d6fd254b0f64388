package org.edgetrain.compute.grid;

import java.util.OptionalLong;
import org.edgetrain.model.net.ResNet;
import org.edgetrain.rebalancing.MemoryLimiter;

/**
 * How a device process divides the memory it may use: the JVM heap (fixed when the JVM started), what lives outside
 * both the heap and Ignite (the engine's native memory and code, the JVM's metaspace, code cache, GC tables and thread
 * stacks), and what is left for Ignite's off-heap data region, which holds the device's shards, backups and the
 * fleet's state. Without a memory limit the region may grow to {@link #UNLIMITED_DATA_REGION_BYTES}; under one (a
 * cgroup limit, as {@code docker --memory} or {@code cluster up --memory-limit} sets it) the region gets the rest, so
 * that the process stays below the limit instead of being killed by the kernel mid-round. Immutable.
 *
 * @param limitBytes the process's memory limit, or -1 when it has none
 * @param heapBytes the JVM's maximum heap
 * @param dataRegionMaxBytes the largest Ignite's default data region may grow
 */
public record DeviceMemory(long limitBytes, long heapBytes, long dataRegionMaxBytes) {
    private static final long MB = 1L << 20;
    /** Region ceiling of a device with no memory limit. */
    public static final long UNLIMITED_DATA_REGION_BYTES = 512 * MB;
    /**
     * Memory outside the heap and the data region, measured on an rpi4-class device training ResNet-8 (issue 20's
     * breakdown in bench/RESULTS.md: libtorch's code and tensors, metaspace, code cache, GC tables, stacks).
     */
    public static final long NATIVE_RESERVE_BYTES = 288 * MB;
    /**
     * The most of {@link #NATIVE_RESERVE_BYTES} a training pass's activations may take under a limit; a smaller limit
     * gets a sixteenth of it ({@link #trainingWorkspaceBytes}). Measured: rpi4 and jetson-nano devices in their class
     * limits were killed for memory in ResNet-32's second round with whole batches.
     */
    public static final long MAX_TRAINING_WORKSPACE_BYTES = 64 * MB;
    /** Below this a device could not hold a useful share of the data set beside the fleet's state. */
    public static final long MIN_DATA_REGION_BYTES = 48 * MB;

    /** @return the plan for this JVM under its own cgroup limit (if any) */
    public static DeviceMemory ofThisProcess() {
        return plan(MemoryLimiter.ownLimitBytes(), Runtime.getRuntime().maxMemory());
    }

    /**
     * @param limit the process's memory limit, if any
     * @throws IllegalStateException naming the limit, what takes it and the smallest limit that would do, when the
     *     heap and the native reserve leave the data region less than {@link #MIN_DATA_REGION_BYTES}
     */
    public static DeviceMemory plan(OptionalLong limit, long heapBytes) {
        if (limit.isEmpty()) {
            return new DeviceMemory(-1, heapBytes, UNLIMITED_DATA_REGION_BYTES);
        }
        long region = Math.min(UNLIMITED_DATA_REGION_BYTES, limit.getAsLong() - heapBytes - NATIVE_RESERVE_BYTES);
        if (region < MIN_DATA_REGION_BYTES) {
            throw new IllegalStateException(String.format("this device's memory limit is %d MB, and its heap (%d MB) "
                    + "and the engine and JVM (about %d MB) would leave Ignite's data %d MB, less than the %d MB a "
                    + "device needs: give it at least %d MB (cluster up --memory-limit, docker --memory) or a smaller "
                    + "heap (EDGETRAIN_HEAP)", limit.getAsLong() / MB, heapBytes / MB, NATIVE_RESERVE_BYTES / MB,
                    Math.max(0, region) / MB, MIN_DATA_REGION_BYTES / MB,
                    (heapBytes + NATIVE_RESERVE_BYTES + MIN_DATA_REGION_BYTES) / MB));
        }
        return new DeviceMemory(limit.getAsLong(), heapBytes, region);
    }

    /**
     * The heap to start a device's JVM with under a memory limit: the profile's heap, but at most a sixth of the limit
     * and at least {@link #MIN_LIMITED_HEAP_BYTES}. A heap's pages, once touched, stay resident: an old generation
     * fills with promoted garbage up to its size before a full collection, so a device's resident memory holds its
     * whole heap. What a training rpi4 device kept alive after a full collection was about 40 MB (ResNet-32, 3-device
     * fleet); its heap in use at round ends, garbage included, 60-110 MB.
     */
    public static long heapFor(long limitBytes, long profileHeapBytes) {
        return Math.min(profileHeapBytes, Math.max(MIN_LIMITED_HEAP_BYTES, limitBytes / 6));
    }

    /** The smallest heap {@link #heapFor} gives a device under a memory limit. */
    public static final long MIN_LIMITED_HEAP_BYTES = 96 * MB;

    /** Limits below this get the serial collector ({@link #collectorFlag}). */
    private static final long SERIAL_COLLECTOR_BELOW_BYTES = 1024 * MB;

    /**
     * The garbage collector for a device's JVM: the serial one under a memory limit below 1 GB (the rpi4 and
     * jetson-nano classes' budgets), the parallel one otherwise. The parallel collector's tables and its adaptive
     * survivor spaces (16 MB each with a 48 MB young generation) cost an rpi4 device about 30 MB of its 600; a device
     * of a few tenths of a core gains nothing from collecting on several threads. (The JVM's own ergonomics choose the
     * serial collector on any machine under 1792 MB; a pc device, which also runs the coordinator, keeps the parallel
     * one, having the memory for it.)
     *
     * @param limitBytes the device's memory limit, or -1 for none
     */
    public static String collectorFlag(long limitBytes) {
        return limitBytes >= 0 && limitBytes < SERIAL_COLLECTOR_BELOW_BYTES ? "-XX:+UseSerialGC" : "-XX:+UseParallelGC";
    }

    /**
     * The memory a training pass's activations may take: a sixteenth of the limit, at most
     * {@link #MAX_TRAINING_WORKSPACE_BYTES} (rpi4 37.5 MB, jetson-nano 50 MB, pc 64 MB in their class limits). Why
     * scaled: on an rpi4 in 600 MB, ResNet-8's batch of 64 in two passes of 32 instead of one took 27 MB off the bare
     * engine's peak at the same images/s (bench/RESULTS.md, "The training workspace"), the margin its budget lacked.
     *
     * @return the workspace, or {@link Long#MAX_VALUE} without a limit
     */
    public long trainingWorkspaceBytes() {
        return limitBytes < 0 ? Long.MAX_VALUE : Math.min(MAX_TRAINING_WORKSPACE_BYTES, limitBytes / 16);
    }

    /**
     * @return how many images of {@code model} one training pass may hold on this device: no bound without a memory
     *     limit, else as many as {@link #trainingWorkspaceBytes} holds (at least 4)
     */
    public int imagesPerPass(String model) {
        if (limitBytes < 0) {
            return Integer.MAX_VALUE;
        }
        return (int) Math.max(4, trainingWorkspaceBytes() / ResNet.activationBytesPerImage(model));
    }

    @Override
    public String toString() {
        return limitBytes < 0 ? String.format("no memory limit; heap %d MB, data region up to %d MB", heapBytes / MB,
                dataRegionMaxBytes / MB)
                : String.format("memory limit %d MB: heap %d MB, engine and JVM ~%d MB, data region up to %d MB",
                limitBytes / MB, heapBytes / MB, NATIVE_RESERVE_BYTES / MB, dataRegionMaxBytes / MB);
    }
}
