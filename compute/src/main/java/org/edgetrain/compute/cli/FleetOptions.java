package org.edgetrain.compute.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.apache.ignite.client.SslMode;
import org.apache.ignite.configuration.ClientConfiguration;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.FleetActivation;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;
import org.edgetrain.compute.grid.ThinFleetReader;
import org.edgetrain.compute.settings.SystemProperty;
import picocli.CommandLine.Option;

/** How a command reaches the fleet: a node configuration file and optional overrides. */
public final class FleetOptions {
    /** The name tools present with TLS: {@code tls init --devices ...,client} issues their certificate. */
    static final String TOOL_IDENTITY = "client";

    /** How long a tool waits for the devices holding a restarted persistent fleet's data. */
    static final long ACTIVATION_TIMEOUT_MILLIS = 120_000;

    @Option(names = "--config", defaultValue = "${env:EDGETRAIN_CONFIG}",
            description = "node configuration (properties; env EDGETRAIN_CONFIG); default: ignite-config/loopback.properties")
    Path config;

    @Option(names = "--discovery", defaultValue = "${env:EDGETRAIN_DISCOVERY}",
            description = "override the discovery address list, e.g. 127.0.0.1:47500..47547 (env EDGETRAIN_DISCOVERY)")
    String discovery;

    /** @return settings for a node named {@code name} */
    public NodeSettings settings(String name, String deviceClass, double capability) {
        Path file = config != null ? config : defaultConfig();
        if (!Files.isRegularFile(file)) {
            throw new EdgetrainCommand.UserError("node configuration " + file + " does not exist: pass --config FILE "
                    + "(ignite-config/ has loopback.properties and lan.properties)");
        }
        try {
            NodeSettings settings = NodeSettings.fromFile(file, name, deviceClass, capability);
            return discovery == null || discovery.isBlank() ? settings : settings.withDiscovery(discovery);
        } catch (IllegalArgumentException e) {
            throw new EdgetrainCommand.UserError(e.getMessage());
        }
    }

    /**
     * @param timeoutSeconds how long to try to join: devices just started may need a while (a throttled JVM starts
     *     slowly, as a real Raspberry Pi does)
     * @return a client node joined to the fleet; close it to leave
     */
    public Ignite connect(long timeoutSeconds) {
        Ignite client = connectAsIs(timeoutSeconds);
        try {
            String activated = FleetActivation.ensureActive(client, ACTIVATION_TIMEOUT_MILLIS);
            if (activated != null) {
                System.err.println("edgetrain: " + activated);
            }
            return client;
        } catch (IllegalStateException | InterruptedException e) {
            client.close();
            throw new EdgetrainCommand.UserError(e.getMessage());
        }
    }

    /** @return a client node joined to the fleet and ready to work (a persistent fleet is activated); close it to leave */
    public Ignite connect() {
        return connect(SystemProperty.CLIENT_JOIN_TIMEOUT_MILLIS.longValue() / 1000);
    }

    /**
     * @return a client node joined to the fleet in whatever state it is (a restarted persistent fleet may still be
     *     inactive), giving up after {@code timeoutSeconds}; for tools that start or stop devices
     */
    Ignite connectAsIs(long timeoutSeconds) {
        String previous = System.setProperty(SystemProperty.CLIENT_JOIN_TIMEOUT_MILLIS.key(), Long.toString(timeoutSeconds * 1000));
        NodeSettings settings = settings(TOOL_IDENTITY, "client", 0).asClient("client-" + ProcessHandle.current().pid());
        try {
            return Ignition.start(NodeConfigurations.build(settings));
        } catch (RuntimeException e) {
            throw joinFailure(settings, configPath(), e);
        } finally {
            if (previous == null) {
                System.clearProperty(SystemProperty.CLIENT_JOIN_TIMEOUT_MILLIS.key());
            } else {
                System.setProperty(SystemProperty.CLIENT_JOIN_TIMEOUT_MILLIS.key(), previous);
            }
        }
    }

