package org.edgetrain.model.schedule;

import java.io.Serializable;
import java.util.Locale;

/**
 * Learning rate as a function of training progress measured in epochs (a fraction: 2.5 = half-way through the
 * third epoch). Progress rather than step counts, so that the schedule means the same whatever the batch size
 * or the number of devices. Immutable and thread-safe.
 *
 * @param kind {@code step} (He et al.: divide by 10 at 50 % and 75 % of training), {@code cosine}, {@code constant}
 * @param base peak learning rate
 * @param totalEpochs length of training, in epochs
 * @param warmupEpochs linear warm-up from {@code base / 10} to {@code base} over this many epochs (0 for none)
 */
public record LearningRateSchedule(String kind, double base, double totalEpochs, double warmupEpochs)
        implements Serializable {
    /** Validates the arguments so that a typo fails before training starts. */
    public LearningRateSchedule {
        kind = kind.toLowerCase(Locale.ROOT);
        if (!kind.equals("step") && !kind.equals("cosine") && !kind.equals("constant")) {
            throw new IllegalArgumentException("unknown schedule '" + kind + "': use step, cosine or constant");
        }
        if (!(base > 0) || !(totalEpochs > 0) || !(warmupEpochs >= 0)) {
            throw new IllegalArgumentException("schedule needs base > 0, totalEpochs > 0, warmupEpochs >= 0; got "
                    + base + ", " + totalEpochs + ", " + warmupEpochs);
        }
    }

    /**
     * @param epochs progress in epochs, from 0
     * @return the learning rate to use at that point
     */
    public double at(double epochs) {
        if (epochs < warmupEpochs) {
            return base * (0.1 + 0.9 * epochs / warmupEpochs);
        }
        double fraction = Math.min(1.0, epochs / totalEpochs);
        return switch (kind) {
            case "step" -> base * (fraction < 0.5 ? 1 : fraction < 0.75 ? 0.1 : 0.01);
            case "cosine" -> base * 0.5 * (1 + Math.cos(Math.PI * fraction));
            default -> base;
        };
    }

    /** @return a copy with the base rate multiplied by {@code factor} (used after a rollback) */
    public LearningRateSchedule scaled(double factor) {
        return new LearningRateSchedule(kind, base * factor, totalEpochs, warmupEpochs);
    }

    /** @return e.g. {@code cosine from 0.1 over 10 epochs, 0.2 warm-up}: for people (logs, chart titles) */
    @Override
    public String toString() {
        return kind + " from " + plain(base) + " over " + plain(totalEpochs) + " epochs"
                + (warmupEpochs > 0 ? ", " + plain(warmupEpochs) + " warm-up" : "");
    }

    /** @return {@code value} with at most 3 significant digits and no trailing zeros: 0.1, 3, 0.25 */
    private static String plain(double value) {
        return new java.math.BigDecimal(value).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }
}
