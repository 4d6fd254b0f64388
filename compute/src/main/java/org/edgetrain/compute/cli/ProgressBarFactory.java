package org.edgetrain.compute.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** The look of every progress bar of the tool (the progressbar library; ASCII so logs stay readable). */
public final class ProgressBarFactory {
    private ProgressBarFactory() {
    }

    /** @return a bar counting bytes; {@code total < 0} when unknown */
    public static ProgressBar bytes(String task, long total) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUnit(" MiB", 1 << 20).showSpeed().setUpdateIntervalMillis(500).build();
    }

    /** @return a bar counting items such as images, with a custom extra message */
    public static ProgressBar items(String task, long total, String unit) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUnit(" " + unit, 1).setUpdateIntervalMillis(500).build();
    }
}
