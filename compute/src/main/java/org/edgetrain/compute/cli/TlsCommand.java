package org.edgetrain.compute.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.edgetrain.compute.security.FleetCertificates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code edgetrain tls}: the fleet's certificate authority and device keystores. */
@Command(name = "tls", mixinStandardHelpOptions = true, description = "Create fleet TLS material.",
        subcommands = {TlsCommand.Init.class})
public final class TlsCommand {
    @Command(name = "init", mixinStandardHelpOptions = true,
            description = "Create (or extend) a fleet CA, its truststore and one keystore per device. "
                    + "The password comes from the environment variable EDGETRAIN_TLS_PASSWORD.")
    static final class Init implements Callable<Integer> {
        @Option(names = "--dir", defaultValue = "ignite-config/tls", description = "where to write the stores; default: ${DEFAULT-VALUE}")
        Path dir;

        @Option(names = "--devices", split = ",", required = true, description = "device names, e.g. pc-1,rpi4-1 (add client names for tools)")
        List<String> devices;

        @Override
        public Integer call() throws IOException {
            String password = System.getenv("EDGETRAIN_TLS_PASSWORD");
            if (password == null || password.length() < 6) {
                throw new EdgetrainCommand.UserError("set EDGETRAIN_TLS_PASSWORD (6+ characters) to the keystore password "
                        + "first; it is read from the environment so that it never appears in files or logs");
            }
            FleetCertificates certificates = new FleetCertificates(dir, password.toCharArray());
            certificates.initAuthority();
            for (String device : devices) {
                System.out.println("keystore " + certificates.issue(device));
            }
            System.out.println("truststore " + dir.resolve("truststore.p12") + "; keep " + dir.resolve("ca.p12")
                    + " off the devices. Enable TLS with tls.keystore=tls/{name}.p12 and tls.truststore=tls/truststore.p12 "
                    + "in the node configuration.");
            return 0;
        }
    }
}
