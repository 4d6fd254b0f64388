package org.edgetrain.compute.training;

import java.io.Serializable;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.lang.IgniteBiPredicate;
import org.edgetrain.compute.grid.Wire;

/**
 * When a time-boxed round ends, agreed between the coordinator and the devices, so that a fast device does not sit
 * idle while the round waits for a slow one. A device whose box is full but whose batches are short (at most
 * {@link #SHORT_BATCH} of its box) reports its box full and goes on training small batches until the coordinator
 * closes the round; a device with long batches returns as soon as its box is full, because a batch it started just
 * before the close would hold up the whole fleet. The coordinator closes the round once every device has reported or
 * returned (or at the round's deadline); a device then stops after its current batch.
 *
 * <p>Why: a slow device's last batch is coarse (an rpi4 at 0.07 core needs 5-7 s for half a batch) and its length
 * varies with the CPU quota's timing, so the slowest device of a round ends up to a third of a round after the others
 * (measured on the 5-device paper fleet without it: the pc idled 14 % of the time). Training on instead of idling
 * costs nothing: the partitions advance by what was trained.
 *
 * <p>Messages are a few bytes per device per round. A lost message costs time, never data: without the close a device
 * stops at twice its box or when its planned slices run out; without a report the coordinator closes at the deadline.
 */
final class RoundEnd {
    /** A device extends its round only when its smallest batch takes at most this share of its box. */
    static final double SHORT_BATCH = 0.1;
    /** A device that never hears the close stops training at this many times its box. */
    static final double LONGEST_EXTENSION = 2.0;

    static final String BOX_FULL_TOPIC = "edgetrain-round-box-full";
    static final String CLOSE_TOPIC = "edgetrain-round-close";

    /** One round's signal: a device's box is full ({@code device} set), or the round is closed. */
    record Signal(String jobId, long round, String device) implements Serializable {
    }

    private RoundEnd() {
    }

    /** @return the signal a message carries, or null for anything else (a listener must not throw: it would stop) */
    private static Signal signal(Object message) {
        try {
            return message instanceof byte[] bytes && Wire.unpack(bytes) instanceof Signal s ? s : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * A device's side, for one job. Thread-safety: {@link #keepsTraining} from the training thread; the close arrives
     * on an Ignite messaging thread.
     */
    static final class Device implements TimeBox.Extension, AutoCloseable {
        private final Ignite ignite;
        private final Signal boxFull;
        private final UUID coordinator;
        private final double boxSeconds;
        private volatile boolean closed;
        private boolean reported;
        private final IgniteBiPredicate<UUID, Object> listener;

        private Device(Ignite ignite, String jobId, long round, String device, UUID coordinator, double boxSeconds) {
            this.ignite = ignite;
            this.boxFull = new Signal(jobId, round, device);
            this.coordinator = coordinator;
            this.boxSeconds = boxSeconds;
            this.listener = (node, message) -> {
                Signal s = signal(message);
                if (s != null && s.round() == round && s.jobId().equals(jobId)) {
                    closed = true;
                }
                return !closed;
            };
        }

        /** Starts listening for the close of {@code round}, before the device trains (so no close is missed). */
        static Device listen(Ignite ignite, String jobId, long round, String device, UUID coordinator, double boxSeconds) {
            Device end = new Device(ignite, jobId, round, device, coordinator, boxSeconds);
            ignite.message().localListen(CLOSE_TOPIC, end.listener);
            return end;
        }

        @Override
        public boolean closed() {
            return closed;
        }

        /**
         * Called when the box is full: the first call reports it to the coordinator.
         *
         * @param batchSeconds how long the device's smallest batch takes at its mean pace in this round
         * @param elapsedSeconds training time so far
         * @return true to train another small batch, false to return the result now
         */
        @Override
        public boolean keepsTraining(double batchSeconds, double elapsedSeconds) {
            if (batchSeconds > SHORT_BATCH * boxSeconds) {
                return false;
            }
            if (!reported) {
                reported = true;
                try {
                    ignite.message(ignite.cluster().forNodeId(coordinator)).send(BOX_FULL_TOPIC, Wire.pack(boxFull));
                } catch (RuntimeException e) {
                    return false; // the coordinator left: no close will come
                }
            }
            return !closed && elapsedSeconds < LONGEST_EXTENSION * boxSeconds;
        }

        @Override
        public void close() {
            ignite.message().stopLocalListen(CLOSE_TOPIC, listener);
        }
    }

    /**
     * The coordinator's side: which devices a round still waits for before it can close. Thread-safety: reports and
     * returns arrive on Ignite's threads; {@link Coordinator#awaitClose} and {@link Coordinator#open} are called by
     * the coordinator's thread.
     */
    static final class Coordinator implements AutoCloseable {
        private final Ignite ignite;
        private final Map<Long, Round> open = new ConcurrentHashMap<>();
        private final IgniteBiPredicate<UUID, Object> listener = (node, message) -> {
            Signal s = signal(message);
            if (s != null) {
                Round round = open.get(s.round());
                if (round != null && round.jobId.equals(s.jobId())) {
                    round.ready(s.device());
                }
            }
            return true;
        };

        private Coordinator(Ignite ignite) {
            this.ignite = ignite;
        }

        /** Starts receiving the devices' reports. */
        static Coordinator listen(Ignite ignite) {
            Coordinator coordinator = new Coordinator(ignite);
            ignite.message().localListen(BOX_FULL_TOPIC, coordinator.listener);
            return coordinator;
        }

        /** @return a round about to be sent to {@code devices}; each is ready once it reports or returns */
        Round open(String jobId, long round, Collection<String> devices) {
            Round r = new Round(jobId, round, devices);
            open.put(round, r);
            return r;
        }

        /**
         * Waits until every device of {@code round} is ready or the deadline passes, then closes the round on
         * {@code devices}: those still training stop after their current batch.
         */
        void awaitClose(Round round, Collection<ClusterNode> devices, long deadlineNanos) throws InterruptedException {
            try {
                round.allReady.await(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (!devices.isEmpty()) {
                    ignite.message(ignite.cluster().forNodes(devices)).send(CLOSE_TOPIC,
                            Wire.pack(new Signal(round.jobId, round.round, null)));
                }
            } catch (RuntimeException e) {
                // a device that just left: the others stop at their own limit
            } finally {
                open.remove(round.round, round);
            }
        }

        @Override
        public void close() {
            ignite.message().stopLocalListen(BOX_FULL_TOPIC, listener);
        }
    }

    /** A round's devices that are not ready yet. */
    static final class Round {
        private final String jobId;
        private final long round;
        private final Set<String> waiting = ConcurrentHashMap.newKeySet();
        private final CountDownLatch allReady = new CountDownLatch(1);

        private Round(String jobId, long round, Collection<String> devices) {
            this.jobId = jobId;
            this.round = round;
            waiting.addAll(devices);
            if (waiting.isEmpty()) {
                allReady.countDown();
            }
        }

        /** {@code device} has reported its box full or returned (with a result or a failure). */
        void ready(String device) {
            if (waiting.remove(device) && waiting.isEmpty()) {
                allReady.countDown();
            }
        }
    }
}
