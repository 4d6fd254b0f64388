package org.edgetrain.compute.training;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The coordinator's model of each device's pace, and the round shares it derives so that devices finish a round
 * together. A device's round takes {@code overhead + training}: its fixed cost per round (receiving the job and the
 * model, reading its shards, returning its replica: the round trip the coordinator sees minus the training time) and
 * its training at its rate (images/s, as the device measures its training loop). One common round length is filled
 * with each device's own pace: a device gets a training time box (the length minus its overhead) and slices for
 * {@link #SLACK} times what its rate predicts, and stops itself when the box is full ({@link TrainingJob}), so a
 * device faster than predicted is not left idle and a slower one does not hold up the round.
 *
 * <p>Rates are smoothed, except that a measurement far from the estimate (a device warmed up, slowed down or sped
 * up) replaces it at once: settling takes one round instead of several. A lower fixed cost is believed at once and a
 * higher one averaged in, because the first rounds carry one-off costs (building the network, JIT compilation) that
 * would otherwise shorten the following rounds. Not thread-safe: the coordinator's thread owns it. Nothing survives
 * a coordinator restart; a new one calibrates again.
 */
final class RoundPacer {
    /**
     * Slices a time-boxed device gets beyond what its rate predicts, so that a round it extends while a slower device
     * finishes ({@link RoundEnd#LONGEST_EXTENSION} boxes at most) does not run out of work, even at a faster pace than
     * predicted: where devices share a host, a stalled one frees CPU for the others (measured in a one-JVM test:
     * 1.6x the usual pace, and slices for 2x ran out at 1.1 boxes). Spare slices cost a device only a scan of the
     * partitions they reach; nothing is skipped, a partition advances by what was trained.
     */
    static final double SLACK = 1.5 * RoundEnd.LONGEST_EXTENSION;

    /**
     * One device's share of a round.
     *
     * @param quota most samples to plan for it
     * @param trainSeconds its training time box, or 0 when it trains its whole quota (calibration, equal split)
     * @param expected samples it is expected to train
     */
    record Share(int quota, double trainSeconds, int expected) {
    }

    /**
     * Longest round the pacer plans, as a share of the round's deadline. Why: a round grows until its slowest device
     * fits a batch, and a late device's pace is halved; in the 11-device paper fleet's warm-up, rpi4s whose
     * first batch took 25-33 s (JIT compilation at 0.054 core) and were then late got boxes of 63-68 s, past the 40 s
     * deadline, so every device was late and two rounds committed nothing, and halving again made it worse.
     */
    static final double LONGEST_ROUND = 0.5;

    /** Shortest box, as a share of the round's length, for a device whose fixed cost per round would leave none. */
    static final double MIN_BOX = 0.25;

    /** @return seconds after which a round stops waiting for a device's result, for a job's round target */
    static double deadlineSeconds(double roundSeconds) {
        return Math.max(30, 4 * roundSeconds);
    }

    /** A measurement this far from the estimate (as a ratio) replaces it instead of being averaged in. */
    static final double JUMP_RATIO = 1.25;

    private final Map<String, Double> rate = new HashMap<>();
    private final Map<String, Double> overhead = new HashMap<>();

    /** Records one round of {@code device}: its training rate and its round trip beyond training, in seconds. */
    void observed(String device, double imagesPerSecond, double overheadSeconds) {
        if (imagesPerSecond > 0 && Double.isFinite(imagesPerSecond)) {
            rate.merge(device, imagesPerSecond, RoundPacer::smooth);
        }
        if (overheadSeconds >= 0 && Double.isFinite(overheadSeconds)) {
            overhead.merge(device, overheadSeconds, (old, now) -> now < old ? now : 0.5 * old + 0.5 * now);
        }
    }

    /**
     * A device whose result was late or refused: assume half its pace, so its next share is smaller. A device never
     * measured gets half the pace it fell short of ({@code planned} samples in {@code seconds}); without that, a device
     * too slow for its calibration round would be given the same calibration round, and miss it, forever.
     */
    void penalize(String device, int planned, double seconds) {
        rate.merge(device, Math.max(1e-3, planned / Math.max(1e-3, seconds) / 2), (old, bound) -> old / 2);
    }

    /** @return the device's smoothed training rate, or 0 when it was never measured */
    double rate(String device) {
        return rate.getOrDefault(device, 0.0);
    }

    /**
     * @param capabilities each device's capability measured at join (used for devices with no measured round yet)
     * @param adaptive true: time boxes from each device's pace; false: every device gets the same quota, trained in
     *     full (the equal split that capability-awareness is compared with)
     * @return each device's share of this round (in the map's order)
     */
    Map<String, Share> shares(Map<String, Double> capabilities, boolean adaptive, int batch, double roundSeconds) {
        double strongest = capabilities.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
        double meanRate = capabilities.keySet().stream().filter(rate::containsKey).mapToDouble(rate::get).average().orElse(0);
        double meanOverhead = capabilities.keySet().stream().filter(overhead::containsKey).mapToDouble(overhead::get)
                .average().orElse(0);
        // One common round length: the target, or longer if some device cannot fit one batch into it, but never so
        // long that the deadline would cut it.
        double length = roundSeconds;
        for (String device : capabilities.keySet()) {
            if (rate.containsKey(device)) {
                double r = adaptive ? rate.get(device) : meanRate;
                double o = adaptive ? overhead.getOrDefault(device, 0.0) : meanOverhead;
                length = Math.max(length, o + batch / r);
            }
        }
        length = Math.min(length, Math.max(roundSeconds, LONGEST_ROUND * deadlineSeconds(roundSeconds)));
        Map<String, Share> shares = new LinkedHashMap<>();
        for (Map.Entry<String, Double> device : capabilities.entrySet()) {
            String name = device.getKey();
            if (!rate.containsKey(name)) {
                // Not measured yet: a short calibration round of whole batches, scaled by the capability from join, in
                // a box of one round when adaptive (a device far slower than its class stops after one batch).
                int quota = (int) Math.ceil(4 * (adaptive ? device.getValue() / strongest : 1)) * batch;
                shares.put(name, new Share(quota, adaptive ? roundSeconds : 0, quota));
            } else if (adaptive) {
                // A device whose fixed cost fills the round still trains a little (its box sizes its batches).
                double box = Math.max(MIN_BOX * length, length - overhead.getOrDefault(name, 0.0));
                int expected = Math.max(batch, (int) Math.round(rate.get(name) * box));
                shares.put(name, new Share((int) Math.ceil(expected * SLACK), box, expected));
            } else {
                int quota = Math.max(batch, (int) Math.round(meanRate * (length - meanOverhead)));
                shares.put(name, new Share(quota, 0, quota));
            }
        }
        return shares;
    }

    private static double smooth(double old, double now) {
        double ratio = now / old;
        return ratio > JUMP_RATIO || ratio < 1 / JUMP_RATIO ? now : 0.5 * old + 0.5 * now;
    }
}
