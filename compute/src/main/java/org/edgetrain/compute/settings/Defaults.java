package org.edgetrain.compute.settings;

/**
 * The defaults of the commands' options and of the job builder, in one place. Strings, because picocli's
 * {@code defaultValue} needs a compile-time constant; {@code Integer.parseInt(Defaults.BATCH)} where a number is
 * needed.
 */
public final class Defaults {
    /** Images per step on each device. */
    public static final String BATCH = "64";
    /** Target length of a round, seconds. */
    public static final String ROUND_SECONDS = "10";
    /** Epochs of a job. */
    public static final String EPOCHS = "1";
    /** Device classes of {@code demo} and {@code cluster up}. */
    public static final String DEVICE_CLASSES = "pc,jetson-nano,rpi4";
    /** Seconds {@code cluster up} and {@code demo} wait for their devices to join. */
    public static final String JOIN_TIMEOUT_SECONDS = "120";
    /** Seconds a device measures itself before it joins. */
    public static final String CALIBRATION_SECONDS = "3";
    /** Initialization, shuffling and augmentation seed. */
    public static final String SEED = "1";

    private Defaults() {
    }
}