    /**
     * @return what to tell the user when this tool's node did not join: no device answered (start some), or the node
     *     could not even start here (its node file does not fit this host). Ignite says only which of its managers
     *     failed; the cause is further down the chain.
     */
    static EdgetrainCommand.UserError joinFailure(NodeSettings settings, Path config, RuntimeException e) {
        Throwable root = e;
        boolean timedOut = false;
        boolean bind = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            timedOut |= message.contains("Join process timed out") || message.contains("Failed to connect to any address");
            bind |= t instanceof java.net.BindException || message.contains("Failed to bind");
            root = t;
        }
        if (bind) {
            return new EdgetrainCommand.UserError("this tool's node cannot listen on " + settings.localAddress() + " ("
                    + root.getMessage() + "): set local.address in " + config + " to an address of this host, or free "
                    + "its ports (communication.port " + settings.communicationPort() + " and up)");
        }
        if (timedOut) {
            return new EdgetrainCommand.UserError("cannot join the fleet at " + settings.discoveryAddresses() + ": no "
                    + "device answered (" + root.getMessage() + "); start devices first (edgetrain cluster up, or "
                    + "edgetrain node on each device), or pass the fleet's --config");
        }
        return new EdgetrainCommand.UserError("this tool's node did not start (" + root.getMessage() + ", in "
                + e.getMessage() + "): check the node file " + config);
    }

    /**
     * @return every address where a device may serve thin clients and JDBC. A host of the discovery list with a port
     *     range ({@code 127.0.0.1:47500..47547}) may run as many devices as the range has ports, each taking the next
     *     client-connector port: {@code 127.0.0.1:10800..10847}. A host with one port or none runs one device, on the
     *     configured client port: a tool then never waits on ports nobody listens on behind a host that is down.
     */
    public List<String> clientEndpoints() {
        NodeSettings settings = settings(TOOL_IDENTITY, "client", 0);
        int port = settings.clientConnectorPort();
        java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
        for (String address : settings.discoveryAddresses().split(",")) {
            String[] hostAndPorts = address.trim().split(":", 2);
            if (hostAndPorts[0].isEmpty()) {
                continue;
            }
            int devices = 1;
            if (hostAndPorts.length == 2 && hostAndPorts[1].contains("..")) {
                String[] range = hostAndPorts[1].split("\\.\\.");
                devices = Math.max(1, Integer.parseInt(range[1].trim()) - Integer.parseInt(range[0].trim()) + 1);
            }
            int last = port + Math.min(devices, NodeConfigurations.CLIENT_PORT_RANGE) - 1;
            out.add(hostAndPorts[0] + ":" + (last == port ? String.valueOf(port) : port + ".." + last));
        }
        return List.copyOf(out);
    }

    /**
     * @return the JDBC thin URL of the fleet: every device endpoint, which the driver tries in turn, so any live device
     *     answers (credentials and key material are never in it)
     */
    public String jdbcUrl() {
        return "jdbc:ignite:thin://" + String.join(",", clientEndpoints());
    }

    /**
     * Connects to the fleet over Ignite's thin-client protocol, as read-only tools do: no node joins the topology, so
     * the devices see no exchange. TLS and login as the node configuration asks, as for {@link #jdbc}.
     *
     * @param credentials user and the environment variable holding the password; null when not logging in
     * @throws EdgetrainCommand.UserError when no device answers at any endpoint
     */
    public ThinFleetReader reader(SqlCredentials credentials) {
        NodeSettings settings = settings(TOOL_IDENTITY, "client", 0);
        List<String> endpoints = clientEndpoints();
        ClientConfiguration configuration = new ClientConfiguration()
                .setAddresses(endpoints.toArray(String[]::new))
                .setTimeout(30_000)
                .setPartitionAwarenessEnabled(false); // one connection is enough for a reader
        if (settings.tls() != null) {
            String password = new String(settings.tls().password());
            configuration.setSslMode(SslMode.REQUIRED)
                    .setSslClientCertificateKeyStorePath(settings.tls().keyStore().toString())
                    .setSslClientCertificateKeyStoreType("PKCS12")
                    .setSslClientCertificateKeyStorePassword(password)
                    .setSslTrustCertificateKeyStorePath(settings.tls().trustStore().toString())
                    .setSslTrustCertificateKeyStoreType("PKCS12")
                    .setSslTrustCertificateKeyStorePassword(password);
        }
        if (credentials != null) {
            configuration.setUserName(credentials.user()).setUserPassword(credentials.password());
        }
        try {
            return ThinFleetReader.connect(configuration);
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof org.apache.ignite.client.ClientAuthenticationException) {
                    throw new EdgetrainCommand.UserError("the fleet refused the login (" + t.getMessage() + "): it has "
                            + "authentication on; log in with --user NAME and the password in "
                            + (credentials == null ? "EDGETRAIN_SQL_PASSWORD" : "the variable --password-env names"));
                }
            }
            throw new EdgetrainCommand.UserError("no device answered at " + String.join(", ", endpoints) + " ("
                    + e.getMessage() + "): start devices first (edgetrain cluster up, or edgetrain node on each device), "
                    + "or pass the fleet's --config");
        }
    }

    /**
     * Opens a JDBC thin connection as the node configuration asks: TLS with the tools' certificate when the fleet
     * uses TLS, and a user name and password when it has authentication on. Secrets go in connection properties, so
     * they never appear in a URL, an error message or a log.
     *
     * @param url JDBC URL, or null for {@link #jdbcUrl()}
     * @param credentials user and the environment variable holding the password; null when not logging in
     */
    public java.sql.Connection jdbc(String url, SqlCredentials credentials) throws java.sql.SQLException {
        NodeSettings settings = settings(TOOL_IDENTITY, "client", 0);
        java.util.Properties properties = new java.util.Properties();
        // The thin driver reads its own properties under this prefix; user and password are the standard JDBC ones.
        String prefix = "ignite.jdbc.";
        properties.setProperty(prefix + "connectionTimeout", "30000"); // a port that never answers is an error, not a hang
        if (settings.tls() != null) {
            String password = new String(settings.tls().password());
            properties.setProperty(prefix + "sslMode", "require");
            properties.setProperty(prefix + "sslClientCertificateKeyStoreUrl", settings.tls().keyStore().toString());
            properties.setProperty(prefix + "sslClientCertificateKeyStoreType", "PKCS12");
            properties.setProperty(prefix + "sslClientCertificateKeyStorePassword", password);
            properties.setProperty(prefix + "sslTrustCertificateKeyStoreUrl", settings.tls().trustStore().toString());
            properties.setProperty(prefix + "sslTrustCertificateKeyStoreType", "PKCS12");
            properties.setProperty(prefix + "sslTrustCertificateKeyStorePassword", password);
        }
        if (credentials != null) {
            properties.setProperty("user", credentials.user());
            properties.setProperty("password", credentials.password());
        }
        try {
            return java.sql.DriverManager.getConnection(url != null ? url : jdbcUrl(), properties);
        } catch (java.sql.SQLException e) {
            throw answered(e);
        }
    }

    /**
     * @return among the driver's attempts at each endpoint, the answer of a device that was reached and refused the
     *     connection (a wrong login, say), which tells the user more than the "failed to connect" of the ports nobody
     *     listens on; else {@code e}
     */
    private static java.sql.SQLException answered(java.sql.SQLException e) {
        for (Throwable attempt : e.getSuppressed()) {
            boolean unreachable = false;
            for (Throwable t = attempt; t != null; t = t.getCause()) {
                unreachable |= t instanceof java.io.IOException;
            }
            if (attempt instanceof java.sql.SQLException answer && !unreachable) {
                return answer;
            }
        }
        return e;
    }

    /** @return backups of the data caches, as the node configuration says */
    public int backups() {
        return settings("tool", "client", 0).backups();
    }

    /** @return the node configuration file in use */
    public Path configPath() {
        return config != null ? config : defaultConfig();
    }

    /** Waits until {@code expected} devices are in the topology, failing with the devices' logs named. */
    public void awaitDevices(Ignite client, int expected, long timeoutSeconds, LocalFleet fleet) {
        long deadline = System.currentTimeMillis() + timeoutSeconds * 1000;
        while (client.cluster().forServers().nodes().size() < expected) {
            if (System.currentTimeMillis() > deadline) {
                throw new EdgetrainCommand.UserError(client.cluster().forServers().nodes().size() + " of " + expected
                        + " devices joined within " + timeoutSeconds + " s; see their logs: "
                        + fleet.devices().stream().map(LocalFleet.Device::log).toList());
            }
            try {
                Thread.sleep(250); // polling the topology with a deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        System.out.println(expected + " devices in the fleet");
    }

    /** @return data/cifar-10-binary.tar.gz when present, else the shared copy beside the checkout */
    public static Path defaultCifar() {
        Path local = SystemProperty.home().resolve("data/cifar-10-binary.tar.gz");
        return Files.exists(local) ? local : SystemProperty.home().resolve("../shared/datasets/cifar-10-binary.tar.gz").normalize();
    }

    static Path defaultConfig() {
        return SystemProperty.home().resolve("ignite-config/loopback.properties");
    }

}
