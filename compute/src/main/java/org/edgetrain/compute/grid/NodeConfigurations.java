package org.edgetrain.compute.grid;

import java.util.List;
import java.util.Map;
import org.apache.ignite.ShutdownPolicy;
import org.apache.ignite.configuration.ClientConnectorConfiguration;
import org.apache.ignite.configuration.DataRegionConfiguration;
import org.apache.ignite.configuration.DataStorageConfiguration;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.logger.log4j2.Log4J2Logger;
import org.apache.ignite.spi.communication.tcp.TcpCommunicationSpi;
import org.apache.ignite.spi.discovery.tcp.TcpDiscoverySpi;
import org.apache.ignite.spi.discovery.tcp.ipfinder.vm.TcpDiscoveryVmIpFinder;
import org.apache.ignite.ssl.SslContextFactory;
import org.apache.logging.log4j.LogManager;
import org.edgetrain.compute.settings.SystemProperty;
import org.edgetrain.rebalancing.DeviceAttributes;

/**
 * Builds the Ignite configuration of an edgetrain node from {@link NodeSettings}. Tuned for small devices: small
 * thread pools, a small default data region, and failure detection in a few seconds rather than Ignite's 10 s
 * ({@link NodeSettings#failureDetectionMillis()}).
 */
public final class NodeConfigurations {
    /**
     * Ports a node tries for discovery, from the configured one up: as many devices as one host can run (an emulated
     * fleet of 32 on loopback; at 20, the 21st device of a 22-device fleet failed to bind and never joined).
     */
    public static final int DISCOVERY_PORT_RANGE = 48;
    /**
     * Ignite's page size. A training sample (3,073 bytes and its key and row header) fits a 4 KB page, Ignite's
     * default, once, and the rest of the page stays empty: a quarter of every shard's memory. Five fit a 16 KB page.
     */
    static final int PAGE_SIZE = 16 * 1024;
    /** Ports a node tries for communication, from the configured one up. */
    public static final int COMMUNICATION_PORT_RANGE = 50;
    /** Ports a device tries for its client connector (JDBC, thin clients), from the configured one up. */
    public static final int CLIENT_PORT_RANGE = 50;

    private NodeConfigurations() {
    }

    /**
     * Ignite's busiest thread pools, sized to the cores the device may use (its CPU quota counts: a device limited to
     * 0.2 core sees one). Ignite's own defaults (at least 8 threads each) are for servers. Public and system pools keep
     * at least 4 threads: a device holds one public thread per training job while its trainer works, the next
     * round's job arrives before the last one ends, and evaluations come on top. The striped pool (cache updates)
     * needs no more threads than cores.
     *
     * @param jobs public (compute jobs) and system pool threads
     * @param striped striped pool threads
     */
    record Pools(int jobs, int striped) {
        static Pools of(int cores) {
            return new Pools(Math.max(4, Math.min(8, cores)), Math.max(2, Math.min(8, cores)));
        }
    }

    /** @return the physical host name: property {@code edgetrain.host}, else the machine's name */
    static String host() {
        String host = SystemProperty.HOST.value().orElse(null);
        if (host != null) {
            return host;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "unknown";
        }
    }

    /**
     * @return {@link #PAGE_SIZE}, or the page size a persistent device's existing store was written with (an earlier
     *     version's 4 KB): Ignite would refuse to start on it, and loading the data set again would lose the job's
     *     progress
     */
    static int pageSize(NodeSettings settings) {
        if (!settings.persistent() || settings.client() || settings.workDirectory() == null) {
            return PAGE_SIZE;
        }
        int stored = StoredPageSize.in(settings.workDirectory()).orElse(PAGE_SIZE);
        if (stored != PAGE_SIZE) {
            LogManager.getLogger(NodeConfigurations.class).info("{}'s store in {} was written with {}-byte pages; the "
                    + "device keeps them (a fleet loaded anew uses {})", settings.name(), settings.workDirectory(),
                    stored, PAGE_SIZE);
        }
        return stored;
    }

