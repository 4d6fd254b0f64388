package org.edgetrain.compute.training;

import java.io.Serializable;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import org.apache.ignite.lang.IgniteBiPredicate;
import org.edgetrain.compute.grid.Wire;

/**
 * The named points of a round, as the coordinator passes them: {@link Point#DISPATCHED} once every device has its
 * job (devices are training), {@link Point#COMMITTED} once a round's model is committed. The coordinator sends each
 * point to the fleet's client nodes (tools, the fault harness); a client subscribes with {@link #listen}. Costs two
 * small messages per round per client.
 *
 * <p>Thread-safety: {@link #publish} from the coordinator's thread; a listener's queue may be read by one thread.
 */
public final class RoundPhases implements AutoCloseable {
    /** Ignite messaging topic of the round points. */
    static final String TOPIC = "edgetrain-round-phases";

    /** A point of a round. */
    public enum Point {
        /** Every planned device has been sent its training job. */
        DISPATCHED,
        /** The round's model has been committed. */
        COMMITTED
    }

    /**
     * One point reached.
     *
     * @param point which point
     * @param round round number
     * @param version model version committed so far (for COMMITTED: the new one)
     * @param atMillis wall-clock time on the coordinator
     */
    public record Phase(Point point, long round, long version, long atMillis) implements Serializable {
    }

    private final Ignite ignite;
    private final BlockingQueue<Phase> phases = new LinkedBlockingQueue<>();
    private final List<Phase> history = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final IgniteBiPredicate<java.util.UUID, Object> listener = (node, message) -> {
        if (message instanceof byte[] bytes && Wire.unpack(bytes) instanceof Phase phase) {
            phases.add(phase);
            history.add(phase);
        }
        return true;
    };

    private RoundPhases(Ignite ignite) {
        this.ignite = ignite;
    }

    /** Starts receiving the round points on this (client) node. */
    public static RoundPhases listen(Ignite ignite) {
        RoundPhases phases = new RoundPhases(ignite);
        ignite.message().localListen(TOPIC, phases.listener);
        return phases;
    }

    /** Sends a point to the fleet's client nodes; never fails the round (no listener is fine). */
    static void publish(Ignite ignite, Point point, long round, long version) {
        try {
            if (!ignite.cluster().forClients().nodes().isEmpty()) {
                // As bytes: Ignite's binary marshaller cannot rebuild records (see grid/Wire).
                ignite.message(ignite.cluster().forClients()).send(TOPIC,
                        Wire.pack(new Phase(point, round, version, System.currentTimeMillis())));
            }
        } catch (RuntimeException e) {
            // a client that just left: the point is informational
        }
    }

    /**
     * @return the next point {@code point} of a round whose committed version is at least {@code minVersion}, or null
     *     when none came within {@code timeoutMillis}
     */
    public Phase await(Point point, long minVersion, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (true) {
            Phase phase = phases.poll(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
            if (phase == null) {
                return null;
            }
            if (phase.point() == point && phase.version() >= minVersion) {
                return phase;
            }
        }
    }

    /** @return every point received since {@link #listen}, in arrival order */
    public List<Phase> history() {
        return List.copyOf(history);
    }

    @Override
    public void close() {
        ignite.message().stopLocalListen(TOPIC, listener);
    }
}
