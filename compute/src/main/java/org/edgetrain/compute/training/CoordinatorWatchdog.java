package org.edgetrain.compute.training;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.edgetrain.compute.grid.GridSchema;

/**
 * Makes sure a running job always has a live coordinator. Ignite redeploys a cluster singleton when its host leaves,
 * but when several devices fail at once the redeployment is sometimes skipped (apache/ignite#12315, open against
 * 2.17), and training would stop without a word. Every device runs a watchdog; only the one on the oldest device acts:
 * when a job is unfinished and no live device has run the coordinator for two checks in a row, it redeploys it. The
 * new coordinator resumes from the last committed round, as after any coordinator crash.
 *
 * <p>Thread-safety: one scheduler thread per device; {@link #close()} may be called from any thread.
 */
public final class CoordinatorWatchdog implements AutoCloseable {
    /** Time between two checks; a missing coordinator is repaired after two of them. */
    static final long CHECK_SECONDS = 5;

    private static final Logger LOG = LogManager.getLogger(CoordinatorWatchdog.class);

    private final Ignite ignite;
    private final ScheduledExecutorService scheduler;
    private int missingChecks;

    private CoordinatorWatchdog(Ignite ignite) {
        this.ignite = ignite;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "edgetrain-coordinator-watchdog");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Starts watching from this device. */
    public static CoordinatorWatchdog start(Ignite ignite) {
        CoordinatorWatchdog watchdog = new CoordinatorWatchdog(ignite);
        watchdog.scheduler.scheduleWithFixedDelay(watchdog::checkQuietly, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
        return watchdog;
    }

    private void checkQuietly() {
        try {
            check();
        } catch (RuntimeException e) {
            missingChecks = 0; // the fleet is changing; look again at the next check
            LOG.debug("coordinator check skipped: {}", e.toString());
        }
    }

    private void check() {
        ClusterNode oldest = ignite.cluster().forServers().forOldest().node();
        ModelState state = JobSubmitter.current(ignite);
        if (oldest == null || !oldest.isLocal() || state == null || state.finished() || coordinatorAlive()) {
            missingChecks = 0;
            return;
        }
        if (++missingChecks < 2) {
            return;
        }
        missingChecks = 0;
        LOG.warn("job {} has no live coordinator; redeploying it", state.jobId());
        GridSchema.recordEvent(ignite, "COORDINATOR_REDEPLOYED", String.valueOf(oldest.consistentId()),
                "job " + state.jobId() + " had no live coordinator after a failure; restarted from model v" + state.version());
        JobSubmitter.deployCoordinator(ignite);
    }

    private boolean coordinatorAlive() {
        return RoundCoordinator.host(ignite).isPresent();
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
