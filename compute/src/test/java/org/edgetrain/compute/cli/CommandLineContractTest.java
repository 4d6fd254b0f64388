package org.edgetrain.compute.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.DatasetLoader;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;
import org.edgetrain.compute.io.Json;
import org.edgetrain.compute.settings.SystemProperty;
import org.edgetrain.compute.testing.FleetPorts;
import org.edgetrain.compute.testing.Fleets;
import org.edgetrain.model.cifar.CifarReader;
import org.edgetrain.model.cifar.SyntheticCifar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as scripts meet it: each command runs in its own JVM, launched as {@code bin/edgetrain} launches
 * it, and its standard output is parsed exactly as printed. Machine-readable output parses; bad input exits 2 and
 * starts nothing.
 */
@Timeout(300)
class CommandLineContractTest {
    @TempDir
    Path dir;

    /** What one run of the tool printed. */
    private record Run(int exit, String out, String err) {
    }

    @Test
    void machineReadableOutputParsesAsPrinted() throws Exception {
        Path cifar = SyntheticCifar.write(dir, 10, 10, 5);
        Fleets.runWithNewFleet(2, fleet -> {
            String config = fleet.config().toString();
            DatasetLoader.load(fleet.client(), new CifarReader().read(cifar), 1, n -> { });

            // A load asking for other backups than the caches were created with says so, naming the node file's key.
            Path twoBackups = Files.writeString(fleet.dir().resolve("two-backups.properties"),
                    Files.readString(fleet.config()).replace("backups=1", "backups=2"));
            Run reload = edgetrain("dataset", "load", "--cifar", cifar.toString(), "--config", twoBackups.toString());
            assertEquals(0, reload.exit(), reload.err());
            assertTrue(reload.err().contains("the node file's backups=2 was not applied") && !reload.err().contains("--backups"),
                    reload.err());

            Run status = edgetrain("status", "--json", "--config", config);
            assertEquals(0, status.exit(), status.err());
            JsonNode json = Json.mapper().readTree(status.out());
            assertEquals(2, json.get("devices").size(), status.out());
            assertTrue(json.get("job").isNull());

            // The first device leaves: sql still finds the fleet at another endpoint of the range.
            fleet.stop("dev0");
            Run sql = edgetrain("sql", "SELECT CACHE_NAME FROM SYS.CACHES WHERE CACHE_NAME = 'train'", "--csv",
                    "--config", config);
            assertEquals(0, sql.exit(), sql.err());
            assertEquals(List.of("CACHE_NAME", "train"), sql.out().lines().toList());

            Run verify = edgetrain("dataset", "verify", "--json", "--any-size", "--cifar", cifar.toString());
            assertEquals(0, verify.exit(), verify.err());
            assertTrue(Json.mapper().readTree(verify.out()).get("ok").asBoolean(), verify.out());

            Run local = edgetrain("train-local", "--cifar", cifar.toString(), "--model", "resnet8", "--epochs", "1",
                    "--limit-train", "32", "--limit-test", "20", "--batch", "16", "--threads", "1", "--json", "-");
            assertEquals(0, local.exit(), local.err());
            assertEquals("resnet8", Json.mapper().readTree(local.out()).get("model").asText(), local.out());
            assertTrue(local.err().contains("train-local: resnet8"), "its progress goes to stderr: " + local.err());
        });
    }

    @Test
    void statusReadsAFleetWithTlsOverTheThinClient() throws Exception {
        char[] password = System.getenv("EDGETRAIN_TEST_TLS_PASSWORD").toCharArray();
        Path fleetDir = dir.resolve("tls");
        org.edgetrain.compute.security.FleetCertificates certificates =
                new org.edgetrain.compute.security.FleetCertificates(fleetDir, password);
        certificates.initAuthority();
        for (String name : List.of("tls-a", "tls-b", FleetOptions.TOOL_IDENTITY)) {
            certificates.issue(name);
        }
        Path config = FleetPorts.nodeFile(fleetDir, 1, "tls.keystore={name}.p12\ntls.truststore=truststore.p12\n"
                + "tls.password.env=EDGETRAIN_TEST_TLS_PASSWORD\n");
        List<Ignite> devices = new ArrayList<>();
        try {
            for (String name : List.of("tls-a", "tls-b")) {
                devices.add(Ignition.start(NodeConfigurations.build(NodeSettings.fromFile(config, name, "pc", 1))));
            }
            Run status = edgetrain("status", "--json", "--config", config.toString());
            assertEquals(0, status.exit(), status.err());
            assertEquals(2, Json.mapper().readTree(status.out()).get("devices").size(), status.out());
        } finally {
            if (!devices.isEmpty()) {
                devices.get(0).cluster().shutdownPolicy(org.apache.ignite.ShutdownPolicy.IMMEDIATE);
            }
            devices.forEach(d -> Ignition.stop(d.name(), true));
        }
    }