    /** @return a complete configuration for {@code settings} */
    public static IgniteConfiguration build(NodeSettings settings) {
        TcpDiscoveryVmIpFinder ipFinder = new TcpDiscoveryVmIpFinder();
        ipFinder.setAddresses(List.of(settings.discoveryAddresses().split(",")));
        TcpDiscoverySpi discovery = new TcpDiscoverySpi()
                .setIpFinder(ipFinder)
                .setLocalAddress(settings.localAddress())
                .setLocalPort(settings.discoveryPort())
                .setLocalPortRange(DISCOVERY_PORT_RANGE);
        if (settings.client()) {
            // A tool with no fleet to join fails with a message instead of waiting forever.
            discovery.setJoinTimeout(SystemProperty.CLIENT_JOIN_TIMEOUT_MILLIS.longValue());
        }
        TcpCommunicationSpi communication = new TcpCommunicationSpi();
        communication.setLocalAddress(settings.localAddress());
        communication.setLocalPort(settings.communicationPort());
        communication.setLocalPortRange(COMMUNICATION_PORT_RANGE);

        // Small first allocations (Ignite's defaults are 256 MB and 40 MB): a device grows its regions as its shards
        // arrive, and the default region stops below the process's memory limit (DeviceMemory).
        long regionMax = settings.client() ? DeviceMemory.UNLIMITED_DATA_REGION_BYTES
                : DeviceMemory.ofThisProcess().dataRegionMaxBytes();
        DataStorageConfiguration storage = new DataStorageConfiguration().setDefaultDataRegionConfiguration(
                new DataRegionConfiguration().setName("default").setInitialSize(Math.min(16L << 20, regionMax))
                        .setMaxSize(regionMax).setMetricsEnabled(true)
                        .setPersistenceEnabled(settings.persistent() && !settings.client()))
                .setSystemRegionInitialSize(16L << 20).setSystemRegionMaxSize(64L << 20)
                .setPageSize(pageSize(settings));
        if (settings.persistent()) {
            // Small write-ahead log for small devices: 4 x 16 MB segments and at most 128 MB of archive
            // (Ignite's defaults, 10 x 64 MB plus 1 GB, would not fit a Raspberry Pi's SD card budget).
            storage.setWalSegmentSize(16 << 20).setWalSegments(4).setMaxWalArchiveSize(128L << 20)
                    .setMetricsEnabled(true);
        }

        Pools pools = Pools.of(Runtime.getRuntime().availableProcessors());
        IgniteConfiguration cfg = new IgniteConfiguration()
                .setIgniteInstanceName(settings.name())
                .setConsistentId(settings.name())
                .setClientMode(settings.client())
                .setDiscoverySpi(discovery)
                .setCommunicationSpi(communication)
                .setDataStorageConfiguration(storage)
                .setFailureDetectionTimeout(settings.failureDetectionMillis())
                .setClientFailureDetectionTimeout(settings.failureDetectionMillis() * 2)
                .setMetricsLogFrequency(0)
                .setPublicThreadPoolSize(pools.jobs())
                .setSystemThreadPoolSize(pools.jobs())
                .setQueryThreadPoolSize(2)
                .setServiceThreadPoolSize(2)
                .setStripedPoolSize(pools.striped())
                .setDataStreamerThreadPoolSize(2)
                .setPeerClassLoadingEnabled(false)
                // Crashes and joins are counted to quarantine flapping devices (health/FlapDetector); the fault
                // harness times detection from them.
                .setIncludeEventTypes(org.apache.ignite.events.EventType.EVT_NODE_FAILED,
                        org.apache.ignite.events.EventType.EVT_NODE_JOINED, org.apache.ignite.events.EventType.EVT_NODE_LEFT)
                // A device that leaves on purpose waits until every partition it holds has another copy. Every node,
                // clients included, must declare the same policy; tools that stop a whole fleet switch the cluster to
                // IMMEDIATE first (LocalFleet.down), or the last devices would wait for each other forever.
                .setShutdownPolicy(ShutdownPolicy.GRACEFUL)
                // Users live in the persistent store; only SQL/JDBC and thin clients log in. Devices and tools' client
                // nodes prove who they are with their TLS certificate instead.
                .setAuthenticationEnabled(settings.authentication())
                .setUserAttributes(Map.of(
                        GridNames.ATTR_DEVICE, settings.name(),
                        GridNames.ATTR_CLASS, settings.deviceClass(),
                        GridNames.ATTR_CAPABILITY, settings.capability(),
                        DeviceAttributes.HOST, host(),
                        GridNames.ATTR_PERSISTENT, Boolean.toString(settings.persistent())));
        // Only devices serve JDBC and thin clients: a tool's client node that bound a port of the range would take the
        // address a reader expects a device at (and serve nothing useful from there).
        cfg.setClientConnectorConfiguration(settings.client() ? null : new ClientConnectorConfiguration()
                .setHost(settings.localAddress())
                .setPort(settings.clientConnectorPort())
                .setPortRange(CLIENT_PORT_RANGE)
                .setThreadPoolSize(2));
        if (settings.tls() != null) {
            SslContextFactory ssl = new SslContextFactory();
            char[] password = settings.tls().password();
            ssl.setKeyStoreType("PKCS12");
            ssl.setKeyStoreFilePath(settings.tls().keyStore().toString());
            ssl.setKeyStorePassword(password);
            ssl.setTrustStoreType("PKCS12");
            ssl.setTrustStoreFilePath(settings.tls().trustStore().toString());
            ssl.setTrustStorePassword(password);
            cfg.setSslContextFactory(ssl); // discovery and communication: mutual TLS against the fleet CA
            if (cfg.getClientConnectorConfiguration() != null) {
                cfg.getClientConnectorConfiguration().setSslEnabled(true).setUseIgniteSslContextFactory(true);
            }
        }
        if (!settings.client()) {
            // Every device takes part in placing the training job's coordinator (beside the model's primary copy).
            cfg.setLifecycleBeans(new org.edgetrain.compute.training.CoordinatorElection());
            // A device cut off from every other is segmented; Ignite's default handler then halts the JVM. Stopping the
            // node instead (halting only if the stop hangs) lets the device rejoin by itself (EdgetrainNode).
            cfg.setFailureHandler(StopAtOnceFailureHandler.forDevice(10 * settings.failureDetectionMillis()));
        } else {
            cfg.setFailureHandler(StopAtOnceFailureHandler.forTool());
        }
        if (settings.workDirectory() != null) {
            cfg.setWorkDirectory(settings.workDirectory().toAbsolutePath().toString());
        }
        // Ignite logs through the process's Log4j2 configuration (console for tools, console + file for devices).
        cfg.setGridLogger(new Log4J2Logger());
        return cfg;
    }
}
