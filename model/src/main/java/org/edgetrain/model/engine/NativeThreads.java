package org.edgetrain.model.engine;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Sets how many threads ND4J and oneDNN use for one engine's math. On small CPUs one thread per training
 * process is the efficient setting (two one-thread processes out-run one two-thread process: see
 * bench/RESULTS.md), so devices default to 1.
 *
 * <p>OpenMP keeps its thread count per calling thread: call {@link #use(int)} on the thread that trains.
 */
public final class NativeThreads {
    private NativeThreads() {
    }

    /**
     * @param threads threads for native math, at least 1
     * @throws IllegalArgumentException when {@code threads < 1}
     */
    public static void use(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
    }
}
