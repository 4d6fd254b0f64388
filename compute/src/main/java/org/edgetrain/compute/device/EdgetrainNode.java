package org.edgetrain.compute.device;

import java.util.concurrent.CountDownLatch;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteState;
import org.apache.ignite.Ignition;
import org.apache.ignite.IgnitionListener;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;
import org.edgetrain.compute.health.FlapDetector;

/**
 * A device as the fleet sees it: an Ignite server node and what runs beside it, the flap detector (it quarantines
 * devices that crash again and again) and a watchdog that notices when the node stops, because it was closed or
 * because the fleet dropped it (it hung past the failure detection, or lost the network). {@code edgetrain node} runs
 * one per process; the in-process test fleet runs several in one JVM, the same way. Thread-safe.
 */
public final class EdgetrainNode implements AutoCloseable {
    private final Ignite ignite;
    private final FlapDetector flaps;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final IgnitionListener watchdog;

    private EdgetrainNode(Ignite ignite) {
        this.ignite = ignite;
        this.flaps = FlapDetector.start(ignite);
        this.watchdog = (name, state) -> {
            if (ignite.name().equals(name) && state != IgniteState.STARTED) {
                stopped.countDown();
            }
        };
        Ignition.addListener(watchdog);
        if (Ignition.state(ignite.name()) != IgniteState.STARTED) {
            stopped.countDown(); // it stopped before the watchdog listened
        }
    }

    /**
     * Starts a device node and joins the fleet its settings name.
     *
     * @throws IllegalArgumentException for client settings: a device is a server node
     * @throws org.apache.ignite.IgniteException when the node cannot start or join
     */
    public static EdgetrainNode start(NodeSettings settings) {
        if (settings.client()) {
            throw new IllegalArgumentException("a device runs a server node; " + settings.name() + " is a client");
        }
        return new EdgetrainNode(Ignition.start(NodeConfigurations.build(settings)));
    }

    /** @return the Ignite node */
    public Ignite ignite() {
        return ignite;
    }

    /** Blocks until the node has stopped (closed here, or dropped by the fleet). */
    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /** Leaves the fleet gracefully: running jobs finish, the partitions move to the remaining devices. */
    @Override
    public void close() {
        stop(false);
    }

    /** Stops now, cancelling the jobs running here (the fleet sees the node leave; their rounds lose its work). */
    public void kill() {
        stop(true);
    }

    private void stop(boolean cancel) {
        flaps.close();
        Ignition.stop(ignite.name(), cancel);
        Ignition.removeListener(watchdog);
        stopped.countDown();
    }
}
