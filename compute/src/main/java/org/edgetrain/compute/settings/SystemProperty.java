package org.edgetrain.compute.settings;

import java.nio.file.Path;
import java.util.Optional;
import org.edgetrain.rebalancing.DeviceProfile;
import org.edgetrain.rebalancing.DeviceThrottle;

/**
 * The JVM system properties edgetrain reads, with their defaults, in one place. Launchers ({@code bin/edgetrain},
 * the fleet of device processes, the Docker image) set them with {@code -Dkey=value}; tests set them around a fleet.
 * The node file's keys are {@link org.edgetrain.compute.grid.NodeSettings}'s; the commands' defaults, {@link Defaults}.
 */
public enum SystemProperty {
    /** The installation folder (configs, marshaller allow-list); default: the working directory. */
    HOME("edgetrain.home", null),
    /** Address a node binds when the node file gives none. */
    HOST("edgetrain.host", null),
    /** Folder of a device process's log file. */
    LOG_DIR("edgetrain.log.dir", "logs"),
    /** Level of Ignite's messages the tools also print on stderr ({@code --verbose} sets warn). */
    VERBOSE_LEVEL("edgetrain.verbose.level", null),
    /** The engine a device trains with, whatever a job asks ({@code node --engine}). */
    DEVICE_ENGINE("edgetrain.device.engine", null),
    /** Custom device classes file ({@code node --profiles}). */
    DEVICE_PROFILES(DeviceProfile.PROFILES_PROPERTY, null),
    /** Share of a core a duty-cycled device may use. */
    CPU_SHARE(DeviceThrottle.PROPERTY, null),
    /** First quarantine of a flapping device, seconds (doubles on each repeat). */
    QUARANTINE_SECONDS("edgetrain.quarantine.seconds", "60"),
    /** How long a client node (a tool) tries to join, milliseconds. */
    CLIENT_JOIN_TIMEOUT_MILLIS("edgetrain.client.join.timeout", "20000"),
    /**
     * Folder where a device records the sample ids it trained in each round, for the fault checks' per-sample audit
     * ({@code faults/SampleAudit}); unset (the default): nothing is recorded.
     */
    TRAINED_SAMPLES_DIR("edgetrain.faults.trained-samples", null),
    /**
     * {@code true} lets a fault harness arm the coordinator's named crash points on this device
     * ({@code training/CrashPoint}); the default refuses them, so no client can crash a production fleet's coordinator.
     */
    CRASH_POINTS("edgetrain.faults.crash-points", "false");

    private final String key;
    private final String fallback;

    SystemProperty(String key, String fallback) {
        this.key = key;
        this.fallback = fallback;
    }

    /** @return the property's name, for {@code -D} */
    public String key() {
        return key;
    }

    /** @return the value set, else the default (empty when neither) */
    public Optional<String> value() {
        return Optional.ofNullable(System.getProperty(key, fallback));
    }

    /** @return {@code -Dkey=value} passing this JVM's setting on to a child process, when one is set */
    public Optional<String> passOn() {
        return Optional.ofNullable(System.getProperty(key)).map(v -> "-D" + key + "=" + v);
    }

    /** @throws IllegalStateException naming the property when its value is not a whole number */
    public long longValue() {
        String v = value().orElseThrow(() -> new IllegalStateException(key + " is not set"));
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("system property " + key + " must be a whole number, got '" + v + "'");
        }
    }

    /** @return the installation folder: {@link #HOME}, or the working directory */
    public static Path home() {
        return HOME.value().map(Path::of).orElse(Path.of("").toAbsolutePath());
    }
}
