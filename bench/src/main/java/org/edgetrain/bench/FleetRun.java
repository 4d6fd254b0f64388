package org.edgetrain.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.cli.FleetOptions;
import org.edgetrain.compute.fleet.LocalFleet;
import org.edgetrain.compute.grid.DatasetLoader;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.grid.NodeSettings;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.model.cifar.CifarDataset;
import org.edgetrain.model.net.NetworkSpec;

/**
 * One measured fleet: start device processes, load data, train until {@code rounds} rounds after the warm-up have
 * committed, stop everything. Throughput is the committed samples of the measured rounds over the wall-clock time
 * from the end of the last warm-up round to the end of the last measured one: the coordinator's work between rounds
 * (planning, aggregation, commit, metrics) counts. The warm-up ({@link #WARM_UP_ROUNDS}) is left out.
 *
 * @param devices device classes
 * @param model network
 * @param batch images per step
 * @param rounds measured rounds
 * @param roundSeconds target round length
 * @param capabilityAware capability-weighted placement and adaptive quotas (false: equal split, equal quotas)
 * @param throttle how devices are limited
 * @param cpuScale multiplies each class's CPU share
 * @param failureDetectionMillis the devices' failure detection timeout, or 0 for the node configuration's own; devices
 *     given a few hundredths of a core can pause past the default 5 s and be dropped from the fleet. Set, the
 *     configuration file is copied into the run's folder with this key added (relative TLS store paths would then not
 *     resolve: benchmarks run over plain loopback configurations).
 * @param memoryLimit each device's memory limit (a cgroup, as {@code cluster up --memory-limit}), or null for none
 */
