package org.edgetrain.compute.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Creates a fleet's TLS material with the JDK's keytool: a fleet certificate authority, a truststore holding only
 * that authority, and one PKCS#12 keystore per device whose certificate the authority signed. A node presenting
 * a certificate from any other authority fails the TLS handshake and cannot join.
 *
 * <p>Layout under the folder: {@code ca.p12} (keep it offline), {@code ca.pem}, {@code truststore.p12},
 * {@code DEVICE.p12}. All stores share one password, which is passed in, never written to disk or logs.
 */
public final class FleetCertificates {
    private final Path dir;
    private final char[] password;

    /**
     * @param dir folder for the stores (created)
     * @param password store password
     */
    public FleetCertificates(Path dir, char[] password) {
        this.dir = dir;
        this.password = password.clone();
    }

    /** Creates the authority and truststore if they do not exist yet. */
    public void initAuthority() throws IOException {
        Files.createDirectories(dir);
        if (Files.exists(dir.resolve("ca.p12"))) {
            return;
        }
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=edgetrain fleet CA",
                "-ext", "bc:c", "-validity", "3650", "-keystore", path("ca.p12"), "-storetype", "PKCS12");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", path("ca.p12"), "-file", path("ca.pem"));
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", path("ca.pem"), "-keystore", path("truststore.p12"),
                "-storetype", "PKCS12");
    }

    /** @return the keystore of {@code device}, created and signed by the fleet authority if missing */
    public Path issue(String device) throws IOException {
        if (!device.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("device name '" + device + "' may only use letters, digits, '.', '_' and '-'");
        }
        Path store = dir.resolve(device + ".p12");
        if (Files.exists(store)) {
            return store;
        }
        Path request = dir.resolve(device + ".csr");
        Path signed = dir.resolve(device + ".pem");
        keytool("-genkeypair", "-alias", "device", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + device,
                "-validity", "825", "-keystore", store.toString(), "-storetype", "PKCS12");
        keytool("-certreq", "-alias", "device", "-keystore", store.toString(), "-file", request.toString());
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", path("ca.p12"), "-infile", request.toString(),
                "-outfile", signed.toString(), "-validity", "825", "-ext", "eku=serverAuth,clientAuth");
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", path("ca.pem"), "-keystore", store.toString());
        keytool("-importcert", "-alias", "device", "-file", signed.toString(), "-keystore", store.toString());
        Files.delete(request);
        Files.delete(signed);
        return store;
    }

    private String path(String name) {
        return dir.resolve(name).toString();
    }

    private void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        // The password goes through the environment, never the command line (visible in ps) or a file.
        command.addAll(List.of("-storepass:env", "EDGETRAIN_KEYTOOL_PASSWORD", "-keypass:env", "EDGETRAIN_KEYTOOL_PASSWORD"));
        if (args[0].equals("-gencert") || args[0].equals("-exportcert") || args[0].equals("-certreq")) {
            command.removeIf(a -> a.equals("-keypass:env"));
            command.remove(command.size() - 1);
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("EDGETRAIN_KEYTOOL_PASSWORD", new String(password));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (process.waitFor() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + output.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool", e);
        }
    }
}
