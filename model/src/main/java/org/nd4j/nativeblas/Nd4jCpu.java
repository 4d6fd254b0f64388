package org.nd4j.nativeblas;

/**
 * Compatibility shim that makes DeepLearning4J 1.0.0-M2.1's oneDNN layer helpers reachable.
 *
 * <p>Why it exists: DL4J's {@code BaseMKLDNNHelper.mklDnnEnabled()} decides whether oneDNN may be used by
 * reflectively loading {@code org.nd4j.nativeblas.Nd4jCpu$Environment} and calling {@code isUseMKLDNN()}.
 * In ND4J 1.0.0-M2.1 that class was moved to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment}
 * and the method renamed {@code isUseONEDNN()}; the lookup fails, DL4J caches the failure and silently
 * uses its generic convolution and BatchNorm paths, about 8x slower on ResNets. This class restores the
 * old name and forwards to the new one. Nothing else uses it.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    /** The old name of ND4J's native environment, forwarding to the M2.1 bindings. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        /** @return the singleton, as the old API did */
        public static Environment getInstance() {
            return INSTANCE;
        }

        /** @return whether the loaded native build has oneDNN and it is switched on */
        public boolean isUseMKLDNN() {
            return org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance().isUseONEDNN();
        }
    }
}
