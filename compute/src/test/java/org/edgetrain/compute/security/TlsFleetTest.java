package org.edgetrain.compute.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;
import org.edgetrain.compute.testing.FleetPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Mutual TLS between devices: certificates from the fleet CA join, a stranger's certificate does not. */
@Timeout(300)
class TlsFleetTest {
    private static final String PASSWORD_VARIABLE = "EDGETRAIN_TEST_TLS_PASSWORD";

    @TempDir
    Path dir;

    private final FleetPorts.Block ports = FleetPorts.allocate();

    private NodeSettings settings(String name, Path keyStore, Path trustStore) {
        return new NodeSettings(name, "pc", 1, false, ports.discoveryAddresses(), "127.0.0.1", ports.discovery(),
                ports.communication(), ports.client(),
                null, 1, new NodeSettings.Tls(keyStore, trustStore, PASSWORD_VARIABLE), false, false,
                NodeSettings.DEFAULT_FAILURE_DETECTION_MILLIS);
    }

    @Test
    void onlyDevicesWithFleetCertificatesJoin() throws Exception {
        char[] password = System.getenv(PASSWORD_VARIABLE).toCharArray();
        FleetCertificates fleet = new FleetCertificates(dir.resolve("fleet"), password);
        fleet.initAuthority();
        FleetCertificates stranger = new FleetCertificates(dir.resolve("stranger"), password);
        stranger.initAuthority();
        Path trust = dir.resolve("fleet/truststore.p12");
        List<Ignite> nodes = new ArrayList<>();
        try {
            nodes.add(Ignition.start(NodeConfigurations.build(settings("dev0", fleet.issue("dev0"), trust))));
            nodes.add(Ignition.start(NodeConfigurations.build(settings("dev1", fleet.issue("dev1"), trust))));
            assertEquals(2, nodes.get(0).cluster().forServers().nodes().size());

            // Signed by another CA: the handshake fails, so it cannot join the fleet. Depending on where the handshake
            // breaks, Ignite either starts it alone or refuses to start it at all (both seen: "Unable to establish
            // secure connection"); both keep it out.
            try {
                Ignite rogue = Ignition.start(NodeConfigurations.build(settings("rogue", stranger.issue("rogue"), trust)));
                nodes.add(rogue);
                assertEquals(1, rogue.cluster().forServers().nodes().size());
            } catch (org.apache.ignite.IgniteException refused) {
                assertTrue(String.valueOf(refused.getMessage()).contains("secure connection"), refused.toString());
            }
            assertEquals(2, nodes.get(0).cluster().forServers().nodes().size());

            // JDBC needs TLS too, trusting the fleet CA.
            String url = "jdbc:ignite:thin://127.0.0.1:" + ports.client() + "?sslMode=require&sslClientCertificateKeyStoreUrl="
                    + fleet.issue("sql-client") + "&sslClientCertificateKeyStoreType=PKCS12"
                    + "&sslClientCertificateKeyStorePassword=" + new String(password)
                    + "&sslTrustCertificateKeyStoreUrl=" + trust + "&sslTrustCertificateKeyStoreType=PKCS12"
                    + "&sslTrustCertificateKeyStorePassword=" + new String(password);
            try (Connection jdbc = DriverManager.getConnection(url);
                 ResultSet rows = jdbc.createStatement().executeQuery("SELECT 1")) {
                rows.next();
                assertEquals(1, rows.getInt(1));
            }
        } finally {
            for (Ignite node : nodes) {
                node.cluster().shutdownPolicy(org.apache.ignite.ShutdownPolicy.IMMEDIATE); // stopping all of them
            }
            for (Ignite node : nodes) {
                Ignition.stop(node.name(), true);
            }
        }
    }
}
