package org.edgetrain.compute.grid;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * How to start one edgetrain node.
 *
 * @param name device name, unique in the fleet
 * @param deviceClass profile name ({@code pc}, {@code jetson-nano}, {@code rpi4})
 * @param capability expected relative speed (a node attribute)
 * @param client true for a client node (command-line tools), false for a device (server node)
 * @param discoveryAddresses static discovery list, e.g. {@code 127.0.0.1:47500..47509}
 * @param localAddress address to bind, e.g. {@code 127.0.0.1}
 * @param discoveryPort first discovery port of this node
 * @param communicationPort first communication port of this node
 * @param clientConnectorPort first JDBC / thin-client port (10800 by default)
 * @param workDirectory Ignite work directory (persistence, marshaller cache), or null for a temporary one
 * @param backups backups of the data caches
 * @param tls TLS material for discovery, communication and JDBC, or null for plain TCP
 * @param persistent Ignite native persistence: data, model and metrics survive a restart of the whole fleet (needs a
 *     work directory per device)
 * @param authentication passwords for SQL/JDBC and thin clients (Ignite keeps its users on disk, so it needs
 *     {@code persistent})
 * @param failureDetectionMillis a device silent this long is declared failed ({@link #DEFAULT_FAILURE_DETECTION_MILLIS}
 *     unless the configuration file says otherwise: devices that get a small fraction of a core, as emulated fleets on
 *     a small host do, can need more)
 * <p>A client node gives up joining after {@code edgetrain.client.join.timeout} milliseconds (default 20,000).
 */
public record NodeSettings(String name, String deviceClass, double capability, boolean client,
                           String discoveryAddresses, String localAddress, int discoveryPort,
                           int communicationPort, int clientConnectorPort, Path workDirectory, int backups, Tls tls,
                           boolean persistent, boolean authentication, long failureDetectionMillis) {
    /** A device that stops answering for this long is declared failed, unless configured otherwise. */
    public static final long DEFAULT_FAILURE_DETECTION_MILLIS = 5_000;

    /** @throws IllegalArgumentException for combinations Ignite would refuse later with a less clear message */
    public NodeSettings {
        if (failureDetectionMillis < 1_000) {
            throw new IllegalArgumentException("failure.detection.millis must be at least 1000, got "
                    + failureDetectionMillis);
        }
        if (authentication && !persistent) {
            throw new IllegalArgumentException("authentication=true needs persistence=true: Ignite stores its users on "
                    + "disk (see README, Security)");
        }
        requireDisjoint("discovery.port", discoveryPort, NodeConfigurations.DISCOVERY_PORT_RANGE, "client.port",
                clientConnectorPort, NodeConfigurations.CLIENT_PORT_RANGE);
        requireDisjoint("communication.port", communicationPort, NodeConfigurations.COMMUNICATION_PORT_RANGE,
                "client.port", clientConnectorPort, NodeConfigurations.CLIENT_PORT_RANGE);
        if (persistent && !client && workDirectory == null) {
            throw new IllegalArgumentException("persistence=true needs a work directory per device: set work.dir "
                    + "(\"{name}\" stands for the device name) or pass --work-dir");
        }
    }

    /**
     * Tools try every port of the client range on each device's host (any device will do): a discovery or
     * communication port among them would take a JDBC or thin-client connection and never answer it.
     *
     * @throws IllegalArgumentException naming both keys when the two port ranges overlap
     */
    private static void requireDisjoint(String key, int port, int range, String otherKey, int otherPort, int otherRange) {
        if (port < otherPort + otherRange && otherPort < port + range) {
            throw new IllegalArgumentException(key + " (" + port + ".." + (port + range - 1) + ") overlaps " + otherKey
                    + " (" + otherPort + ".." + (otherPort + otherRange - 1) + "): move one of them (e.g. client.port=10800, "
                    + "discovery.port=47500, communication.port=47100)");
        }
    }

    /**
     * TLS settings: the device's keystore and the fleet truststore. The password is read from the environment
     * variable named by {@code passwordVariable} when the node starts, so it is never in a file, on a command line
     * or in a log.
     *
     * @param keyStore the device's PKCS#12 keystore
     * @param trustStore the fleet truststore (only the fleet CA)
     * @param passwordVariable environment variable holding the store password
     */
    public record Tls(Path keyStore, Path trustStore, String passwordVariable) {
        /** @return the password from the environment */
        public char[] password() {
            String value = System.getenv(passwordVariable);
            if (value == null || value.isEmpty()) {
                throw new IllegalArgumentException("TLS is configured but the environment variable " + passwordVariable
                        + " holding the keystore password is not set");
            }
            return value.toCharArray();
        }
    }

    /**
     * Reads a node configuration file ({@code ignite-config/*.properties}).
     *
     * @throws IllegalArgumentException naming the file and the bad or missing key
     */
    public static NodeSettings fromFile(Path file, String name, String deviceClass, double capability) {
        Properties p = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            p.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read node configuration " + file + ": " + e.getMessage()
                    + " (see ignite-config/loopback.properties for the format)");
        }
        String work = p.getProperty(Keys.WORK_DIR);
        boolean persistent = flag(p, file, Keys.PERSISTENCE);
        Tls tls = null;
        if (p.getProperty(Keys.TLS_KEYSTORE) != null) {
            // Relative store paths are relative to the configuration file; "{name}" stands for the device name.
            Path base = file.toAbsolutePath().getParent();
            tls = new Tls(base.resolve(p.getProperty(Keys.TLS_KEYSTORE).replace("{name}", name)),
                    base.resolve(required(p, file, Keys.TLS_TRUSTSTORE)),
                    p.getProperty(Keys.TLS_PASSWORD_ENV, "EDGETRAIN_TLS_PASSWORD"));
        }
        return new NodeSettings(name, deviceClass, capability, false, required(p, file, Keys.DISCOVERY_ADDRESSES),
                required(p, file, Keys.LOCAL_ADDRESS), integer(p, file, Keys.DISCOVERY_PORT),
                integer(p, file, Keys.COMMUNICATION_PORT), integer(p, file, Keys.CLIENT_PORT),
                work == null ? null : Path.of(work.replace("{name}", name)), integer(p, file, Keys.BACKUPS), tls,
                persistent, flag(p, file, Keys.AUTHENTICATION), p.getProperty(Keys.FAILURE_DETECTION_MILLIS) == null
                        ? DEFAULT_FAILURE_DETECTION_MILLIS : integer(p, file, Keys.FAILURE_DETECTION_MILLIS));
    }

    /** The keys of a node file ({@code ignite-config/*.properties}), in one place. */
    public static final class Keys {
        public static final String DISCOVERY_ADDRESSES = "discovery.addresses";
        public static final String LOCAL_ADDRESS = "local.address";
        public static final String DISCOVERY_PORT = "discovery.port";
        public static final String COMMUNICATION_PORT = "communication.port";
        public static final String CLIENT_PORT = "client.port";
        public static final String BACKUPS = "backups";
        public static final String WORK_DIR = "work.dir";
        public static final String PERSISTENCE = "persistence";
        public static final String AUTHENTICATION = "authentication";
        public static final String FAILURE_DETECTION_MILLIS = "failure.detection.millis";
        public static final String TLS_KEYSTORE = "tls.keystore";
        public static final String TLS_TRUSTSTORE = "tls.truststore";
        public static final String TLS_PASSWORD_ENV = "tls.password.env";

        private Keys() {
        }
    }

    private static boolean flag(Properties p, Path file, String key) {
        String value = p.getProperty(key, "false").trim();
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException(file + ": '" + key + "' must be true or false, got '" + value + "'");
        }
        return value.equals("true");
    }

    private static String required(Properties p, Path file, String key) {
        String value = p.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(file + " lacks '" + key + "' (see ignite-config/loopback.properties)");
        }
        return value.trim();
    }

    private static int integer(Properties p, Path file, String key) {
        String value = required(p, file, key);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": '" + key + "' must be a whole number, got '" + value + "'");
        }
    }

    /** @return the same settings with another discovery address list */
    public NodeSettings withDiscovery(String addresses) {
        return new NodeSettings(name, deviceClass, capability, client, addresses, localAddress, discoveryPort,
                communicationPort, clientConnectorPort, workDirectory, backups, tls, persistent, authentication,
                failureDetectionMillis);
    }

    /** @return the same settings as a client node */
    public NodeSettings asClient() {
        return asClient(name);
    }

    /**
     * @param nodeName the client node's name, unique in the fleet (the TLS identity stays the one these settings
     *     were read for, e.g. the tools' shared {@code client} certificate)
     * @return the same settings as a client node
     */
    public NodeSettings asClient(String nodeName) {
        return new NodeSettings(nodeName, deviceClass, capability, true, discoveryAddresses, localAddress, discoveryPort,
                communicationPort, clientConnectorPort, workDirectory, backups, tls, persistent, authentication,
                failureDetectionMillis);
    }

    /** @return the same settings with another work directory */
    public NodeSettings withWorkDirectory(Path dir) {
        return new NodeSettings(name, deviceClass, capability, client, discoveryAddresses, localAddress, discoveryPort,
                communicationPort, clientConnectorPort, dir, backups, tls, persistent, authentication,
                failureDetectionMillis);
    }

    /** @return the same settings with native persistence on, in {@code dir} */
    public NodeSettings persistentIn(Path dir) {
        return new NodeSettings(name, deviceClass, capability, client, discoveryAddresses, localAddress, discoveryPort,
                communicationPort, clientConnectorPort, dir, backups, tls, true, authentication,
                failureDetectionMillis);
    }
}
