package org.edgetrain.compute.training;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cache.affinity.Affinity;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.Wire;
import org.edgetrain.compute.health.FleetQuorum;

/**
 * The lasting state a coordinator works on, typed: the job, the committed model, the partitions' progress, and the
 * version-checked commits that change them. Everything here lives in the grid's transactional caches with backups,
 * so it survives the coordinator and any one device; a commit is all or nothing. Every commit first checks that the
 * stored model is still the one the caller planned from: a coordinator that was replaced while it worked (cancelled,
 * or cut off and redeployed elsewhere) must not overwrite its successor's commits. Used by the coordinator's thread.
 */
final class JobStore {
    /** The ROUNDS rows committed with their rounds, not yet written to the table ({@link RoundRow}). */
    private static final String UNWRITTEN_ROWS_KEY = "rounds-unwritten";
    private final Ignite ignite;
    private int countedEpoch;
    private long countedSamples;
    private int[] expectedSizes;
    private long expectedFor;

    JobStore(Ignite ignite) {
        this.ignite = ignite;
    }

    /** @return the submitted job, or null when none was */
    JobSpec job() {
        return Wire.unpack(modelCache().get(ModelState.JOB_KEY));
    }

    /** @return the committed model with its known-good weights, or null when no job was submitted */
    ModelState model() {
        ModelState stored = storedModel();
        if (stored == null || stored.goodState() != null) {
            return stored; // as a job was submitted: the good weights in the same value
        }
        float[] good = Wire.unpack(modelCache().get(ModelState.goodKey(stored.jobId(), stored.goodVersion())));
        return stored.withGoodState(good != null ? good : stored.state());
    }

    /** @return the committed model as stored, without the known-good weights kept apart */
    private ModelState storedModel() {
        return Wire.unpack(modelCache().get(ModelState.KEY));
    }

    /**
     * Writes {@code next} over {@code planned} (inside the caller's transaction): the model without its known-good
     * weights, and those under a key of their own only when they moved, so a commit moves one copy of the weights.
     */
    private void putModel(ModelState planned, ModelState next) {
        String good = ModelState.goodKey(next.jobId(), next.goodVersion());
        String before = ModelState.goodKey(planned.jobId(), planned.goodVersion());
        if (!good.equals(before) || !modelCache().containsKey(good)) {
            modelCache().put(good, Wire.pack(next.goodState()));
            if (!good.equals(before)) {
                modelCache().remove(before);
            }
        }
        modelCache().put(ModelState.KEY, Wire.pack(next.withoutGoodState()));
    }

    /** @return every partition's progress in {@code epoch} (a partition not visited in it yet starts at 0) */
    Map<Integer, PartitionProgress> progress(int epoch) {
        SortedSet<Integer> partitions = new TreeSet<>();
        for (int p = 0; p < GridNames.DATA_PARTITIONS; p++) {
            partitions.add(p);
        }
        Map<Integer, byte[]> all = progressCache().getAll(partitions); // one call, not one per partition
        Map<Integer, PartitionProgress> out = new TreeMap<>();
        for (int p : partitions) {
            PartitionProgress stored = Wire.unpack(all.get(p));
            out.put(p, stored == null || stored.epoch() != epoch
                    ? new PartitionProgress(epoch, 0, stored == null ? -1 : stored.size()) : stored);
        }
        return out;
    }

    /**
     * @return samples one epoch visits: the job's limit or the whole training cache, counted once per epoch (a count
     *     asks every device, and a busy one answers slowly)
     */
    long epochSamples(JobSpec job, int epoch) {
        if (epoch != countedEpoch) {
            long size = ignite.cache(GridNames.TRAIN).size();
            countedSamples = Math.max(1, job.limitTrain() > 0 ? Math.min(job.limitTrain(), size) : size);
            countedEpoch = epoch;
        }
        return countedSamples;
    }

    /**
     * @return each train partition's number of the job's samples in {@code epoch}, as the loaded data set has them:
     *     sample indices {@code 0..n-1} ({@code DatasetLoader}) placed by the cache's partition function, {@code n}
     *     from {@link #epochSamples}. A hint for planning, never trusted: a device checks its copy against it.
     */
    int[] expectedSizes(JobSpec job, int epoch) {
        long samples = epochSamples(job, epoch);
        if (expectedSizes == null || expectedFor != samples) {
            Affinity<Integer> affinity = ignite.affinity(GridNames.TRAIN);
            int[] sizes = new int[affinity.partitions()];
            for (int key = 0; key < samples; key++) {
                sizes[affinity.partition(key)]++;
            }
            expectedSizes = sizes;
            expectedFor = samples;
        }
        return expectedSizes;
    }

    /** @return partitions of the train or test cache that lost every copy */
    Set<Integer> lostPartitions() {
        Set<Integer> lost = new TreeSet<>(ignite.cache(GridNames.TRAIN).lostPartitions());
        lost.addAll(ignite.cache(GridNames.TEST).lostPartitions());
        return lost;
    }

