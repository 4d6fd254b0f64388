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
     * The part of {@link #NATIVE_RESERVE_BYTES} a training pass's activations may take under a limit: ResNet-8's batch
     * of 64 fits it (75 images), ResNet-32's goes in passes of at most 18 images ({@link #imagesPerPass}). Measured: rpi4 and
     * jetson-nano devices in their class limits were killed for memory in ResNet-32's second round with whole batches.
     */
    public static final long TRAINING_WORKSPACE_BYTES = 64 * MB;
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
     * The heap to start a device's JVM with under a memory limit: the profile's heap, but at most 25 % of the limit
     * (the heap a training device used, garbage included, was 90-110 MB on an rpi4 and 140-180 MB on a jetson-nano;
     * the rest of the limit is the engine's and Ignite's).
     */
    public static long heapFor(long limitBytes, long profileHeapBytes) {
        return Math.min(profileHeapBytes, Math.max(160 * MB, limitBytes / 4));
    }

    /**
     * @return how many images of {@code model} one training pass may hold on this device: no bound without a memory
     *     limit, else as many as {@link #TRAINING_WORKSPACE_BYTES} holds (at least 4)
     */
    public int imagesPerPass(String model) {
        if (limitBytes < 0) {
            return Integer.MAX_VALUE;
        }
        return (int) Math.max(4, TRAINING_WORKSPACE_BYTES / ResNet.activationBytesPerImage(model));
    }

    @Override
    public String toString() {
        return limitBytes < 0 ? String.format("no memory limit; heap %d MB, data region up to %d MB", heapBytes / MB,
                dataRegionMaxBytes / MB)
                : String.format("memory limit %d MB: heap %d MB, engine and JVM ~%d MB, data region up to %d MB",
                limitBytes / MB, heapBytes / MB, NATIVE_RESERVE_BYTES / MB, dataRegionMaxBytes / MB);
    }
}
