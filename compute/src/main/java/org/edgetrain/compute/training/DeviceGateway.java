package org.edgetrain.compute.training;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.lang.IgniteFuture;
import org.apache.ignite.lang.IgniteFutureTimeoutException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.Wire;
import org.edgetrain.model.strategy.Failure;
import org.edgetrain.rebalancing.DeviceAttributes;

/**
 * The coordinator's line to the devices: who is there, who owns which partition, sending a round's jobs, and
 * collecting the results against the round's deadline. It reads the topology and Ignite's affinity and writes nothing
 * lasting: a coordinator that dies with it loses only the rounds in flight (the devices' work is dropped, the model and
 * progress stay as last committed). Used by the coordinator's thread; results arrive on Ignite's threads.
 */
final class DeviceGateway implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(DeviceGateway.class);

    private final Ignite ignite;
    private final RoundEnd.Coordinator roundEnds;

    /** Starts listening for the devices' "time box full" reports. */
    DeviceGateway(Ignite ignite) {
        this.ignite = ignite;
        this.roundEnds = RoundEnd.Coordinator.listen(ignite);
    }

    /** @return the devices now, by name, with their class */
    Map<String, String> classes() {
        Map<String, String> out = new LinkedHashMap<>();
        devices().forEach((name, node) -> out.put(name, String.valueOf((Object) node.attribute(GridNames.ATTR_CLASS))));
        return out;
    }

    /**
     * @return the devices (server nodes) now with their declared capability, and each training partition's owners,
     *     primary first, as the planner takes them
     */
    RoundPlanner.Topology topology() {
        Map<String, Double> capabilities = new LinkedHashMap<>();
        devices().forEach((name, node) -> capabilities.put(name, DeviceAttributes.capability(node)));
        List<List<String>> owners = new ArrayList<>();
        for (int p = 0; p < GridNames.DATA_PARTITIONS; p++) {
            owners.add(ignite.affinity(GridNames.TRAIN).mapPartitionToPrimaryAndBackups(p).stream()
                    .map(n -> String.valueOf(n.consistentId())).toList());
        }
        return new RoundPlanner.Topology(capabilities, owners);
    }

    /** @return this node's id: devices tell it when their time box is full */
    java.util.UUID self() {
        return ignite.cluster().localNode().id();
    }

    /**
     * Sends each device its job. A device that left since the plan was made gets none (and fails the round).
     *
     * @param jobs each device's job, by name
     */
    Sent send(String jobId, long round, Map<String, TrainingJob> jobs) {
        Map<String, ClusterNode> devices = devices();
        RoundEnd.Round end = roundEnds.open(jobId, round, jobs.keySet());
        Map<String, IgniteFuture<byte[]>> futures = new LinkedHashMap<>();
        Map<String, Long> arrivals = new ConcurrentHashMap<>();
        List<ClusterNode> nodes = new ArrayList<>();
        long start = System.nanoTime();
        List<String> gone = new ArrayList<>();
        jobs.forEach((name, job) -> {
            ClusterNode node = devices.get(name);
            if (node == null) {
                gone.add(name);
                end.ready(name);
                return;
            }
            IgniteFuture<byte[]> future = ignite.compute(ignite.cluster().forNode(node)).callAsync(job);
            future.listen(done -> {
                arrivals.put(name, System.nanoTime());
                end.ready(name);
            });
            futures.put(name, future);
            nodes.add(node);
        });
        return new Sent(round, end, nodes, futures, gone, arrivals, start);
    }

    /**
     * Waits until every device of {@code sent} has filled its time box or returned, or the deadline passes; closes
     * the round (devices still training stop after their current batch); then collects each result, up to the
     * deadline. A device whose result did not come is a {@link Failure.Kind#LATE}; one whose job threw (or that left),
     * a {@link Failure.Kind#FAILED}.
     *
     * @param deadlineNanos on {@link System#nanoTime()}'s clock
     * @param restore rebuilds a result's state as the job's transfer packed it
     */
    Collected collect(Sent sent, long deadlineNanos, java.util.function.UnaryOperator<DeviceRoundResult> restore) {
        try {
            roundEnds.awaitClose(sent.end(), sent.nodes(), deadlineNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // cancelled: the results below are collected without waiting
        }
        List<DeviceRoundResult> arrived = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        sent.gone().forEach(d -> failures.add(new Failure(d, Failure.Kind.FAILED, "failed: left the fleet")));
        Map<String, Double> roundTrips = new LinkedHashMap<>();
        sent.futures().forEach((device, future) -> {
            try {
                arrived.add(restore.apply(Wire.unpack(future.get(Math.max(1, deadlineNanos - System.nanoTime()),
                        TimeUnit.NANOSECONDS))));
                roundTrips.put(device, (sent.arrivals().getOrDefault(device, System.nanoTime()) - sent.start()) / 1e9);
            } catch (IgniteFutureTimeoutException e) {
                future.cancel();
                failures.add(new Failure(device, Failure.Kind.LATE, "late: no result before the round deadline"));
            } catch (RuntimeException e) {
                LOG.warn("round {}: device {} failed", sent.round(), device, e);
                failures.add(new Failure(device, Failure.Kind.FAILED, "failed: " + e.getMessage()));
            }
        });
        return new Collected(arrived, failures, roundTrips, (System.nanoTime() - sent.start()) / 1e9);
    }

    @Override
    public void close() {
        roundEnds.close();
    }

    private Map<String, ClusterNode> devices() {
        Map<String, ClusterNode> out = new LinkedHashMap<>();
        ignite.cluster().forServers().nodes().forEach(n -> out.put(String.valueOf(n.consistentId()), n));
        return out;
    }

    /**
     * A round's jobs, out.
     *
     * @param nodes the devices the jobs went to
     * @param gone the devices planned for that had left when the jobs went out
     * @param arrivals when each device's future completed ({@link System#nanoTime()})
     * @param start when the jobs went out ({@link System#nanoTime()})
     */
    record Sent(long round, RoundEnd.Round end, List<ClusterNode> nodes, Map<String, IgniteFuture<byte[]>> futures,
                List<String> gone, Map<String, Long> arrivals, long start) {
        /** Stops waiting for the results (a device's running job finishes; its result is dropped). */
        void abandon() {
            futures.values().forEach(IgniteFuture::cancel);
        }
    }

    /**
     * What came back from a round.
     *
     * @param arrived the results that came in time
     * @param failures the devices whose result did not
     * @param roundTrips seconds from sending to each arrived result
     * @param seconds from sending to the end of collecting
     */
    record Collected(List<DeviceRoundResult> arrived, List<Failure> failures, Map<String, Double> roundTrips,
                     double seconds) {
        /** @return true when no arrived result trained a sample (the data is moving, say) */
        boolean trainedNothing() {
            return arrived.stream().allMatch(a -> a.result().samples() == 0);
        }
    }
}
