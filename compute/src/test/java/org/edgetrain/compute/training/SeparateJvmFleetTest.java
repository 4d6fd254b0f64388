package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.edgetrain.compute.cli.LocalFleet;
import org.edgetrain.compute.grid.DatasetLoader;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.grid.Reconnects;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;
import org.edgetrain.model.cifar.CifarReader;
import org.edgetrain.model.cifar.SyntheticCifar;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.schedule.LearningRateSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Devices as separate JVMs, started the way {@code edgetrain cluster up} starts them; this JVM joins as a client. */
@Timeout(600)
class SeparateJvmFleetTest {
    @TempDir
    Path dir;

    @Test
    void threeDeviceProcessesTrainTwoEpochsAndSurviveACrash() throws Exception {
        runWithCrash(48700, ignite -> "rpi4-2", false);
    }

    @Test
    void aCrashOfTheCoordinatorsDeviceLosesNoCommittedRound() throws Exception {
        runWithCrash(48750, SeparateJvmFleetTest::coordinatorDevice, true);
    }

    @Test
    void losingEveryCopyOfSomePartitionsPausesTrainingUntilTheDataIsReloaded() throws Exception {
        Path config = config(48800);
        LocalFleet fleet = LocalFleet.open(dir.resolve("fleet"), config).throttled(LocalFleet.Throttle.NONE, 1);
        try {
            for (String device : List.of("pc", "pc", "rpi4", "rpi4")) {
                fleet.add(device);
            }
            NodeSettings client = NodeSettings.fromFile(config, "test-client", "client", 0).asClient();
            try (Ignite ignite = Ignition.start(NodeConfigurations.build(client))) {
                awaitServers(ignite, 4, fleet);
                org.edgetrain.model.cifar.CifarDataset data = new CifarReader().read(SyntheticCifar.write(dir, 40, 20, 10));
                DatasetLoader.load(ignite, data, 1, n -> { });
                JobSpec job = new JobSpec("lose", NetworkSpec.of("resnet8", 3), 2, 16, 0.5,
                        new LearningRateSchedule("constant", 0.05, 2, 0), 0, 16, 1, true);
                JobSubmitter.submit(ignite, job);
                SelfHealingTest.awaitVersion(ignite, 1);

                // Three of four devices crash at once: with one backup, partitions held only by them are gone.
                fleet.kill("rpi4-1");
                fleet.kill("rpi4-2");
                fleet.kill("pc-2");
                SelfHealingTest.awaitEvent(ignite, "PARTITIONS_LOST");
                long pausedAt = Reconnects.read(ignite, JobSubmitter::current).version();
                List<List<?>> lost = Reconnects.read(ignite, i -> GridSchema.sql(i, "SELECT DETAIL FROM EVENTS WHERE KIND = 'PARTITIONS_LOST'"));
                assertTrue(String.valueOf(lost.get(0).get(0)).contains("training paused: partitions ["), lost.toString());

                // The operator reloads the data set (idempotent); training resumes on the devices left.
                DatasetLoader.load(ignite, data, 1, n -> { });
                ModelState last = GridTrainingTest.awaitFinished(ignite, 300_000);

                assertEquals(400, last.samplesCommitted(), "two epochs of 200 samples, none skipped or repeated");
                assertTrue(last.version() > pausedAt);
                SelfHealingTest.awaitEvent(ignite, "PARTITIONS_RESTORED");
                ignite.cluster().shutdownPolicy(org.apache.ignite.ShutdownPolicy.IMMEDIATE); // the whole fleet stops next
            }
        } finally {
            fleet.down(20);
            keepLogs();
        }
    }

