package org.edgetrain.compute.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.edgetrain.compute.grid.EventKind;
import org.edgetrain.compute.grid.FleetActivation;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;
import org.edgetrain.compute.io.Json;
import org.edgetrain.compute.security.FleetCertificates;
import org.edgetrain.compute.testing.FleetPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A persistent device with TLS and authentication on: JDBC (through {@code edgetrain sql} and {@code edgetrain user},
 * which take the TLS material from the node configuration) needs a user and password, the superuser's factory
 * password can be replaced, and no password shows in any output.
 */
@Timeout(300)
class SqlAuthenticationTest {
    private static final String INITIAL = "EDGETRAIN_TEST_INITIAL_PASSWORD"; // Ignite's factory password, "ignite"
    private static final String ADMIN = "EDGETRAIN_TEST_SQL_PASSWORD";
    private static final String ANALYST = "EDGETRAIN_TEST_ANALYST_PASSWORD";
    private static final String TLS = "EDGETRAIN_TEST_TLS_PASSWORD";

    @TempDir
    Path dir;

    @Test
    void sqlOverTlsNeedsALoginAndNoPasswordIsEverPrinted() throws Exception {
        FleetCertificates certificates = new FleetCertificates(dir.resolve("tls"), System.getenv(TLS).toCharArray());
        certificates.initAuthority();
        certificates.issue("dev0");
        certificates.issue("client"); // the tools' certificate
        Path config = FleetPorts.nodeFile(dir, 0, "persistence=true\nauthentication=true\nwork.dir=" + dir.resolve("work/{name}") + "\n"
                + "tls.keystore=tls/{name}.p12\ntls.truststore=tls/truststore.p12\ntls.password.env=" + TLS + "\n");
        List<DatasetCommandTest.Run> runs = new ArrayList<>();
        try (Ignite device = Ignition.start(NodeConfigurations.build(NodeSettings.fromFile(config, "dev0", "pc", 1)))) {
            try {
                check(device, config, runs);
            } finally {
                FleetActivation.prepareWholeFleetStop(device); // a lone device with no backups could not leave gracefully
            }
        }
    }

    private static void check(Ignite device, Path config, List<DatasetCommandTest.Run> runs) throws Exception {
        FleetActivation.ensureActive(device, 60_000);
        GridSchema.ensure(device, 0);
        GridSchema.recordEvent(device, EventKind.ROUND_FAILED, "dev0", "written before any login");
        String cfg = config.toString();

        DatasetCommandTest.Run anonymous = run(runs, "sql", "--config", cfg, "SELECT COUNT(*) FROM EVENTS");
        assertEquals(2, anonymous.exitCode());
        assertTrue(anonymous.err().contains("--user NAME"), anonymous.err());

        DatasetCommandTest.Run passwd = run(runs, "user", "passwd", "ignite", "--config", cfg, "--user", "ignite",
                "--password-env", INITIAL, "--new-password-env", ADMIN);
        assertEquals(0, passwd.exitCode(), passwd.err());

        DatasetCommandTest.Run stale = run(runs, "sql", "--config", cfg, "--user", "ignite", "--password-env", INITIAL,
                "SELECT 1");
        assertEquals(2, stale.exitCode(), "the factory password must no longer work");

        DatasetCommandTest.Run add = run(runs, "user", "add", "analyst", "--config", cfg, "--user", "ignite",
                "--password-env", ADMIN, "--new-password-env", ANALYST);
        assertEquals(0, add.exitCode(), add.err());
        DatasetCommandTest.Run query = run(runs, "sql", "--config", cfg, "--user", "analyst", "--password-env", ANALYST,
                "SELECT KIND, DETAIL FROM EVENTS");
        assertEquals(0, query.exitCode(), query.err());
        assertTrue(query.out().contains("written before any login"), query.out());

        // status reads over the thin-client protocol, which logs in as JDBC does.
        DatasetCommandTest.Run status = run(runs, "status", "--json", "--config", cfg, "--user", "analyst",
                "--password-env", ANALYST);
        assertEquals(0, status.exitCode(), status.err());
        assertEquals(1, Json.mapper().readTree(status.out()).get("devices").size(), status.out());
        DatasetCommandTest.Run anonymousStatus = run(runs, "status", "--config", cfg);
        assertEquals(2, anonymousStatus.exitCode());
        assertTrue(anonymousStatus.err().contains("--user NAME"), anonymousStatus.err());

        DatasetCommandTest.Run noVariable = run(runs, "sql", "--config", cfg, "--user", "analyst", "--password-env",
                "EDGETRAIN_TEST_UNSET_VARIABLE", "SELECT 1");
        assertEquals(2, noVariable.exitCode());
        assertTrue(noVariable.err().contains("set the environment variable EDGETRAIN_TEST_UNSET_VARIABLE"));

        for (DatasetCommandTest.Run run : runs) {
            for (String variable : List.of(ADMIN, ANALYST, TLS)) {
                String secret = System.getenv(variable);
                assertFalse(run.out().contains(secret) || run.err().contains(secret), "a password was printed");
            }
        }
    }

    private static DatasetCommandTest.Run run(List<DatasetCommandTest.Run> runs, String... args) {
        DatasetCommandTest.Run run = DatasetCommandTest.run(args);
        runs.add(run);
        return run;
    }
}
