package org.edgetrain.compute.training;

import org.edgetrain.compute.settings.SystemProperty;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.DeviceFleet;
import org.edgetrain.compute.grid.FleetQueries;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.DatasetLoader;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.FleetActivation;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.grid.Reconnects;
import org.edgetrain.compute.health.Quarantine;
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
        runWithCrash(48750, ignite -> CoordinatorElection.host(ignite).orElseThrow(), true);
    }

    @Test
    void losingEveryCopyOfSomePartitionsPausesTrainingUntilTheDataIsReloaded() throws Exception {
        try (DeviceFleet devices = DeviceFleet.start(dir, 48800, "pc", "pc", "rpi4", "rpi4")) {
            Ignite ignite = devices.client();
            LocalFleet fleet = devices.fleet();
            org.edgetrain.model.cifar.CifarDataset data = new CifarReader().read(SyntheticCifar.write(dir, 40, 20, 10));
            DatasetLoader.load(ignite, data, 1, n -> { });
            JobSpec job = JobSpec.builder("lose", NetworkSpec.of("resnet8", 3)).epochs(2).batch(16).roundSeconds(0.5)
                    .schedule(new LearningRateSchedule("constant", 0.05, 2, 0)).seed(16).build();
            JobSubmitter.submit(ignite, job);
            SelfHealingTest.awaitVersion(ignite, 1);

            // Three of four devices crash at once: with one backup, partitions held only by them are gone. The one
            // left is the model's primary: the shared state has three copies on the most capable devices (by their
            // calibration, which is noisy here), and this test is about the data, not about losing the model too.
            String keeper = String.valueOf(ignite.affinity(GridNames.MODEL).mapKeyToNode(ModelState.KEY).consistentId());
            for (String device : List.of("pc-1", "pc-2", "rpi4-1", "rpi4-2")) {
                if (!device.equals(keeper)) {
                    fleet.kill(device);
                }
            }
            SelfHealingTest.awaitEvent(ignite, "PARTITIONS_LOST");
            long pausedAt = Reconnects.read(ignite, JobSubmitter::current).version();
            List<List<?>> lost = Reconnects.read(ignite, i -> GridSchema.sql(i, "SELECT DETAIL FROM EVENTS WHERE KIND = 'PARTITIONS_LOST'"));
            assertTrue(String.valueOf(lost.get(0).get(0)).contains("training paused: partitions ["), lost.toString());

            // The operator reloads the data set (idempotent); training resumes on the devices left, once the load has
            // ended: the load is held between its two splits until the coordinator has reported that it waits for it
            // (CI, before the wait: a device counted a half-filled partition and the job never finished its epoch).
            java.util.concurrent.CountDownLatch waiting = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CompletableFuture<long[]> reload = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> DatasetLoader.load(ignite, data, 1, streamed -> {
                        if (streamed == data.train().size()) {
                            awaitQuietly(waiting);
                        }
                    }));
            try {
                SelfHealingTest.awaitEvent(ignite, "DATASET_LOADING"); // recorded only when it holds a round back
            } finally {
                waiting.countDown();
            }
            assertEquals(220, reload.get(60, java.util.concurrent.TimeUnit.SECONDS)[0] + reload.get()[1]);
            ModelState last = GridTrainingTest.awaitFinished(ignite, 300_000);

            assertEquals(400, last.samplesCommitted(), "two epochs of 200 samples, none skipped or repeated");
            assertTrue(last.version() > pausedAt);
            SelfHealingTest.awaitEvent(ignite, "PARTITIONS_RESTORED");
        }
    }

    @Test
    void aWholeFleetRestartWithPersistenceResumesFromTheLastCommittedRound() throws Exception {
        try (DeviceFleet devices = DeviceFleet.start(dir, 48600, true, "pc", "pc")) {
            Ignite ignite = devices.client();
            assertTrue(FleetActivation.ensureActive(ignite, 60_000).startsWith("activated a new persistent fleet"));
            DatasetLoader.load(ignite, new CifarReader().read(SyntheticCifar.write(dir, 20, 20, 14)), 1, n -> { });
            JobSpec job = JobSpec.builder("restart", NetworkSpec.of("resnet8", 3)).epochs(3).batch(16).roundSeconds(0.5)
                    .schedule(new LearningRateSchedule("constant", 0.05, 3, 0)).seed(23).build();
            JobSubmitter.submit(ignite, job);
            SelfHealingTest.awaitVersion(ignite, 2);

            // Power cut: every device goes down at once, wherever the round stands.
            ModelState before = JobSubmitter.current(ignite);
            devices.stopAll();
            assertTrue(devices.fleet().devices().isEmpty());

            devices.startDevices(List.of("pc", "pc")); // the same names, so the same work directories
            ignite = devices.client();
            FleetActivation.ensureActive(ignite, 120_000); // Ignite itself activates once both devices are back
            assertEquals(org.apache.ignite.cluster.ClusterState.ACTIVE, ignite.cluster().state());
            ModelState after = JobSubmitter.current(ignite);
            // The round in flight at the cut may have committed after `before` was read: at most one version more.
            assertTrue(after.version() - before.version() <= 1 && after.version() >= before.version(),
                    "the restart must find the last committed model: v" + before.version() + " before, v" + after.version());
            if (after.version() == before.version()) {
                assertEquals(before.samplesCommitted(), after.samplesCommitted());
                org.junit.jupiter.api.Assertions.assertArrayEquals(before.state(), after.state());
            }
            assertEquals(100, ignite.cache(org.edgetrain.compute.grid.GridNames.TRAIN).size(), "data lost on restart");

            SelfHealingTest.awaitEvent(ignite, "COORDINATOR_REDEPLOYED"); // resumed by the model's new primary
            ModelState last = GridTrainingTest.awaitFinished(ignite, 300_000);
            assertEquals(300, last.samplesCommitted(), "three epochs of 100 samples across the restart, none repeated");
            assertTrue(last.version() > before.version());
        }
    }

    @Test
    void aFlappingDeviceIsQuarantinedWhileBackupsTrainItsPartitions() throws Exception {
        System.setProperty(SystemProperty.QUARANTINE_SECONDS.key(), "600"); // outlasts the test: its end is not under test
        try (DeviceFleet devices = DeviceFleet.start(dir, 49050, "pc", "pc", "rpi4")) {
            Ignite ignite = devices.client();
            LocalFleet fleet = devices.fleet();
            DatasetLoader.load(ignite, new CifarReader().read(SyntheticCifar.write(dir, 40, 20, 15)), 1, n -> { });
            JobSpec job = JobSpec.builder("flap", NetworkSpec.of("resnet8", 3)).epochs(200).batch(16).roundSeconds(0.5)
                    .schedule(new LearningRateSchedule("constant", 0.05, 200, 0)).seed(29).build();
            JobSubmitter.submit(ignite, job);
            SelfHealingTest.awaitVersion(ignite, 1);

            for (int crash = 1; crash <= Quarantine.FLAP_FAILURES; crash++) {
                fleet.kill("rpi4-1");
                awaitServerCount(ignite, 2);
                assertEquals("rpi4-1", fleet.add("rpi4").name()); // back under the same name
                devices.awaitServers(3);
            }
            SelfHealingTest.awaitEvent(ignite, "QUARANTINED");
            long quarantinedAfter = Reconnects.read(ignite, JobSubmitter::current).round();
            FleetQueries.DeviceStatus flapper = FleetQueries.devices(org.edgetrain.compute.grid.FleetReader.of(ignite)).stream()
                    .filter(d -> d.name().equals("rpi4-1")).findFirst().orElseThrow();
            assertTrue(flapper.health().startsWith("quarantined until "), flapper.health());

            // Training goes on without it; the partitions it holds as primary are trained from their backups.
            java.util.Set<Integer> itsPartitions = primaryPartitionsOnceRebalanced(ignite, "rpi4-1");
            java.util.Map<Integer, PartitionProgress> before = progress(ignite, itsPartitions);
            long deadline = System.currentTimeMillis() + 180_000;
            while (!advanced(before, progress(ignite, itsPartitions))) {
                assertTrue(System.currentTimeMillis() < deadline, "partitions " + itsPartitions + " of the quarantined "
                        + "device never advanced: " + before + " -> " + progress(ignite, itsPartitions));
                Thread.sleep(200); // polling the committed progress with a deadline
            }
            assertEquals(0, SelfHealingTest.count(ignite, "SELECT COUNT(*) FROM DEVICE_ROUNDS WHERE DEVICE = 'rpi4-1' "
                    + "AND ROUND_NO > ? AND SAMPLES > 0", quarantinedAfter), "a quarantined device got work");
            JobSubmitter.stop(ignite);
        } finally {
        System.clearProperty(SystemProperty.QUARANTINE_SECONDS.key());
        }
    }

    private static void awaitServerCount(Ignite ignite, int count) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (ignite.cluster().forServers().nodes().size() != count) {
            assertTrue(System.currentTimeMillis() < deadline, "the fleet never had " + count + " devices");
            Thread.sleep(100); // polling the topology with a deadline
        }
    }

    /** @return the partitions {@code device} holds as primary, once it holds any (a new device gets them after rebalancing) */
    private static java.util.Set<Integer> primaryPartitionsOnceRebalanced(Ignite ignite, String device)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            for (org.apache.ignite.cluster.ClusterNode node : ignite.cluster().forServers().nodes()) {
                int[] partitions = ignite.affinity(org.edgetrain.compute.grid.GridNames.TRAIN).primaryPartitions(node);
                if (String.valueOf(node.consistentId()).equals(device) && partitions.length > 0) {
                    return java.util.Arrays.stream(partitions).boxed().collect(java.util.stream.Collectors.toSet());
                }
            }
            assertTrue(System.currentTimeMillis() < deadline, device + " never became primary of any partition");
            Thread.sleep(200); // polling the affinity with a deadline
        }
    }

    /** @return true when some partition's committed progress moved on (a later epoch, or further in the same one) */
    private static boolean advanced(java.util.Map<Integer, PartitionProgress> before,
                                    java.util.Map<Integer, PartitionProgress> after) {
        return before.keySet().stream().anyMatch(p -> after.get(p).epoch() > before.get(p).epoch()
                || (after.get(p).epoch() == before.get(p).epoch() && after.get(p).cursor() > before.get(p).cursor()));
    }

    private static java.util.Map<Integer, PartitionProgress> progress(Ignite ignite, java.util.Set<Integer> partitions) {
        java.util.Map<Integer, PartitionProgress> out = new java.util.HashMap<>();
        for (int p : partitions) {
            PartitionProgress stored = org.edgetrain.compute.grid.Wire.unpack(
                    (byte[]) ignite.cache(org.edgetrain.compute.grid.GridNames.PROGRESS).get(p));
            out.put(p, stored == null ? new PartitionProgress(0, 0, -1) : stored);
        }
        return out;
    }

    @Test
    void aDeviceJoinsAndAnotherLeavesGracefullyWhileTrainingRuns() throws Exception {
        try (DeviceFleet devices = DeviceFleet.start(dir, 48850, "pc", "pc")) {
            Ignite ignite = devices.client();
            LocalFleet fleet = devices.fleet();
            DatasetLoader.load(ignite, new CifarReader().read(SyntheticCifar.write(dir, 100, 20, 11)), 1, n -> { });
            JobSpec job = JobSpec.builder("churn", NetworkSpec.of("resnet20", 3)).epochs(4).batch(16).roundSeconds(1.0)
                    .schedule(new LearningRateSchedule("constant", 0.05, 4, 0)).seed(17).build();
            JobSubmitter.submit(ignite, job);
            SelfHealingTest.awaitVersion(ignite, 1);

            fleet.add("rpi4"); // joins mid-training
            awaitAcceptedRound(ignite, "rpi4-1");
            // leaves gracefully: finishes its job, hands its partitions over (a hung leave is killed and fails here)
            assertTrue(fleet.stop("pc-2", 120), "pc-2's graceful leave hung; it was killed after 120 s");

            ModelState last = GridTrainingTest.awaitFinished(ignite, 300_000);

            assertEquals(2000, last.samplesCommitted(), "four epochs of 500 samples, none skipped or repeated");
            // On libtorch the job may end as pc-2 leaves, and the size is then read during the partition exchange
            // that follows the leave, which can miss partitions whose backups are being promoted: the suspected cause
            // of a CI run's 328 of 500 (the size was read at once then). Wait for the count with a deadline; a record
            // really lost keeps it below 500, and lost partitions are checked next.
            long settled = System.currentTimeMillis() + 60_000;
            while (ignite.cache(org.edgetrain.compute.grid.GridNames.TRAIN).size() != 500
                    && System.currentTimeMillis() < settled) {
                Thread.sleep(250); // polling the cache's size with a deadline
            }
            assertEquals(500, ignite.cache(org.edgetrain.compute.grid.GridNames.TRAIN).size(), "data lost on leave");
            assertTrue(ignite.cache(org.edgetrain.compute.grid.GridNames.TRAIN).lostPartitions().isEmpty());
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

    private void runWithCrash(int port, java.util.function.Function<Ignite, String> victim, boolean coordinatorMoves)
            throws Exception {
        try (DeviceFleet devices = DeviceFleet.start(dir, port, "pc", "rpi4", "rpi4")) {
            Ignite ignite = devices.client();
            DatasetLoader.load(ignite, new CifarReader().read(SyntheticCifar.write(dir, 20, 20, 8)), 1, n -> { });
            JobSpec job = JobSpec.builder("jvm-job", NetworkSpec.of("resnet8", 3)).epochs(2).batch(16).roundSeconds(0.5)
                    .schedule(new LearningRateSchedule("constant", 0.05, 2, 0)).seed(13).build();
            JobSubmitter.submit(ignite, job);

            // Crash one device (SIGKILL) once the first round has committed; its data lives on in backups.
            SelfHealingTest.awaitVersion(ignite, 1);
            long committedBefore = JobSubmitter.current(ignite).version();
            String killed = victim.apply(ignite);
            devices.fleet().kill(killed);
            ModelState last = GridTrainingTest.awaitFinished(ignite, 300_000);

            assertTrue(last.version() > committedBefore, "no round committed after the crash of " + killed);

            assertEquals(200, last.samplesCommitted(), "2 epochs of 100 samples, none lost or repeated");
            assertEquals(100, ignite.cache(org.edgetrain.compute.grid.GridNames.TRAIN).size());
            List<List<?>> evals = GridSchema.sql(ignite, "SELECT COUNT(*) FROM EVALS WHERE JOB = 'jvm-job'");
            assertEquals(2L, evals.get(0).get(0));
            if (coordinatorMoves) {
                List<List<?>> starts = GridSchema.sql(ignite, "SELECT DETAIL FROM EVENTS WHERE KIND = 'COORDINATOR_STARTED'");
                assertEquals(2, starts.size(), "the coordinator must restart once, elsewhere: " + starts);
                List<List<?>> takeovers = GridSchema.sql(ignite, "SELECT DETAIL FROM EVENTS WHERE KIND = 'COORDINATOR_REDEPLOYED'");
                assertEquals(1, takeovers.size(), takeovers.toString());
                assertTrue(String.valueOf(takeovers.get(0).get(0)).contains("device " + killed + " is gone"), takeovers.toString());
            }
            List<List<?>> rounds = GridSchema.sql(ignite, "SELECT MODEL_VERSION FROM ROUNDS WHERE COMMITTED ORDER BY ROUND_NO");
            for (int i = 1; i < rounds.size(); i++) {
                assertEquals(((Number) rounds.get(i - 1).get(0)).longValue() + 1, ((Number) rounds.get(i).get(0)).longValue(),
                        "committed model versions must follow each other: " + rounds);
            }
        }
    }

    private static void awaitQuietly(java.util.concurrent.CountDownLatch latch) {
        try {
            if (!latch.await(120, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("the coordinator never reported that it waits for the load");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
