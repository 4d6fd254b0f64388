package org.edgetrain.compute.grid;

/** Names of caches, SQL tables and node attributes: one place, so that every part agrees. */
public final class GridNames {
    /** Training records: key = sample index (int), value = the 3,073-byte CIFAR record. */
    public static final String TRAIN = "train";
    /** Test records, same layout. */
    public static final String TEST = "test";
    /** The global model and job (transactional, on the strongest devices): see {@code ModelState}. */
    public static final String MODEL = "model";
    /** Per-partition epoch progress (transactional, beside the model), committed together with the model. */
    public static final String PROGRESS = "progress";
    /** SQL schema of the metrics tables. */
    public static final String SCHEMA = "PUBLIC";
    /** Node attribute: device name. */
    public static final String ATTR_DEVICE = org.edgetrain.rebalancing.DeviceAttributes.DEVICE;
    /** Node attribute: device class (profile name). */
    public static final String ATTR_CLASS = org.edgetrain.rebalancing.DeviceAttributes.CLASS;
    /** Node attribute: capability measured at join (calibration images/s). */
    public static final String ATTR_CAPABILITY = org.edgetrain.rebalancing.DeviceAttributes.CAPABILITY;
    /** Node attribute: "true" on a device whose data survives a restart (native persistence). */
    public static final String ATTR_PERSISTENT = "edgetrain.persistent";
    /** Partitions of the data caches: small enough for a handful of devices to own many each. */
    public static final int DATA_PARTITIONS = 64;

    private GridNames() {
    }
}
