package org.edgetrain.compute.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.edgetrain.compute.io.Json;
import org.edgetrain.compute.testing.FleetPorts;
import org.edgetrain.model.cifar.SyntheticCifar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetCommandTest {
    @TempDir
    Path dir;

    @Test
    void verifyPrintsCountsAsJson() throws Exception {
        Path folder = SyntheticCifar.write(dir, 20, 10, 1);

        Run run = run("dataset", "verify", "--cifar", folder.toString(), "--json", "--any-size");

        assertEquals(0, run.exitCode, run.err);
        JsonNode json = Json.mapper().readTree(run.out);
        assertEquals(100, json.get("train").asInt());
        assertEquals(10, json.get("test").asInt());
        assertEquals(10, json.get("classes").size());
        assertEquals(10, json.get("classes").get(3).get("train").asInt());
    }

    @Test
    void verifyFlagsNonOfficialCounts() throws Exception {
        Path folder = SyntheticCifar.write(dir, 20, 10, 1);

        Run run = run("dataset", "verify", "--cifar", folder.toString(), "--json");

        assertEquals(1, run.exitCode);
        JsonNode json = Json.mapper().readTree(run.out);
        assertFalse(json.get("ok").asBoolean());
        assertTrue(json.get("problems").get(0).asText().contains("expected 50,000 training"));
    }

    @Test
    void verifyOfCorruptDataExitsTwoWithTheReason() throws IOException {
        Path folder = SyntheticCifar.write(dir, 5, 5, 1);
        Files.write(folder.resolve("data_batch_1.bin"), new byte[100]);

        Run run = run("dataset", "verify", "--cifar", folder.toString());

        assertEquals(2, run.exitCode);
        assertTrue(run.err.contains("data_batch_1.bin is 100 bytes"), run.err);
    }

    @Test
    void loadOfABadArchiveFailsBeforeTouchingTheFleet() throws IOException {
        Path bad = Files.writeString(dir.resolve("cifar-10-binary.tar.gz"), "not an archive");
        Path config = FleetPorts.nodeFile(dir, 1, ""); // a fleet the command must not try to reach

        Run run = run("dataset", "load", "--cifar", bad.toString(), "--config", config.toString());

        assertEquals(2, run.exitCode);
        assertTrue(run.err.contains("not gzip-compressed"), run.err);
        assertFalse(run.err.contains("cannot join the fleet"), "it must not have tried to connect: " + run.err);
    }

    @Test
    void fetchFromFileUrlChecksMd5() throws Exception {
        byte[] archive = "pretend archive".getBytes(StandardCharsets.UTF_8);
        Path source = Files.write(dir.resolve("source.tar.gz"), archive);

        Path saved = DatasetCommand.fetch(source.toUri(), dir.resolve("out"), md5(archive));

        assertArrayEquals(archive, Files.readAllBytes(saved));
    }

    @Test
    void fetchOverLoopbackHttpRejectsWrongMd5AndKeepsNothing() throws Exception {
        byte[] archive = new byte[300_000];
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/cifar-10-binary.tar.gz", exchange -> {
            exchange.sendResponseHeaders(200, archive.length);
            exchange.getResponseBody().write(archive);
            exchange.close();
        });
        server.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/cifar-10-binary.tar.gz");

            Path saved = DatasetCommand.fetch(uri, dir.resolve("ok"), md5(archive));
            EdgetrainCommand.UserError e = assertThrows(EdgetrainCommand.UserError.class,
                    () -> DatasetCommand.fetch(uri, dir.resolve("bad"), "00000000000000000000000000000000"));

            assertEquals(archive.length, Files.size(saved));
            assertTrue(e.getMessage().contains("expected 00000000000000000000000000000000"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("bad/cifar-10-binary.tar.gz")));
            assertFalse(Files.exists(dir.resolve("bad/cifar-10-binary.tar.gz.part")));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void unreachableSourceSaysHowToPassALocalCopy() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        Run run = run("dataset", "fetch", "--url", "http://127.0.0.1:" + closedPort + "/x.tar.gz", "--to", dir.toString());

        assertEquals(2, run.exitCode);
        assertTrue(run.err.contains("cannot reach"), run.err);
        assertTrue(run.err.contains("--cifar PATH"), run.err);
    }

    @Test
    void unknownSubcommandOptionIsAUsageError() {
        Run run = run("dataset", "verify", "--cifar", dir.toString(), "--bogus");

        assertEquals(2, run.exitCode);
        assertTrue(run.err.contains("Unknown option: '--bogus'"), run.err);
    }

    static String md5(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    }

    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            var commandLine = EdgetrainCommand.commandLine(new EdgetrainCommand());
            commandLine.setErr(new java.io.PrintWriter(System.err, true));
            int code = commandLine.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
