package org.edgetrain.compute.training;

import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.cluster.ClusterTopologyException;
import org.apache.ignite.lang.IgniteRunnable;
import org.apache.ignite.resources.IgniteInstanceResource;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.edgetrain.compute.settings.SystemProperty;

/**
 * Named points of the coordinator's work at which a fault harness can make its device die, so that each delicate
 * moment of the protocol is tested on purpose rather than left to a random kill. Armed on one device (the
 * coordinator's host) through a compute call; the coordinator there halts the process, as a SIGKILL would (no
 * shutdown hooks, sockets closed by the OS), the next time it passes the point. The arm is used up when it fires, so
 * the successor coordinator passes the same point unharmed.
 *
 * <p>Refused unless the device runs with {@link SystemProperty#CRASH_POINTS} (the fault harness's fleets do): no
 * client can crash a production fleet's coordinator. Thread-safety: arming and passing go through the node-local map.
 */
public enum CrashPoint {
    /** Every device has its round's job and trains; nothing of the round is committed. */
    AFTER_DISPATCH,
    /** Inside the round's commit transaction, its writes made, before it commits: the transaction must roll back. */
    IN_COMMIT,
    /** The round committed, its ROUNDS row not yet written: the successor must write it. */
    AFTER_COMMIT_BEFORE_METRICS,
    /** An epoch's model evaluated, the epoch's end not committed: the successor must evaluate again, once. */
    AFTER_EVALUATION;

    private static final Logger LOG = LogManager.getLogger(CrashPoint.class);
    private static final String KEY = "edgetrain.crash-point";
    /** The exit status of a process halted here: a SIGKILL's, 128 + 9. */
    static final int HALT_STATUS = 137;

    /**
     * Arms this point on {@code device}: its process halts when a coordinator there next passes it.
     *
     * @param client a node of the fleet's
     * @return false when {@code device} left the fleet before it could be armed (a caller looking for the coordinator
     *     looks again)
     * @throws org.apache.ignite.IgniteException naming {@link SystemProperty#CRASH_POINTS} when the device refuses
     */
    public boolean arm(Ignite client, ClusterNode device) {
        return send(client, device, new Arm(this));
    }

    /**
     * Disarms whatever point is armed on {@code device} (a device that is no longer the coordinator, say). A device
     * that has left has nothing armed: its point lived in its node's memory.
     */
    public static void disarm(Ignite client, ClusterNode device) {
        send(client, device, new Arm(null));
    }

    /** @return false when {@code device} left the topology before or while the call ran */
    private static boolean send(Ignite client, ClusterNode device, Arm call) {
        try {
            client.compute(client.cluster().forNode(device)).run(call);
            return true;
        } catch (ClusterTopologyException gone) { // ClusterGroupEmptyException included: left before the call
            return false;
        }
    }

    /** Called by the coordinator as it passes this point: halts this process when the point is armed here. */
    void pass(Ignite ignite) {
        if (ignite.cluster().nodeLocalMap().remove(KEY, this)) {
            LOG.warn("crash point {} reached: this device halts now, as if killed (fault test)", this);
            Runtime.getRuntime().halt(HALT_STATUS);
        }
    }

    /** The compute call that arms a point on the device it runs on (or disarms it, for null). */
    private static final class Arm implements IgniteRunnable {
        private static final long serialVersionUID = 1L;
        private final CrashPoint point;

        @IgniteInstanceResource
        private transient Ignite ignite;

        Arm(CrashPoint point) {
            this.point = point;
        }

        @Override
        public void run() {
            if (!Boolean.parseBoolean(SystemProperty.CRASH_POINTS.value().orElse("false"))) {
                throw new IllegalStateException("crash points are off on " + ignite.cluster().localNode().consistentId()
                        + ": start the device with -D" + SystemProperty.CRASH_POINTS.key() + "=true (fault tests only)");
            }
            if (point == null) {
                ignite.cluster().nodeLocalMap().remove(KEY);
                return;
            }
            ignite.cluster().nodeLocalMap().put(KEY, point);
            LOG.warn("crash point {} armed on this device (fault test)", point);
        }
    }
}
