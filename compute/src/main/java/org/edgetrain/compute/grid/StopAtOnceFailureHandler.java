package org.edgetrain.compute.grid;

import org.apache.ignite.Ignite;
import org.apache.ignite.Ignition;
import org.apache.ignite.ShutdownPolicy;
import org.apache.ignite.failure.AbstractFailureHandler;
import org.apache.ignite.failure.FailureContext;
import org.apache.ignite.internal.IgnitionEx;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * What a device does when Ignite meets a failure it cannot go on from (segmented: cut off from every other device; a
 * critical thread died): it stops its node at once, and the device rejoins by itself ({@code EdgetrainNode}).
 *
 * <p>Why not Ignite's own handler: its default halts the JVM, and its stopping variant stops the node under the fleet's
 * shutdown policy, which is graceful, so a segmented device waited for copies of its partitions that nobody could take
 * (measured: 50 s, then the JVM was halted all the same). A node that failed has nothing to hand over. If the stop
 * itself hangs, the JVM is halted after {@code haltAfterMillis}, as Ignite's handler does.
 */
final class StopAtOnceFailureHandler extends AbstractFailureHandler {
    private static final Logger LOG = LogManager.getLogger(StopAtOnceFailureHandler.class);

    private final long haltAfterMillis;

    StopAtOnceFailureHandler(long haltAfterMillis) {
        this.haltAfterMillis = haltAfterMillis;
    }

    @Override
    protected boolean handle(Ignite ignite, FailureContext failure) {
        String name = ignite.name();
        Thread stopper = new Thread(() -> {
            LOG.error("node {} stops at once after {}", name, failure);
            IgnitionEx.stop(name, true, ShutdownPolicy.IMMEDIATE, true);
        }, "edgetrain-node-stopper");
        stopper.setDaemon(true);
        stopper.start();
        Thread watchdog = new Thread(() -> {
            try {
                stopper.join(haltAfterMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (stopper.isAlive()) {
                LOG.error("node {} did not stop within {} ms; halting the JVM", name, haltAfterMillis);
                Runtime.getRuntime().halt(Ignition.KILL_EXIT_CODE);
            }
        }, "edgetrain-node-stop-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        return true;
    }
}