    @Test
    void aJobLeftWithoutACoordinatorIsResumedByTheWatchdog() throws Exception {
        Path config = config(48650);
        LocalFleet fleet = LocalFleet.open(dir.resolve("fleet"), config).throttled(LocalFleet.Throttle.NONE, 1);
        try {
            fleet.add("pc");
            fleet.add("pc");
            NodeSettings client = NodeSettings.fromFile(config, "test-client", "client", 0).asClient();
            try (Ignite ignite = Ignition.start(NodeConfigurations.build(client))) {
                awaitServers(ignite, 2, fleet);
                DatasetLoader.load(ignite, new CifarReader().read(SyntheticCifar.write(dir, 20, 20, 12)), 1, n -> { });
                JobSpec job = new JobSpec("orphan", NetworkSpec.of("resnet8", 3), 2, 16, 0.5,
                        new LearningRateSchedule("constant", 0.05, 2, 0), 0, 19, 1, true);
                JobSubmitter.submit(ignite, job);
                SelfHealingTest.awaitVersion(ignite, 1);

                // What Ignite sometimes leaves behind when several devices fail at once (apache/ignite#12315): an
                // unfinished job and no coordinator anywhere.
                ignite.services().cancel(RoundCoordinator.SERVICE_NAME);
                SelfHealingTest.awaitEvent(ignite, "COORDINATOR_REDEPLOYED");
                ModelState last = GridTrainingTest.awaitFinished(ignite, 300_000);

                assertEquals(200, last.samplesCommitted(), "2 epochs of 100 samples, none lost or repeated");
                ignite.cluster().shutdownPolicy(org.apache.ignite.ShutdownPolicy.IMMEDIATE); // the whole fleet stops next
            }
        } finally {
            fleet.down(20);
            keepLogs();
        }
    }

    @Test
    void aDeviceJoinsAndAnotherLeavesGracefullyWhileTrainingRuns() throws Exception {
        Path config = config(48850);
        LocalFleet fleet = LocalFleet.open(dir.resolve("fleet"), config).throttled(LocalFleet.Throttle.NONE, 1);
        try {
            fleet.add("pc");
            fleet.add("pc");
            NodeSettings client = NodeSettings.fromFile(config, "test-client", "client", 0).asClient();
            try (Ignite ignite = Ignition.start(NodeConfigurations.build(client))) {
                awaitServers(ignite, 2, fleet);
                DatasetLoader.load(ignite, new CifarReader().read(SyntheticCifar.write(dir, 100, 20, 11)), 1, n -> { });
                // ResNet-20 and four epochs: long enough for a device to join and another to leave meanwhile.
                JobSpec job = new JobSpec("churn", NetworkSpec.of("resnet20", 3), 4, 16, 1.0,
                        new LearningRateSchedule("constant", 0.05, 4, 0), 0, 17, 1, true);
                JobSubmitter.submit(ignite, job);
                SelfHealingTest.awaitVersion(ignite, 1);

                fleet.add("rpi4"); // joins mid-training
                awaitAcceptedRound(ignite, "rpi4-1");
                fleet.stop("pc-2", 120); // leaves gracefully: finishes its job, hands its partitions over

                ModelState last = GridTrainingTest.awaitFinished(ignite, 300_000);

                assertEquals(2000, last.samplesCommitted(), "four epochs of 500 samples, none skipped or repeated");
                assertEquals(500, ignite.cache(org.edgetrain.compute.grid.GridNames.TRAIN).size(), "data lost on leave");
                assertTrue(ignite.cache(org.edgetrain.compute.grid.GridNames.TRAIN).lostPartitions().isEmpty());
                ignite.cluster().shutdownPolicy(org.apache.ignite.ShutdownPolicy.IMMEDIATE); // the whole fleet stops next
            }
        } finally {
            fleet.down(20);
            keepLogs();
        }
    }