    @Test
    void predictLabelsImagesAndRefusesWhatIsNotAModelOrAnImage() throws Exception {
        org.edgetrain.model.cifar.CifarSplit test = new CifarReader().read(SyntheticCifar.write(dir, 10, 10, 7)).test();
        Path model = dir.resolve("model.zip");
        float[] expected;
        List<String> images = new ArrayList<>();
        try (org.edgetrain.model.engine.Dl4jEngine engine = new org.edgetrain.model.engine.Dl4jEngine(
                org.edgetrain.model.net.NetworkSpec.of("resnet8", 4), false)) {
            org.edgetrain.compute.artifacts.ModelArtifacts.write("resnet8", engine.state(), model,
                    org.edgetrain.compute.artifacts.ModelArtifacts.Format.DL4J,
                    new org.edgetrain.compute.artifacts.Provenance("test", null, null, null, null, null));
            int[] indices = {0, 1, 2};
            expected = engine.probabilities(org.edgetrain.model.cifar.Batch.of(test.records(), indices, new long[3],
                    org.edgetrain.model.cifar.Augmentation.none(), 0));
            for (int i : indices) {
                Path png = dir.resolve("image-" + i + ".png");
                javax.imageio.ImageIO.write(org.edgetrain.model.cifar.ImageInput.image(test.record(i)), "png", png.toFile());
                images.add(png.toString());
            }
        }
        List<String> args = new ArrayList<>(List.of("predict", "--model", model.toString(), "--top", "2", "--json"));
        args.addAll(images);
        Run predict = edgetrain(args.toArray(String[]::new));
        assertEquals(0, predict.exit(), predict.err());
        JsonNode predictions = Json.mapper().readTree(predict.out());
        assertEquals(3, predictions.size(), predict.out());
        for (int i = 0; i < 3; i++) {
            JsonNode top = predictions.get(i).get("top");
            assertEquals(images.get(i), predictions.get(i).get("image").asText());
            assertEquals(2, top.size());
            int best = org.edgetrain.model.train.TestReport.argMax(expected, i * 10, 10);
            // A 32x32 image goes in unscaled: the network sees exactly what the test pipeline gives it.
            assertEquals(org.edgetrain.model.cifar.CifarFormat.LABEL_NAMES.get(best), top.get(0).get("class").asText());
            assertEquals(expected[i * 10 + best], top.get(0).get("probability").asDouble(), 1e-6);
            assertTrue(top.get(0).get("probability").asDouble() >= top.get(1).get("probability").asDouble());
        }

        Path corrupt = dir.resolve("corrupt.zip");
        Files.write(corrupt, java.util.Arrays.copyOf(Files.readAllBytes(model), 1000));
        Path notAnImage = dir.resolve("notes.png");
        Files.writeString(notAnImage, "not an image");
        for (String[] bad : List.of(new String[] {"--model", dir.resolve("missing.zip").toString(), images.get(0)},
                new String[] {"--model", corrupt.toString(), images.get(0)},
                new String[] {"--model", model.toString(), notAnImage.toString()},
                new String[] {"--model", model.toString(), dir.resolve("missing.png").toString()})) {
            List<String> call = new ArrayList<>(List.of("predict"));
            call.addAll(List.of(bad));
            Run refused = edgetrain(call.toArray(String[]::new));
            assertEquals(2, refused.exit(), String.join(" ", bad) + ": " + refused.err());
            String named = bad[bad.length - 1].endsWith(".png") && !bad[1].contains("missing") && !bad[1].contains("corrupt")
                    ? bad[bad.length - 1] : bad[1];
            assertTrue(refused.err().contains(named), refused.err());
        }
    }

    @Test
    void badInputExitsTwoAndStartsNothing() throws Exception {
        Path fleetDir = dir.resolve("fleet");
        String nobody = FleetPorts.nodeFile(dir, 1, "").toString(); // a fleet that is not there
        Run demo = edgetrain("demo", "--devices", "pc,foo", "--dir", fleetDir.toString(), "--config", nobody);
        assertEquals(2, demo.exit(), demo.err());
        assertTrue(demo.err().contains("unknown device class 'foo'"), demo.err());
        assertFalse(Files.exists(fleetDir), "demo started something before it checked its arguments");

        Run model = edgetrain("train-local", "--cifar", dir.toString(), "--model", "resnet7");
        assertEquals(2, model.exit(), model.err());
        assertTrue(model.err().contains("unknown model 'resnet7'"), model.err());

        Run schedule = edgetrain("train", "--schedule", "linear", "--config", nobody);
        assertEquals(2, schedule.exit(), schedule.err());

        Run noFleet = edgetrain("status", "--config", nobody);
        assertEquals(2, noFleet.exit(), noFleet.err());
        assertTrue(noFleet.err().contains("start devices first"), noFleet.err());
        assertEquals("", noFleet.out());

        Run noDevice = edgetrain("cluster", "kill", "rpi4-9", "--dir", dir.resolve("no-fleet").toString());
        assertEquals(2, noDevice.exit(), noDevice.err());
        assertTrue(noDevice.err().contains("no device named rpi4-9") && noDevice.err().contains("edgetrain cluster list"),
                "names the device and a command that exists: " + noDevice.err());
    }

    /** Runs {@code edgetrain args} in a JVM of its own, as bin/edgetrain does. */
    private Run edgetrain(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(LocalFleet.jvmFlags());
        command.addAll(List.of("-Xmx1g", "-Djava.net.preferIPv4Stack=true", "-DIGNITE_QUIET=false", "-DIGNITE_NO_ASCII=true",
                "-DIGNITE_UPDATE_NOTIFIER=false", "-Dedgetrain.home=" + SystemProperty.home(),
                "-Dedgetrain.tool.log=" + dir.resolve("tools.log"),
                "-Dlog4j2.configurationFile=" + SystemProperty.home().resolve("ignite-config/log4j2.xml"),
                "-DIGNITE_MARSHALLER_WHITELIST=" + SystemProperty.home().resolve("ignite-config/marshaller-allowlist.txt"),
                "-cp", System.getProperty("java.class.path"), EdgetrainCommand.class.getName()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!process.waitFor(240, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("edgetrain " + String.join(" ", args) + " did not end: " + Files.readString(err));
        }
        return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err));
    }
}
