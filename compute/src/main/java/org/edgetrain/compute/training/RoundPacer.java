package org.edgetrain.compute.training;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The coordinator's model of each device's pace, and the round quotas it derives so that devices finish a round
 * together. A device's round takes {@code overhead + quota / rate}: its training rate (images/s, as the device
 * measures its training loop) and its fixed cost per round (receiving the job and the model, reading its shards,
 * returning its replica: the round trip the coordinator sees minus the training time). Quotas fill one common round
 * length with each device's own pace, so a fast device is not left idle while a slow one finishes a batch rounded up.
 *
 * <p>Estimates are smoothed, except that a measurement far from the estimate (a device warmed up, slowed down or
 * sped up) replaces it at once: settling takes one round instead of several. Not thread-safe: the coordinator's
 * thread owns it. Nothing survives a coordinator restart; a new one calibrates again.
 */
final class RoundPacer {
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
            overhead.merge(device, overheadSeconds, (old, now) -> 0.5 * old + 0.5 * now);
        }
    }

    /** A device whose result was late or refused: assume half its pace, so its next quota is smaller. */
    void penalize(String device) {
        rate.computeIfPresent(device, (d, old) -> old / 2);
    }

    /** @return the device's smoothed training rate, or 0 when it was never measured */
    double rate(String device) {
        return rate.getOrDefault(device, 0.0);
    }

    /**
     * @param capabilities each device's capability measured at join (used for devices with no measured round yet)
     * @param adaptive true: quotas follow each device's pace; false: every device gets the same quota (equal split)
     * @return samples each device is asked to train this round (in the map's order)
     */
    Map<String, Integer> quotas(Map<String, Double> capabilities, boolean adaptive, int batch, double roundSeconds) {
        double strongest = capabilities.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
        double meanRate = capabilities.keySet().stream().filter(rate::containsKey).mapToDouble(rate::get).average().orElse(0);
        double meanOverhead = capabilities.keySet().stream().filter(overhead::containsKey).mapToDouble(overhead::get)
                .average().orElse(0);
        // One common round length: the target, or longer if some device cannot fit one batch into it.
        double length = roundSeconds;
        for (String device : capabilities.keySet()) {
            if (rate.containsKey(device)) {
                double r = adaptive ? rate.get(device) : meanRate;
                double o = adaptive ? overhead.getOrDefault(device, 0.0) : meanOverhead;
                length = Math.max(length, o + batch / r);
            }
        }
        Map<String, Integer> quotas = new LinkedHashMap<>();
        for (Map.Entry<String, Double> device : capabilities.entrySet()) {
            String name = device.getKey();
            int quota;
            if (rate.containsKey(name)) {
                double r = adaptive ? rate.get(name) : meanRate;
                double o = adaptive ? overhead.getOrDefault(name, 0.0) : meanOverhead;
                quota = (int) Math.round(r * (length - o));
            } else {
                // Not measured yet: a short calibration round of whole batches, scaled by the capability from join.
                quota = (int) Math.ceil(4 * (adaptive ? device.getValue() / strongest : 1)) * batch;
            }
            quotas.put(name, Math.max(batch, quota));
        }
        return quotas;
    }

    private static double smooth(double old, double now) {
        double ratio = now / old;
        return ratio > JUMP_RATIO || ratio < 1 / JUMP_RATIO ? now : 0.5 * old + 0.5 * now;
    }
}