    /** Copies the devices' logs to target/fleet-logs/TEMPDIR so that a failure on CI can be read afterwards. */
    private void keepLogs() throws java.io.IOException {
        Path target = Files.createDirectories(Path.of("target", "fleet-logs", dir.getFileName().toString()));
        try (java.util.stream.Stream<Path> files = Files.list(dir.resolve("fleet"))) {
            for (Path log : files.filter(f -> f.toString().endsWith(".log") || f.toString().endsWith(".out")).toList()) {
                Files.copy(log, target.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static void awaitAcceptedRound(Ignite ignite, String device) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 180_000;
        while (SelfHealingTest.count(ignite, "SELECT COUNT(*) FROM DEVICE_ROUNDS WHERE DEVICE = ? AND STATUS = 'ACCEPTED'",
                device) == 0) {
            assertTrue(System.currentTimeMillis() < deadline, device + " never trained in a round");
            Thread.sleep(200); // polling the metrics with a deadline
        }
    }

    private static Path configFile(Path dir, int port) throws java.io.IOException {
        Path config = dir.resolve("fleet-" + port + ".properties");
        Files.writeString(config, "discovery.addresses=127.0.0.1:" + port + ".." + (port + 9) + "\nlocal.address=127.0.0.1\n"
                + "discovery.port=" + port + "\ncommunication.port=" + (port - 400) + "\nclient.port=" + (port + 20)
                + "\nbackups=1\n");
        return config;
    }

    private Path config(int port) throws java.io.IOException {
        return configFile(dir, port);
    }

    private static void awaitServers(Ignite ignite, int count, LocalFleet fleet) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 180_000;
        while (ignite.cluster().forServers().nodes().size() < count) {
            assertTrue(System.currentTimeMillis() < deadline, "devices did not join: " + fleet.devices());
            Thread.sleep(250); // polling the topology with a deadline
        }
    }

    /** @return the device that hosts the coordinator singleton now */
    static String coordinatorDevice(Ignite ignite) {
        for (org.apache.ignite.services.ServiceDescriptor service : ignite.services().serviceDescriptors()) {
            if (service.name().equals(RoundCoordinator.SERVICE_NAME)) {
                java.util.UUID host = service.topologySnapshot().keySet().iterator().next();
                return String.valueOf(ignite.cluster().node(host).consistentId());
            }
        }
        throw new AssertionError("no coordinator deployed");
    }

    private void runWithCrash(int port, java.util.function.Function<Ignite, String> victim, boolean coordinatorMoves)
            throws Exception {
        Path config = config(port);
        LocalFleet fleet = LocalFleet.open(dir.resolve("fleet"), config).throttled(LocalFleet.Throttle.NONE, 1);
        try {
            fleet.add("pc");
            fleet.add("rpi4");
            fleet.add("rpi4");
            NodeSettings client = NodeSettings.fromFile(config, "test-client", "client", 0).asClient();
            try (Ignite ignite = Ignition.start(NodeConfigurations.build(client))) {
                awaitServers(ignite, 3, fleet);
                long deadline = System.currentTimeMillis() + 180_000;
                DatasetLoader.load(ignite, new CifarReader().read(SyntheticCifar.write(dir, 20, 20, 8)), 1, n -> { });
                JobSpec job = new JobSpec("jvm-job", NetworkSpec.of("resnet8", 3), 2, 16, 0.5,
                        new LearningRateSchedule("constant", 0.05, 2, 0), 0, 13, 1, true);
                JobSubmitter.submit(ignite, job);

                // Crash one device (SIGKILL) once the first round has committed; its data lives on in backups.
                while (JobSubmitter.current(ignite).version() < 1) {
                    assertTrue(System.currentTimeMillis() < deadline, "no round committed");
                    Thread.sleep(100); // polling the committed state with a deadline
                }
                long committedBefore = JobSubmitter.current(ignite).version();
                String killed = victim.apply(ignite);
                fleet.kill(killed);
                ModelState last = GridTrainingTest.awaitFinished(ignite, 300_000);

                assertTrue(last.version() > committedBefore, "no round committed after the crash of " + killed);

                assertEquals(200, last.samplesCommitted(), "2 epochs of 100 samples, none lost or repeated");
                assertEquals(100, ignite.cache(org.edgetrain.compute.grid.GridNames.TRAIN).size());
                List<List<?>> evals = GridSchema.sql(ignite, "SELECT COUNT(*) FROM EVALS WHERE JOB = 'jvm-job'");
                assertEquals(2L, evals.get(0).get(0));
                if (coordinatorMoves) {
                    List<List<?>> starts = GridSchema.sql(ignite, "SELECT DETAIL FROM EVENTS WHERE KIND = 'COORDINATOR_STARTED'");
                    assertEquals(2, starts.size(), "the coordinator must restart once, elsewhere: " + starts);
                }
                List<List<?>> rounds = GridSchema.sql(ignite, "SELECT MODEL_VERSION FROM ROUNDS WHERE COMMITTED ORDER BY ROUND_NO");
                for (int i = 1; i < rounds.size(); i++) {
                    assertEquals(((Number) rounds.get(i - 1).get(0)).longValue() + 1, ((Number) rounds.get(i).get(0)).longValue(),
                            "committed model versions must follow each other: " + rounds);
                }
                ignite.cluster().shutdownPolicy(org.apache.ignite.ShutdownPolicy.IMMEDIATE); // the whole fleet stops next
            }
        } finally {
            fleet.down(20);
            keepLogs();
        }
    }
}
