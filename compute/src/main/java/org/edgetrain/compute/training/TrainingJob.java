package org.edgetrain.compute.training;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.lang.IgniteCallable;
import org.apache.ignite.resources.IgniteInstanceResource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.edgetrain.compute.grid.DeviceMemory;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.Wire;
import org.edgetrain.model.cifar.Augmentation;
import org.edgetrain.model.cifar.Batch;
import org.edgetrain.model.cifar.CifarFormat;
import org.edgetrain.model.engine.EngineKind;
import org.edgetrain.model.strategy.DeviceResult;
import org.edgetrain.model.train.Shuffle;
import org.edgetrain.rebalancing.DeviceThrottle;

/**
 * One device's share of a round: starting from the global model the job carries, train the device's replica on
 * slices of the partitions it owns as primary, reading only the local entries it trains ({@link PartitionKeys}), and
 * return the replica's state. No training sample crosses the network. The model travels in the job rather than being
 * read from the model cache because the coordinator sends a round out while the previous round's commit is still
 * running; the round's own commit lands only if the model it trained from was committed. A partition this node no
 * longer owns (it moved mid-round) is skipped, so its progress is not advanced and nothing is skipped in the epoch.
 *
 * <p>With a time box the device paces itself by the pace it measures in this very round ({@link TimeBox} sizes its
 * batches). The slices are then an upper bound, and the partitions advance by what was trained. A coordinator's
 * prediction of a device's speed is a round old; the device knows its speed now, so devices finish together even when
 * their speed swings from round to round (a throttled device's does, by 30 % and more). A device with short batches
 * trains on past its box until the round closes ({@link RoundEnd}) rather than idle while the round waits for a
 * slower device.
 */
final class TrainingJob implements IgniteCallable<byte[]> {
    private static final Logger LOG = LogManager.getLogger(TrainingJob.class);

    private static final long serialVersionUID = 1L;

    private final byte[] jobBytes;
    private final long round;
    private final byte[] modelBytes;
    private final int modelEpoch;
    private final int rollbacks;
    // Two doubles, not the record: Ignite's marshaller cannot build records (see Wire).
    private final double rateAtStart;
    private final double rateAtEnd;
    private final byte[] workBytes;
    private final boolean resetOptimizer;
    private final double trainSeconds;
    private final double expectedRate;
    private final java.util.UUID coordinator;
    private transient JobSpec job;
    private transient List<PartitionWork> work;

    @IgniteInstanceResource
    private transient Ignite ignite;

    /**
     * @param model the global model to start from (its epoch and rollback count travel with the job)
     * @param modelBytes {@code model}'s weights, packed once for all of the round's jobs
     * @param rate the learning rate from the round's start to its end, followed as the device's box goes by
     * @param trainSeconds the time box for training, or 0 to train every slice in full
     * @param expectedRate the coordinator's estimate of this device's images/s (sizes the first batch of a time box)
     * @param coordinator the coordinator's node, told when the time box is full ({@link RoundEnd})
     */
    TrainingJob(JobSpec job, long round, ModelState model, byte[] modelBytes, RoundRate rate, List<PartitionWork> work,
                boolean resetOptimizer, double trainSeconds, double expectedRate, java.util.UUID coordinator) {
        this.coordinator = coordinator;
        this.resetOptimizer = resetOptimizer;
        this.trainSeconds = trainSeconds;
        this.expectedRate = expectedRate;
        this.jobBytes = Wire.pack(job);
        this.round = round;
        this.modelBytes = modelBytes;
        this.modelEpoch = model.epoch();
        this.rollbacks = model.rollbacks();
        this.rateAtStart = rate.start();
        this.rateAtEnd = rate.end();
        this.workBytes = Wire.pack(new ArrayList<>(work));
    }

