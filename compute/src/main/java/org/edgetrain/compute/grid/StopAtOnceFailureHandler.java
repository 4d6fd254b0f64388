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
 * What a node does when Ignite meets a failure it cannot go on from (segmented: cut off from every other device; a
 * critical thread died): it stops at once. A device then rejoins by itself ({@code EdgetrainNode}); a tool's client
 * node (a CLI command, a benchmark, a test's harness) ends, and the tool's next call to the fleet fails with a message
 * it reports, instead of its whole JVM ending with exit code 130 and no word.
 *
 * <p>Why not Ignite's own handler: its default halts the JVM with exit code 130 (a test JVM in CI once ended with that
 * code and no report from any test, most likely so: its only node was the harness's client), and its stopping
 * variant stops the node under the fleet's shutdown policy, which is graceful, so a segmented device waited for copies
 * of its partitions that nobody could take (measured: 50 s, then the JVM was halted all the same). A node that failed has nothing to hand over. If a device's
 * stop itself hangs, its JVM is halted after {@code haltAfterMillis}, as Ignite's handler does: the device's supervisor
 * starts it again. A tool's JVM is never halted.
 */
final class StopAtOnceFailureHandler extends AbstractFailureHandler {
    private static final Logger LOG = LogManager.getLogger(StopAtOnceFailureHandler.class);

    private final long haltAfterMillis;

    private StopAtOnceFailureHandler(long haltAfterMillis) {
        this.haltAfterMillis = haltAfterMillis;
    }

    /** @return the handler of a device (server) node: stop, and halt the JVM if the stop hangs past {@code haltAfterMillis} */
    static StopAtOnceFailureHandler forDevice(long haltAfterMillis) {
        return new StopAtOnceFailureHandler(haltAfterMillis);
    }

    /** @return the handler of a tool's client node: stop it, leave the JVM to the tool */
    static StopAtOnceFailureHandler forTool() {
        return new StopAtOnceFailureHandler(0);
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
        if (haltAfterMillis <= 0) {
            return true;
        }
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
