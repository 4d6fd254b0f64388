package org.edgetrain.compute.grid;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.lang.IgniteCallable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs a job over every partition of a cache, colocated, with retries: the way Ignite ML's
 * {@code affinityCallWithRetries} does it for one key, for all partitions at once. Each partition goes to the first
 * of its owners (primary, then backups) that has not failed this call; the owner's partitions go in one job. A
 * partition whose job failed, timed out, or that its owner no longer held in full (the job leaves it out of what it
 * covered) is asked again of another owner, up to {@code attempts} times. Stateless; call from any thread.
 */
public final class PartitionCalls {
    private static final Logger LOG = LogManager.getLogger(PartitionCalls.class);

    /**
     * A job's answer and the partitions it covered in full.
     *
     * @param <R> what one job returns
     */
    public interface Covering<R> {
        /** @return the partitions of {@code result} read in full */
        Collection<Integer> partitions(R result);
    }

    private PartitionCalls() {
    }

    /**
     * @param cacheName the cache whose partitions to cover
     * @param avoid devices (consistent ids) not to ask while another owner can answer (quarantined ones)
     * @param attempts rounds of asking, at least 1
     * @param timeoutMillis how long one job may take: a device that hangs must not stall the caller
     * @param cancelled stops the retries (the failure that made it true is thrown)
     * @param jobFor the job for one owner: its partitions, each with true when the owner holds a backup copy
     * @param covered what a job's answer covered
     * @return every job's answer, together covering each partition once
     * @throws IllegalStateException naming the partitions no owner could answer for
     */
    public static <R> List<R> callEveryPartition(Ignite ignite, String cacheName, Set<String> avoid, int attempts,
                                                 long timeoutMillis, BooleanSupplier cancelled,
                                                 Function<SortedMap<Integer, Boolean>, IgniteCallable<byte[]>> jobFor,
                                                 Covering<R> covered) {
        List<R> answers = new ArrayList<>();
        SortedSet<Integer> missing = new TreeSet<>();
        for (int p = 0; p < ignite.affinity(cacheName).partitions(); p++) {
            missing.add(p);
        }
        Set<String> skip = new HashSet<>(avoid);
        for (int attempt = 1; attempt <= attempts && !missing.isEmpty() && !cancelled.getAsBoolean(); attempt++) {
            for (Map.Entry<ClusterNode, SortedMap<Integer, Boolean>> entry : byOwner(ignite, cacheName, missing, skip).entrySet()) {
                String device = String.valueOf(entry.getKey().consistentId());
                try {
                    R answer = Wire.unpack(ignite.compute(ignite.cluster().forNode(entry.getKey()))
                            .callAsync(jobFor.apply(entry.getValue())).get(timeoutMillis, TimeUnit.MILLISECONDS));
                    answers.add(answer);
                    covered.partitions(answer).forEach(missing::remove);
                } catch (RuntimeException e) {
                    if (cancelled.getAsBoolean()) {
                        throw e;
                    }
                    skip.add(device);
                    LOG.warn("{}: a job on {} failed, asking its partitions of another owner: {}", cacheName, device,
                            e.toString());
                }
            }
            LOG.info("{}: attempt {}, {} partitions left", cacheName, attempt, missing.size());
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("partitions " + missing + " of " + cacheName + " could not be read");
        }
        return answers;
    }

    /** @return each partition's first owner not in {@code skip} (the primary when all are), grouped by owner */
    private static Map<ClusterNode, SortedMap<Integer, Boolean>> byOwner(Ignite ignite, String cacheName,
                                                                        Collection<Integer> partitions,
                                                                        Set<String> skip) {
        Map<ClusterNode, SortedMap<Integer, Boolean>> out = new LinkedHashMap<>();
        for (int p : partitions) {
            List<ClusterNode> owners = new ArrayList<>(ignite.affinity(cacheName).mapPartitionToPrimaryAndBackups(p));
            ClusterNode owner = owners.stream().filter(n -> !skip.contains(String.valueOf(n.consistentId())))
                    .findFirst().orElse(owners.isEmpty() ? null : owners.get(0));
            if (owner != null) {
                out.computeIfAbsent(owner, n -> new TreeMap<>()).put(p, !owner.equals(owners.get(0)));
            }
        }
        return out;
    }
}