    @Override
    public byte[] call() {
        long received = System.nanoTime();
        job = Wire.unpack(jobBytes);
        work = Wire.unpack(workBytes);
        float[] model = job.transfer().unpackModel(modelBytes);
        ClusterNode self = ignite.cluster().localNode();
        String device = String.valueOf(self.consistentId());
        IgniteCache<Integer, byte[]> train = ignite.cache(GridNames.TRAIN);
        List<Long> ids = new ArrayList<>();
        List<PartitionAdvance> planned = new ArrayList<>();
        for (PartitionWork slice : work) {
            if (!owns(self, slice)) {
                LOG.info("round {}: partition {} skipped, no longer held here (moved)", round, slice.partition());
                continue; // moved away: its progress stays, the new owner trains it
            }
            int[] keys = PartitionKeys.of(ignite, train, slice.partition());
            int size = PartitionKeys.countBelow(keys, job.limitTrain()); // the job's samples: a prefix of the keys
            // Trained only if still owned and as large as committed progress says: a partition caught mid-move or
            // half-reloaded is left for a later round, so no sample is skipped or repeated. Samples are read as they
            // are trained (train, below): one gone by then ends the round's training there.
            boolean stillOwned = owns(self, slice);
            if (!stillOwned || (slice.expectedSize() >= 0 && slice.expectedSize() != size)) {
                LOG.info("round {}: partition {} skipped ({} of {} samples here{}), left for a later round", round,
                        slice.partition(), size, slice.expectedSize(), stillOwned ? "" : ", moved");
                continue;
            }
            int[] order = Shuffle.permutation(size, job.seed(), slice.epoch(), slice.partition());
            int to = Math.min(size, slice.from() + slice.quota());
            for (int i = slice.from(); i < to; i++) {
                ids.add((long) keys[order[i]]);
            }
            planned.add(new PartitionAdvance(slice.partition(), slice.epoch(), slice.from(), Math.max(slice.from(), to),
                    size));
        }
        try (RoundEnd.Device end = RoundEnd.Device.listen(ignite, job.id(), round, device, coordinator, trainSeconds)) {
            return train(model, device, train, ids, planned, end, received);
        }
    }

