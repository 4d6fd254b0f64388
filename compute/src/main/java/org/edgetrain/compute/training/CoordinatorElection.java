package org.edgetrain.compute.training;

import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.events.Event;
import org.apache.ignite.events.EventType;
import org.apache.ignite.lang.IgniteBiPredicate;
import org.apache.ignite.lang.IgnitePredicate;
import org.apache.ignite.lifecycle.LifecycleBean;
import org.apache.ignite.lifecycle.LifecycleEventType;
import org.apache.ignite.resources.IgniteInstanceResource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.edgetrain.compute.grid.EventKind;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.grid.Wire;

/**
 * Runs the training job's coordinator on the device that holds the primary copy of the model, and on no other.
 *
 * <p>Why not an Ignite service: in Ignite 2.17 a thick client that joins while a
 * service is deployed can make the device running that service halt itself. The joining client fails to compute the
 * service's placement and reports a count of 0 with an error; the cluster-wide result then holds only zeros, so every
 * device drops the service's descriptor (the change of IGNITE-23226), and the device still running the instance
 * dereferences the dropped descriptor (NullPointerException in {@code ServiceDeploymentTask}), which kills the
 * service deployment worker: SYSTEM_WORKER_TERMINATION, JVM halted. The README's "How the coordinator is placed"
 * has the evidence. The same machinery also skipped redeployments after multi-device failures (apache/ignite#12315),
 * which a watchdog had to repair. Placing the coordinator by the model's affinity needs none of it.
 *
 * <p>The rule, checked on every device every {@link #CHECK_MILLIS} ms, and at once when a device joins or leaves,
 * when a job is submitted or stopped, and when a coordinator ends:
 * <ul>
 *   <li>this device is primary for {@link ModelState#KEY} and the stored job is unfinished: a coordinator runs here
 *       (started if none runs; started again, {@link #RESTART_BACKOFF_MILLIS} after the last start, if it died);</li>
 *   <li>this device is not the primary: no coordinator runs here (one still running, because the model's primary
 *       moved to a stronger device, is cancelled).</li>
 * </ul>
 * A coordinator ends by itself when its job ends, is stopped or is replaced by a new one; the state is read only
 * while none runs, so a device that coordinates does not decode the model every second.
 * While the affinity changes, two devices may each see themselves primary for a moment. That is safe: a coordinator
 * commits only over the model version it planned from ({@code RoundCoordinator#commit}), so at most one of them
 * commits any version, and the other's round is abandoned. Everything a coordinator needs is in the caches, so a new
 * one resumes from the last commit.
 *
 * <p>Installed on every device (server node) as a lifecycle bean by {@code NodeConfigurations}. Thread-safety:
 * checks run on one scheduler thread; {@link #wake} and the lifecycle callbacks may be called from any thread.
 */
public final class CoordinatorElection implements LifecycleBean {
    /** Time between two checks when nothing wakes the election earlier. */
    static final long CHECK_MILLIS = 1000;
    /** Least time between two starts of a coordinator for the same job on one device (after a failure). */
    static final long RESTART_BACKOFF_MILLIS = 5000;
    /** Messages on this topic make every device check at once (job submitted or stopped). */
    static final String TOPIC = "edgetrain-coordinator-wake";

    private static final Logger LOG = LogManager.getLogger(CoordinatorElection.class);

    @IgniteInstanceResource
    private Ignite ignite;
    private ScheduledExecutorService scheduler;
    private IgnitePredicate<Event> topologyListener;
    private IgniteBiPredicate<java.util.UUID, Object> wakeListener;
    /** The coordinator this device runs, if any; read and written on the scheduler thread only. */
    private Running running;

    /** A coordinator running on this device, on its own thread. */
    private record Running(String jobId, RoundCoordinator coordinator, Thread thread, long startedAt) {
        void cancel() {
            coordinator.cancel();
            thread.interrupt();
        }
    }

    @Override
    public void onLifecycleEvent(LifecycleEventType event) {
        if (event == LifecycleEventType.AFTER_NODE_START) {
            start();
        } else if (event == LifecycleEventType.BEFORE_NODE_STOP) {
            stop();
        }
    }

    /** Makes every device of the fleet check at once (after a job was submitted or stopped). */
    public static void wake(Ignite ignite) {
        ignite.message(ignite.cluster().forServers()).send(TOPIC, "check");
    }

    /** @return the device that runs the running job's coordinator now, if one does */
    public static Optional<String> host(Ignite ignite) {
        return host(org.edgetrain.compute.grid.FleetReader.of(ignite));
    }