    /**
     * Commits a round: {@code next}, the partitions' advances and the round's ROUNDS row (kept until it is written), if
     * the stored model is still {@code planned}.
     *
     * @throws IllegalStateException when the model moved on, or a partition's cursor is not where an advance starts
     *     (nothing is written then)
     */
    void commitRound(ModelState planned, ModelState next, List<PartitionAdvance> advances, RoundRow row) {
        try (Transaction tx = begin()) {
            requireUnchanged(planned);
            ArrayList<RoundRow> unwritten = new ArrayList<>(unwrittenRows());
            unwritten.add(row);
            modelCache().put(UNWRITTEN_ROWS_KEY, Wire.pack(unwritten));
            // One locking read and one write for all partitions (sorted keys: no lock-order deadlock), not a round
            // trip per partition: every round trip waits on devices that may be throttled.
            SortedSet<Integer> keys = new TreeSet<>();
            advances.forEach(a -> keys.add(a.partition()));
            Map<Integer, byte[]> stored = progressCache().getAll(keys);
            Map<Integer, PartitionProgress> updated = new TreeMap<>();
            for (PartitionAdvance advance : advances) {
                PartitionProgress current = updated.containsKey(advance.partition()) ? updated.get(advance.partition())
                        : Wire.unpack(stored.get(advance.partition()));
                int cursor = current == null || current.epoch() != advance.epoch() ? 0 : current.cursor();
                if (cursor != advance.from()) {
                    throw new IllegalStateException("partition " + advance.partition() + " moved on to " + cursor
                            + " while a device trained from " + advance.from());
                }
                updated.put(advance.partition(), new PartitionProgress(advance.epoch(), advance.to(), advance.size()));
            }
            Map<Integer, byte[]> packed = new TreeMap<>();
            updated.forEach((partition, p) -> packed.put(partition, Wire.pack(p)));
            progressCache().putAll(packed);
            putModel(planned, next);
            CrashPoint.IN_COMMIT.pass(ignite);
            commitWithQuorum(tx);
        }
    }

    /**
     * Commits an epoch's end: {@code next} (the next epoch, or the finished job) and the evaluated model kept beside
     * it, if the stored model is still {@code planned}.
     *
     * @throws IllegalStateException when the model moved on (nothing is written then)
     */
    void commitEpoch(ModelState planned, ModelState next, EvaluatedModel evaluated) {
        try (Transaction tx = begin()) {
            requireUnchanged(planned);
            putModel(planned, next);
            modelCache().put(EvaluatedModel.KEY, Wire.pack(evaluated));
            commitWithQuorum(tx);
        }
    }

    /** @return the ROUNDS rows committed with their rounds and not yet in the table, oldest first */
    List<RoundRow> unwrittenRows() {
        List<RoundRow> rows = Wire.unpack(modelCache().get(UNWRITTEN_ROWS_KEY));
        return rows == null ? List.of() : rows;
    }

    /** Forgets the commit's copy of a row that is now in the table. */
    void rowWritten(RoundRow row) {
        try (Transaction tx = begin()) {
            ArrayList<RoundRow> unwritten = new ArrayList<>(unwrittenRows());
            if (unwritten.removeIf(r -> r.round() == row.round() && r.version() == row.version())) {
                modelCache().put(UNWRITTEN_ROWS_KEY, Wire.pack(unwritten));
            }
            tx.commit();
        }
    }

    /**
     * Commits {@code tx} only on a side of the fleet that holds a quorum, and tells the caller when the quorum was lost
     * while it committed. That happens when a link is cut mid-commit: the transaction waits for the copies beyond the
     * cut until those devices are declared failed, then completes on this side's copies alone. Such a commit is in
     * doubt: the larger side may not have it, and this side's copies are dropped when its devices rejoin, so the
     * caller must neither record nor announce it.
     *
     * @throws IllegalStateException when this side has no quorum (nothing written) or lost it during the commit
     */
    private void commitWithQuorum(Transaction tx) {
        if (!FleetQuorum.allowsCommits(ignite)) {
            throw new IllegalStateException("no quorum on this side of the fleet: nothing committed");
        }
        tx.commit();
        if (!FleetQuorum.allowsCommits(ignite)) {
            throw new IllegalStateException("the quorum was lost during the commit: the commit is in doubt and is not "
                    + "recorded; the larger side's model wins when the fleet is whole again");
        }
    }

    private Transaction begin() {
        return ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC, TransactionIsolation.REPEATABLE_READ);
    }

    /** @throws IllegalStateException when the stored model is no longer {@code planned} (read under the tx's lock) */
    private void requireUnchanged(ModelState planned) {
        ModelState stored = storedModel();
        if (stored == null || stored.version() != planned.version() || stored.epoch() != planned.epoch()
                || stored.finished() != planned.finished() || !stored.jobId().equals(planned.jobId())) {
            throw new IllegalStateException("the model moved on (v" + (stored == null ? "-" : stored.version())
                    + ") while this coordinator worked from v" + planned.version() + ": another coordinator took over");
        }
    }

    private IgniteCache<String, byte[]> modelCache() {
        return ignite.cache(GridNames.MODEL);
    }

    private IgniteCache<Integer, byte[]> progressCache() {
        return ignite.cache(GridNames.PROGRESS);
    }
}
