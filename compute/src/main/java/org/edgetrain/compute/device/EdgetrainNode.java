package org.edgetrain.compute.device;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteState;
import org.apache.ignite.ShutdownPolicy;
import org.apache.ignite.Ignition;
import org.apache.ignite.IgnitionListener;
import org.apache.ignite.configuration.IgniteConfiguration;
import org.apache.ignite.lifecycle.LifecycleBean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.edgetrain.compute.grid.EventKind;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;
import org.edgetrain.compute.health.FlapDetector;
import org.edgetrain.compute.health.FleetQuorum;

/**
 * A device as the fleet sees it: an Ignite server node and what runs beside it, the flap detector (it quarantines
 * devices that crash again and again), the quorum (it keeps a side of a cut fleet without a majority from training,
 * {@link FleetQuorum}) and a watchdog that notices when the node stops, because it was closed or because the fleet
 * dropped it. When the quorum finds this device on the smaller side of a healed cut, or frozen past the failure
 * detection, and when Ignite stops the node itself (segmented: a device cut off alone is), the device starts its node
 * again and rejoins the fleet, trying until somebody answers: {@link #ignite} then returns the new node, and
 * {@link #awaitStopped} goes on waiting. {@code edgetrain node} runs one per process; the in-process test fleet runs
 * several in one JVM, the same way. Thread-safe.
 */
public final class EdgetrainNode implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(EdgetrainNode.class);

    private final NodeSettings settings;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final IgnitionListener watchdog;
    private volatile Ignite ignite;
    private FlapDetector flaps;
    /** True while this device restarts its node to rejoin (read by the watchdog, from Ignite's stopping thread). */
    private volatile boolean rejoining;
    /** Set once, by {@link #close} or {@link #kill}. */
    private volatile boolean closed;

    private EdgetrainNode(NodeSettings settings) {
        this.settings = settings;
        this.watchdog = (name, state) -> {
            if (settings.name().equals(name) && state != IgniteState.STARTED && !rejoining && !closed) {
                // Stopped by Ignite, not by this device: segmented (it lost every link; a lone device is), or a
                // critical failure. It starts its node again and rejoins, instead of ending the process.
                Thread thread = new Thread(() -> rejoin(List.of()), "edgetrain-rejoin-" + name);
                thread.start();
            }
        };
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
        EdgetrainNode node = new EdgetrainNode(settings);
        node.launch(settings);
        Ignition.addListener(node.watchdog);
        if (Ignition.state(settings.name()) != IgniteState.STARTED) {
            node.stopped.countDown(); // it stopped before the watchdog listened
        }
        return node;
    }

    private void launch(NodeSettings with) {
        IgniteConfiguration cfg = NodeConfigurations.build(with);
        List<LifecycleBean> beans = new ArrayList<>();
        // First: the coordinator election, a later bean, asks the quorum before each round.
        beans.add(new FleetQuorum(with.failureDetectionMillis(), this::rejoin));
        if (cfg.getLifecycleBeans() != null) {
            beans.addAll(List.of(cfg.getLifecycleBeans()));
        }
        cfg.setLifecycleBeans(beans.toArray(LifecycleBean[]::new));
        ignite = Ignition.start(cfg);
        flaps = FlapDetector.start(ignite);
    }

    /**
     * Stops the node and starts it again, joined through {@code addresses} (the larger side of a healed cut), or
     * through the configured discovery addresses when none are given.
     */
    private void rejoin(List<InetSocketAddress> addresses) {
        String discovery = addresses.isEmpty() ? settings.discoveryAddresses() : addresses.stream()
                .map(a -> a.getAddress().getHostAddress() + ":" + a.getPort()).collect(Collectors.joining(","));
        rejoining = true;
        try {
            for (int attempt = 1; ; attempt++) {
                synchronized (this) {
                    if (closed) {
                        return;
                    }
                    closeFlapDetector();
                    if (Ignition.state(settings.name()) == IgniteState.STARTED) {
                        // The side being left is given up: its devices must not wait, as a graceful stop does, for
                        // copies of their partitions that only the other side has. The policy is that cluster's alone.
                        ignite.cluster().shutdownPolicy(ShutdownPolicy.IMMEDIATE);
                        Ignition.stop(settings.name(), true);
                    }
                    try {
                        launch(settings.withDiscovery(discovery));
                        if (ignite.cluster().forServers().nodes().size() > 1) {
                            break;
                        }
                    } catch (RuntimeException e) {
                        LOG.warn("device {} could not start its node ({}); trying again", settings.name(), e.toString());
                    }
                }
                // Nobody answered (cut off still, or they were restarting too): a fleet of one made here would count
                // itself a quorum. Tried again after a random pause, so that two devices rejoining at once meet.
                LOG.warn("device {} found nobody at {} (attempt {}); trying again", settings.name(), discovery, attempt);
                Thread.sleep(Math.min(10_000, 1000L * attempt) + ThreadLocalRandom.current().nextLong(2000));
            }
        } catch (RuntimeException | InterruptedException e) {
            LOG.error("device {} could not rejoin the fleet through {}; exiting", settings.name(), discovery, e);
            stopped.countDown();
            return;
        } finally {
            rejoining = false;
        }
        LOG.warn("device {} rejoined the fleet through {}: {} devices", settings.name(), discovery,
                ignite.cluster().forServers().nodes().size());
        GridSchema.recordEvent(ignite, EventKind.REJOINED, settings.name(), settings.name() + " was cut off (the smaller "
                + "side of a cut, dropped while frozen, or alone); rejoined through " + discovery
                + " and took the fleet's model");
    }

    /** Stops the flap detector's listening; a node Ignite already stopped took its listeners with it. */
    private void closeFlapDetector() {
        try {
            flaps.close();
        } catch (IllegalStateException e) {
            LOG.debug("flap detector of a stopped node: {}", e.toString());
        }
    }

    /** @return the Ignite node (a new one after a rejoin) */
    public Ignite ignite() {
        return ignite;
    }

    /** Blocks until the node has stopped (closed here, or dropped by the fleet), not while it rejoins. */
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
        synchronized (this) {
            closed = true;
            closeFlapDetector();
        }
        Ignition.stop(settings.name(), cancel);
        Ignition.removeListener(watchdog);
        stopped.countDown();
    }
}