    /**
     * Trains the samples {@code ids} in order, reading each batch's from this node's copy as it comes (the slices are
     * sized for more than the box usually takes: reading them all first cost the time and heap of samples never
     * trained).
     */
    private byte[] train(float[] model, String device, IgniteCache<Integer, byte[]> samples, List<Long> ids,
                         List<PartitionAdvance> planned, RoundEnd.Device end, long received) {
        return DeviceReplica.withEngine(ignite, job, rollbacks, resetOptimizer,
                engine -> {
            engine.setState(model);
            // under a memory limit a big network's batch is trained in passes that fit (the same step, less memory)
            engine.limitImagesPerPass(DeviceMemory.ofThisProcess().imagesPerPass(job.network().model()));
            DeviceFault fault = DeviceFault.of(ignite);
            long start = System.nanoTime();
            double lossSum = 0;
            int epoch = work.isEmpty() ? modelEpoch : work.get(0).epoch();
            Augmentation augmentation = new Augmentation(job.seed(), true);
            int trained = 0;
            int batches = 0;
            TimeBox box = new TimeBox(trainSeconds, job.batch(), expectedRate, end);
            long readNanos = 0;
            boolean gone = false;
            while (trained < ids.size() && !gone) {
                long batchStart = System.nanoTime();
                int size = box.next(ids.size() - trained, (batchStart - start) / 1e9);
                if (size == 0) {
                    break; // the box is full: stopping now is what makes devices finish together
                }
                int from = trained;
                byte[] packed = new byte[size * CifarFormat.RECORD_BYTES];
                long[] sampleIds = new long[size];
                int read = 0;
                for (; read < size; read++) {
                    sampleIds[read] = ids.get(from + read);
                    byte[] record = PartitionKeys.read(samples, (int) sampleIds[read]);
                    if (record == null) {
                        break;
                    }
                    System.arraycopy(record, 0, packed, read * CifarFormat.RECORD_BYTES, CifarFormat.RECORD_BYTES);
                }
                readNanos += System.nanoTime() - batchStart;
                if (read < size) {
                    // its partition moved away since the round began: what was trained stands, the rest is left
                    LOG.info("round {}: sample {} no longer held here; the round's training ends at {} samples", round,
                            sampleIds[read], from + read);
                    gone = true;
                    if (read == 0) {
                        break;
                    }
                    size = read;
                    packed = Arrays.copyOf(packed, size * CifarFormat.RECORD_BYTES);
                    sampleIds = Arrays.copyOf(sampleIds, size);
                }
                int[] indices = IntStream.range(0, size).toArray();
                long step = System.nanoTime();
                long stepCpu = DeviceThrottle.mark();
                // How far through its share of the round the device is: by its box's time, or by its slices untimed.
                double through = trainSeconds > 0 ? (step - start) / 1e9 / trainSeconds : (double) trained / ids.size();
                lossSum += engine.train(Batch.of(packed, indices, sampleIds, augmentation, epoch),
                        learningRateFor(new RoundRate(rateAtStart, rateAtEnd).at(through), size, job.batch())) * size;
                batches++;
                long busy = System.nanoTime() - step;
                DeviceThrottle.pauseAfter(stepCpu);
                fault.slowDown(ignite, busy);
                trained += size;
                box.trained(size, (System.nanoTime() - batchStart) / 1e9);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            LOG.info("round {}: trained {} of {} samples in {} batches, {} s of a {} s box (prepared in {} s; reading"
                    + " the samples {} s)", round, trained, ids.size(), batches, String.format("%.2f", seconds),
                    String.format("%.2f", trainSeconds), String.format("%.2f", (start - received) / 1e9),
                    String.format("%.3f", readNanos / 1e9));
            // the state travels packed by the job's transfer (null here), rebuilt on the coordinator
            DeviceResult result = new DeviceResult(device, round, null, trained, lossSum);
            byte[] packedState = job.transfer().packResult(fault.corrupt(engine.state()), model);
            String resultId = device + "/" + round + "/" + java.util.UUID.randomUUID();
            if (TrainedSamples.enabled()) { // the ids are copied only for a fault-checked fleet
                TrainedSamples.record(new TrainedSamples.Entry(resultId, job.id(), round, epoch, device,
                        ids.subList(0, trained).stream().mapToLong(Long::longValue).toArray()));
            }
            return Wire.pack(new DeviceRoundResult(result, trainedPart(planned, trained), seconds,
                    seconds > 0 ? trained / seconds : 0, usedHeapMegabytes(), offHeapMegabytes(), cpuLoad(),
                    residentMegabytes(), EngineKind.of(engine).cliName(), packedState, resultId));
        });
    }

    /**
     * The learning rate for a batch of {@code size}: the job's rate scaled linearly below the job's batch (the linear
     * scaling rule of SGD with momentum), so that an image moves the model as far in a small batch as in a full one.
     * At the job's full rate, small batches overweight their images: batches of 3-15 of 16 ended at 0.72 against
     * 1.0 test accuracy.
     */
    static double learningRateFor(double jobRate, int size, int jobBatch) {
        return jobRate * Math.min(1.0, (double) size / jobBatch);
    }

    /**
     * @return the advances for the first {@code trained} samples, which were listed slice after slice in
     *     {@code planned}'s order; slices not reached are left out (their partitions stay where they were). Empty
     *     slices stay in: they record a partition's size (an empty partition must count as done for its epoch to end).
     */
    static List<PartitionAdvance> trainedPart(List<PartitionAdvance> planned, int trained) {
        List<PartitionAdvance> out = new ArrayList<>();
        int left = trained;
        for (PartitionAdvance advance : planned) {
            int span = advance.to() - advance.from();
            int take = Math.min(left, span);
            if (span > 0 && take <= 0) {
                continue; // not reached in the time box
            }
            out.add(new PartitionAdvance(advance.partition(), advance.epoch(), advance.from(), advance.from() + take,
                    advance.size()));
            left -= take;
        }
        return out;
    }

    /**
     * @return true when this node holds the copy {@code slice} is to be trained from: the primary, or a backup.
     *     (Affinity's isPrimary / isBackup take a key, not a partition: the partition methods are used here.)
     */
    private boolean owns(ClusterNode self, PartitionWork slice) {
        if (!slice.fromBackup()) {
            return self.id().equals(ignite.affinity(GridNames.TRAIN).mapPartitionToNode(slice.partition()).id());
        }
        return ignite.affinity(GridNames.TRAIN).mapPartitionToPrimaryAndBackups(slice.partition()).stream()
                .anyMatch(owner -> owner.id().equals(self.id()));
    }

    static double usedHeapMegabytes() {
        Runtime runtime = Runtime.getRuntime();
        return (runtime.totalMemory() - runtime.freeMemory()) / 1048576.0;
    }

    private double offHeapMegabytes() {
        return ignite.dataRegionMetrics().stream().mapToLong(m -> m.getOffheapUsedSize()).sum() / 1048576.0;
    }

    /** @return this process's resident memory (VmRSS of /proc/self/status), or -1 where there is none */
    static double residentMegabytes() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0; // the line is "VmRSS: N kB"
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // no /proc (not Linux): unknown
        }
        return -1;
    }

    static double cpuLoad() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuLoad();
        }
        return -1;
    }
}
