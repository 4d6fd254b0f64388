package org.edgetrain.compute.training;

import java.util.List;
import java.util.Map;

/**
 * The rounds in flight, at most two: the {@link #current} one, whose results the coordinator collects and commits,
 * and the next one, sent out before the current one's commit so that devices train while the commit (a transaction
 * every device takes part in) runs. The next round trains from the model that commit writes; if the commit fails, the
 * next round is abandoned with it, since its own commit requires the stored model to be the one it trained from.
 * Memory only: a new coordinator starts empty and plans from the stored state. Not thread-safe (the coordinator's
 * thread).
 */
final class RoundPipeline {
    /**
     * A round whose jobs are out.
     *
     * @param round its number
     * @param from the model it trains from (committed, or being committed while it trains)
     * @param progress the partitions' progress it was planned from
     * @param plan what each device was asked to train
     * @param shares each device's share
     * @param learningRate the rate its devices train with
     * @param sent its jobs
     * @param planStart when its planning began ({@link System#nanoTime()})
     */
    record Round(long round, ModelState from, Map<Integer, PartitionProgress> progress,
                 Map<String, List<PartitionWork>> plan, Map<String, RoundPacer.Share> shares, double learningRate,
                 DeviceGateway.Sent sent, long planStart) {
    }

    private Round current;
    private Round next;

    /** @return true when no round is in flight: the coordinator plans from the stored state */
    boolean idle() {
        return current == null;
    }

    /** @return the round being collected, or null when idle */
    Round current() {
        return current;
    }

    /** Starts from idle with {@code round}. */
    void start(Round round) {
        if (current != null) {
            throw new IllegalStateException("round " + current.round() + " is still in flight");
        }
        current = round;
    }

    /** Keeps {@code round}, sent before the current round's commit, as the one after it. */
    void sendNext(Round round) {
        if (current == null || next != null) {
            throw new IllegalStateException("a next round needs a current round and no next one");
        }
        next = round;
    }

    /** The current round is committed: the next one (if any) becomes current. @return it, or null (idle) */
    Round advance() {
        current = next;
        next = null;
        return current;
    }

    /** Drops both rounds (the current one failed or its commit did): stops waiting for the next one's results. */
    void clear() {
        if (next != null) {
            next.sent().abandon();
        }
        current = null;
        next = null;
    }
}
