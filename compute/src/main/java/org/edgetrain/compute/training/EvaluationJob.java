package org.edgetrain.compute.training;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.cache.Cache;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.query.ScanQuery;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.lang.IgniteCallable;
import org.apache.ignite.resources.IgniteInstanceResource;
import org.edgetrain.compute.grid.DeviceMemory;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.Wire;
import org.edgetrain.model.cifar.Augmentation;
import org.edgetrain.model.cifar.Batch;
import org.edgetrain.model.cifar.CifarFormat;
import org.edgetrain.model.engine.Evaluation;

/**
 * Evaluates the committed global model on test partitions this node holds (as primary, or as a backup when the
 * coordinator steers work away from a quarantined or failing primary), reading local entries only. A partition
 * no longer held here, or whose backup copy is incomplete (still being rebalanced), is left out; the result names
 * the partitions it covered, so the coordinator can re-ask for the others.
 */
final class EvaluationJob implements IgniteCallable<byte[]> {
    private static final long serialVersionUID = 1L;

    /** Counts over the partitions covered. */
    record Result(Evaluation evaluation, List<Integer> partitions) implements java.io.Serializable {
    }

    private final byte[] jobBytes;
    private final long modelVersion;
    private final Map<Integer, Long> partitions;

    @IgniteInstanceResource
    private transient Ignite ignite;

    /**
     * @param partitions the test partitions to cover, each with the size its copy here must have, or -1 when this
     *     node is asked as primary (a primary copy is complete by Ignite's late affinity assignment)
     */
    EvaluationJob(JobSpec job, long modelVersion, Map<Integer, Long> partitions) {
        this.jobBytes = Wire.pack(job);
        this.modelVersion = modelVersion;
        this.partitions = new HashMap<>(partitions);
    }

    @Override
    public byte[] call() {
        JobSpec job = Wire.unpack(jobBytes);
        ModelState global = Wire.unpack((byte[]) ignite.cache(GridNames.MODEL).get(ModelState.KEY));
        if (global == null || global.version() != modelVersion) {
            throw new IllegalStateException("model version " + modelVersion + " is no longer current");
        }
        ClusterNode self = ignite.cluster().localNode();
        IgniteCache<Integer, byte[]> test = ignite.cache(GridNames.TEST);
        List<Integer> covered = new ArrayList<>();
        List<byte[]> records = new ArrayList<>();
        for (Map.Entry<Integer, Long> wanted : partitions.entrySet()) {
            int partition = wanted.getKey();
            boolean primary = wanted.getValue() < 0;
            if (primary ? !self.equals(ignite.affinity(GridNames.TEST).mapPartitionToNode(partition))
                    : !ignite.affinity(GridNames.TEST).mapPartitionToPrimaryAndBackups(partition).contains(self)) {
                continue;
            }
            List<byte[]> local = new ArrayList<>();
            for (Cache.Entry<Integer, byte[]> entry : test.query(new ScanQuery<Integer, byte[]>().setLocal(true).setPartition(partition))) {
                local.add(entry.getValue());
            }
            if (!primary && local.size() != wanted.getValue()) {
                continue; // a backup copy caught mid-rebalance
            }
            records.addAll(local);
            covered.add(partition);
        }
        Evaluation evaluation = DeviceReplica.withEngine(ignite, job, engine -> {
            engine.setState(global.state());
            Evaluation total = Evaluation.EMPTY;
            // Batches no bigger than a training pass: a device's memory peak is its training step's, not the
            // evaluation's. The engine keeps a forward pass's tensors until the batch is done, so evaluating 256
            // images at once (64 for ResNet-32) put devices in their class limits out of memory at an epoch's end.
            int batch = Math.min(Math.min(256, job.batch()),
                    DeviceMemory.ofThisProcess().imagesPerPass(job.network().model()));
            for (int from = 0; from < records.size(); from += batch) {
                int size = Math.min(batch, records.size() - from);
                byte[] packed = new byte[size * CifarFormat.RECORD_BYTES];
                int[] indices = new int[size];
                for (int i = 0; i < size; i++) {
                    System.arraycopy(records.get(from + i), 0, packed, i * CifarFormat.RECORD_BYTES, CifarFormat.RECORD_BYTES);
                    indices[i] = i;
                }
                total = total.plus(engine.evaluate(Batch.of(packed, indices, new long[size], Augmentation.none(), 0)));
            }
            return total;
        });
        return Wire.pack(new Result(evaluation, new ArrayList<>(covered)));
    }
}