    /**
     * @return the device that runs the running job's coordinator now, if one does: the device its lease names, while
     *     the job is unfinished and that device is in the fleet
     */
    public static Optional<String> host(org.edgetrain.compute.grid.FleetReader fleet) {
        CoordinatorLease lease = fleet.model(CoordinatorLease.KEY);
        ModelState state = fleet.model(ModelState.KEY);
        if (lease == null || state == null || state.finished() || !lease.jobId().equals(state.jobId())
                || fleet.devices().stream().noneMatch(d -> d.id().equals(lease.nodeId()))) {
            return Optional.empty();
        }
        return Optional.of(lease.device());
    }

    private void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "edgetrain-election-" + ignite.name());
            thread.setDaemon(true);
            return thread;
        });
        topologyListener = event -> {
            checkSoon();
            return true;
        };
        ignite.events().localListen(topologyListener, EventType.EVT_NODE_JOINED, EventType.EVT_NODE_LEFT,
                EventType.EVT_NODE_FAILED);
        wakeListener = (sender, message) -> {
            checkSoon();
            return true;
        };
        ignite.message().localListen(TOPIC, wakeListener);
        scheduler.scheduleWithFixedDelay(this::checkQuietly, 0, CHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void stop() {
        ignite.events().stopLocalListen(topologyListener);
        ignite.message().stopLocalListen(TOPIC, wakeListener);
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS); // a check under way ends before its coordinator is cancelled
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Running last = running;
        running = null;
        if (last != null) {
            last.cancel();
        }
    }

    private void checkSoon() {
        try {
            scheduler.execute(this::checkQuietly);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping: nothing to check any more
        }
    }

    private void checkQuietly() {
        try {
            check();
        } catch (RuntimeException e) {
            // The fleet is changing (an exchange, an inactive persistent fleet, a cache being created): look again at
            // the next check. A coordinator already running goes on meanwhile; its commits are version-checked.
            LOG.debug("coordinator election skipped a check: {}", e.toString());
        }
    }

    private void check() {
        IgniteCache<String, byte[]> model = ignite.cache(GridNames.MODEL);
        ClusterNode self = ignite.cluster().localNode();
        if (model == null || !ignite.affinity(GridNames.MODEL).isPrimary(self, ModelState.KEY)) {
            if (running != null && running.thread().isAlive()) {
                LOG.info("coordinator of job {} stops on {}: the model's primary copy moved to another device",
                        running.jobId(), self.consistentId());
                running.cancel();
            }
            running = null;
            return;
        }
        if (running != null && running.thread().isAlive()) {
            return; // it ends by itself when its job ends, is stopped or is replaced by a new job
        }
        ModelState state = Wire.unpack(model.get(ModelState.KEY));
        if (state == null || state.finished()) {
            running = null;
            return;
        }
        if (running == null || !running.jobId().equals(state.jobId())) {
            running = launch(model, state, false);
        } else if (System.currentTimeMillis() - running.startedAt() >= RESTART_BACKOFF_MILLIS) {
            running = launch(model, state, true); // it died while its job is unfinished
        }
    }

    /** Starts a coordinator for {@code state}'s job on this device, and records who coordinates it. */
    private Running launch(IgniteCache<String, byte[]> model, ModelState state, boolean restart) {
        ClusterNode self = ignite.cluster().localNode();
        String device = String.valueOf(self.consistentId());
        CoordinatorLease previous = Wire.unpack(model.get(CoordinatorLease.KEY));
        long now = System.currentTimeMillis();
        model.put(CoordinatorLease.KEY, Wire.pack(new CoordinatorLease(state.jobId(), self.id(), device, now)));
        if (restart) {
            LOG.warn("coordinator of job {} ended while the job is unfinished; starting it again", state.jobId());
            GridSchema.recordEvent(ignite, EventKind.COORDINATOR_REDEPLOYED, device, "job " + state.jobId()
                    + ": its coordinator on " + device + " failed; started again from model v" + state.version());
        } else if (previous != null && previous.jobId().equals(state.jobId())
                && ignite.cluster().node(previous.nodeId()) == null) {
            GridSchema.recordEvent(ignite, EventKind.COORDINATOR_REDEPLOYED, device, "job " + state.jobId() + ": its coordinator's"
                    + " device " + previous.device() + " is gone; resumed on " + device + " from model v" + state.version());
        }
        RoundCoordinator coordinator = new RoundCoordinator(ignite);
        Thread thread = new Thread(() -> {
            try {
                coordinator.run();
            } catch (RuntimeException | Error e) {
                LOG.error("coordinator of job {} failed", state.jobId(), e);
            } finally {
                checkSoon(); // restarted after the back-off if the job is unfinished
            }
        }, "edgetrain-coordinator-" + ignite.name());
        thread.setDaemon(true);
        thread.start();
        return new Running(state.jobId(), coordinator, thread, now);
    }
}