record FleetRun(List<String> devices, String model, int batch, int rounds, double roundSeconds, boolean capabilityAware,
                LocalFleet.Throttle throttle, double cpuScale, long failureDetectionMillis,
                LocalFleet.MemoryLimit memoryLimit) {
    /** A run without memory limits. */
    FleetRun(List<String> devices, String model, int batch, int rounds, double roundSeconds, boolean capabilityAware,
             LocalFleet.Throttle throttle, double cpuScale, long failureDetectionMillis) {
        this(devices, model, batch, rounds, roundSeconds, capabilityAware, throttle, cpuScale, failureDetectionMillis,
                null);
    }

    /**
     * Rounds left out before measuring: the calibration round and three more, because a throttled JVM warms up
     * slowly (its JIT compiler shares the device's CPU quota: measured, a pc at 0.75 core trained at 76 images/s in
     * rounds 3-4 and at 124 from round 5 on).
     */
    static final int WARM_UP_ROUNDS = 4;

    /**
     * What one run measured.
     *
     * @param residentMegabytes the sum over devices of each one's largest resident memory in the run (what the
     *     fleet needs of its hosts), or -1 where devices could not tell
     * @param deviceImagesPerSecond per device class, the images/s one device of that class contributed to the
     *     fleet's figure: its accepted samples of the measured rounds over the same wall-clock window, averaged over
     *     the class's devices (so the classes' figures times their device counts add up to the fleet's)
     * @param idleFraction per device class, the share of the measured window its devices did not train (waiting for
     *     the others, for the coordinator, for data), averaged over the class's devices
     * @param deviceIdleFraction the same per device, by device name
     * @param coordinatorMillis the median over the measured rounds of the coordinator's work at a round's end
     *     (ROUNDS.COORDINATOR_MS), or -1 when not recorded
     * @param coordinatorCpuMillis the same for the CPU time of the coordinator's thread (ROUNDS.COORDINATOR_CPU_MS)
     * @param roundSeconds the measured rounds' median wall-clock length (from one round's end to the next's)
     */
    record Measurement(double imagesPerSecond, List<Double> roundImagesPerSecond, double residentMegabytes,
                       Map<String, Double> deviceImagesPerSecond, Map<String, Double> idleFraction,
                       Map<String, Double> deviceIdleFraction, double coordinatorMillis, double coordinatorCpuMillis,
                       double roundSeconds) {
    }

    Measurement run(FleetOptions fleet, CifarDataset data, Path dir) throws InterruptedException, IOException {
        Path config = fleet.configPath();
        if (failureDetectionMillis > 0) {
            Files.createDirectories(dir);
            config = Files.writeString(dir.resolve("node.properties"), Files.readString(config)
                    + "\n# bench: devices at a few hundredths of a core need longer than the default\n"
                    + NodeSettings.Keys.FAILURE_DETECTION_MILLIS + "=" + failureDetectionMillis + "\n");
        }
        LocalFleet local = LocalFleet.open(dir, config).throttled(throttle, cpuScale).memoryLimited(memoryLimit);
        try {
            devices.forEach(local::add);
            // Ignite admits joining nodes one at a time: a tool joining beside 32 starting devices waited over 240 s.
            int joinSeconds = Math.max(240, 20 * devices.size());
            try (Ignite client = fleet.connect(joinSeconds)) {
                fleet.awaitDevices(client, devices.size(), joinSeconds, local);
                DatasetLoader.load(client, data, 1, capabilityAware, n -> { });
                JobSpec job = JobSpec.builder("bench-" + UUID.randomUUID().toString().substring(0, 8),
                                NetworkSpec.of(model, 1)).epochs(1000).batch(batch).roundSeconds(roundSeconds)
                        .adaptiveQuotas(capabilityAware).build();
                JobSubmitter.submit(client, job);
                long deadline = System.currentTimeMillis()
                        + (long) ((WARM_UP_ROUNDS + rounds + 3) * Math.max(30, roundSeconds * 4) * 1000);
                while (true) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("fleet " + devices + " did not finish " + rounds + " rounds in time");
                    }
                    Thread.sleep(500); // polling the ROUNDS table with a deadline
                    List<List<?>> rows = GridSchema.sql(client, "SELECT SAMPLES, SECONDS, ENDED_AT, EPOCH, ROUND_NO, "
                            + "COORDINATOR_MS, COORDINATOR_CPU_MS FROM ROUNDS WHERE JOB = ? "
                            + "AND COMMITTED AND ROUND_NO >= ? ORDER BY ROUND_NO LIMIT ?", job.id(), WARM_UP_ROUNDS, rounds + 1);
                    if (rows.size() <= rounds) {
                        continue;
                    }
                    JobSubmitter.stop(client);
                    org.edgetrain.compute.cli.DemoCommand.saveTables(fleet.jdbcUrl(), dir.resolve("metrics"));
                    client.cluster().shutdownPolicy(org.apache.ignite.ShutdownPolicy.IMMEDIATE); // the whole fleet stops next
                    long samples = 0;
                    List<Double> perRound = new ArrayList<>();
                    for (List<?> row : rows.subList(1, rows.size())) {
                        long s = ((Number) row.get(0)).longValue();
                        samples += s;
                        perRound.add(s / ((Number) row.get(1)).doubleValue());
                    }
                    double seconds = (endedAt(rows.get(rows.size() - 1)) - endedAt(rows.get(0))) / 1000.0;
                    // an epoch's tail: rounds in which devices ran out of data train at a fraction of the others' rate
                    double typical = EngineBenchmark.median(perRound);
                    boolean tail = perRound.stream().anyMatch(rate -> rate < 0.5 * typical);
                    if (tail || !rows.get(0).get(3).equals(rows.get(rows.size() - 1).get(3))) {
                        System.out.printf("warning: %s reached an epoch's end in its measured rounds (half-empty "
                                + "rounds and an evaluation count): use more training images%n", devices);
                    }
                    long firstMeasured = ((Number) rows.get(1).get(4)).longValue();
                    long lastMeasured = ((Number) rows.get(rows.size() - 1).get(4)).longValue();
                    List<Double> coordinator = new ArrayList<>();
                    List<Double> coordinatorCpu = new ArrayList<>();
                    List<Double> lengths = new ArrayList<>();
                    for (int i = 1; i < rows.size(); i++) {
                        if (rows.get(i).get(5) instanceof Number millis) {
                            coordinator.add(millis.doubleValue());
                        }
                        if (rows.get(i).get(6) instanceof Number cpuMillis) {
                            coordinatorCpu.add(cpuMillis.doubleValue());
                        }
                        lengths.add((endedAt(rows.get(i)) - endedAt(rows.get(i - 1))) / 1000.0);
                    }
                    Map<String, Double> trainingSeconds = sums(client, "DEVICE_CLASS", "SUM(SECONDS)", firstMeasured, lastMeasured);
                    Map<String, Double> idle = new TreeMap<>();
                    trainingSeconds.forEach((deviceClass, busy) -> idle.put(deviceClass,
                            Math.max(0, 1 - busy / (seconds * count(deviceClass)))));
                    Map<String, Double> deviceIdle = new TreeMap<>();
                    sums(client, "DEVICE", "SUM(SECONDS)", firstMeasured, lastMeasured).forEach((device, busy) -> deviceIdle.put(device,
                            Math.max(0, 1 - busy / seconds)));
                    local.devices().forEach(d -> deviceIdle.putIfAbsent(d.name(), 1.0)); // trained nothing measured
                    Map<String, Double> rates = new TreeMap<>();
                    sums(client, "DEVICE_CLASS", "SUM(SAMPLES)", firstMeasured, lastMeasured).forEach((deviceClass, trained) ->
                            rates.put(deviceClass, trained / seconds / count(deviceClass)));
                    return new Measurement(samples / seconds, perRound, residentMegabytes(client), rates, idle,
                            deviceIdle, coordinator.isEmpty() ? -1 : EngineBenchmark.median(coordinator),
                            coordinatorCpu.isEmpty() ? -1 : EngineBenchmark.median(coordinatorCpu),
                            EngineBenchmark.median(lengths));
                }
            }
        } finally {
            local.down(30);
        }
    }

    /** @return the sum of each device's peak RESIDENT_MB in the run, or -1 when a device reported none */
    private static double residentMegabytes(Ignite client) {
        List<List<?>> peaks = GridSchema.sql(client, "SELECT DEVICE, MAX(RESIDENT_MB) FROM DEVICE_ROUNDS GROUP BY DEVICE");
        double sum = 0;
        for (List<?> peak : peaks) {
            if (!(peak.get(1) instanceof Number n) || n.doubleValue() < 0) {
                return -1;
            }
            sum += n.doubleValue();
        }
        return peaks.isEmpty() ? -1 : sum;
    }

    /**
     * @param groupBy {@code DEVICE} or {@code DEVICE_CLASS}
     * @return per device or class, {@code aggregate} over the accepted rows of the measured rounds
     */
    private static Map<String, Double> sums(Ignite client, String groupBy, String aggregate, long firstRound,
                                            long lastRound) {
        Map<String, Double> sums = new TreeMap<>();
        for (List<?> row : GridSchema.sql(client, "SELECT " + groupBy + ", " + aggregate + " FROM DEVICE_ROUNDS WHERE "
                + "ROUND_NO BETWEEN ? AND ? AND STATUS = 'ACCEPTED' GROUP BY " + groupBy, firstRound, lastRound)) {
            sums.put((String) row.get(0), ((Number) row.get(1)).doubleValue());
        }
        return sums;
    }

    private long count(String deviceClass) {
        return Math.max(1, devices.stream().filter(deviceClass::equals).count());
    }

    private static long endedAt(List<?> row) {
        return ((java.sql.Timestamp) row.get(2)).getTime();
    }
}
