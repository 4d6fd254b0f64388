package org.edgetrain.model.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.edgetrain.model.net.NetworkSpec;

/**
 * The engines edgetrain trains with, by the name users give them ({@code --engine torch|dl4j}). Both compute the same
 * network on the same flat state and optimizer state, so a job's state may pass between them. Thread-safe.
 */
public enum EngineKind {
    /** libtorch through DJL ({@link TorchEngine}): the fast one, on x86-64 and arm64 Linux. */
    TORCH("torch") {
        @Override
        public TrainingEngine create(NetworkSpec spec) {
            return new TorchEngine(spec);
        }
    },
    /** DeepLearning4J on ND4J ({@link Dl4jEngine}): the owner's design names it; about 3x slower. */
    DL4J("dl4j") {
        @Override
        public TrainingEngine create(NetworkSpec spec) {
            return new Dl4jEngine(spec, false);
        }
    };

    private final String cliName;

    EngineKind(String cliName) {
        this.cliName = cliName;
    }

    /**
     * Builds {@code spec}'s network on this engine, initialized from the spec's seed.
     *
     * @throws IllegalStateException when the engine's natives do not load on this machine, naming the fix
     */
    public abstract TrainingEngine create(NetworkSpec spec);

    /** @return the name on the command line and in reports: {@code torch}, {@code dl4j} */
    public String cliName() {
        return cliName;
    }

    /**
     * The default: the fastest engine that loads here. libtorch passes the same numerics tests as DL4J on every
     * architecture it ships for; where it does not load, DL4J.
     */
    public static EngineKind preferred() {
        return Preferred.KIND;
    }

    /**
     * @param name {@code torch} or {@code dl4j}, any case
     * @throws IllegalArgumentException naming the valid choices
     */
    public static EngineKind parse(String name) {
        for (EngineKind kind : values()) {
            if (kind.cliName.equalsIgnoreCase(name.trim())) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown engine '" + name + "': use one of " + Arrays.stream(values())
                .map(EngineKind::cliName).collect(Collectors.joining(", ")));
    }

    /** @return the kind of {@code engine} */
    public static EngineKind of(TrainingEngine engine) {
        return engine instanceof TorchEngine ? TORCH : DL4J;
    }

    @Override
    public String toString() {
        return cliName.toLowerCase(Locale.ROOT);
    }

    /** Probes libtorch once, on first use. */
    private static final class Preferred {
        static final EngineKind KIND = probe();

        private static EngineKind probe() {
            try {
                TorchEngine.pytorch();
                return TORCH;
            } catch (IllegalStateException e) {
                return DL4J;
            }
        }
    }
}
