package org.edgetrain.rebalancing;

import org.apache.ignite.cluster.ClusterNode;

/** Node attributes that describe a device; set at node start, read by placement and the coordinator. */
public final class DeviceAttributes {
    /** Device name. */
    public static final String DEVICE = "edgetrain.device";
    /** Device class (profile name). */
    public static final String CLASS = "edgetrain.class";
    /** Capability measured at join time (training images/s of a calibration run), a Double. */
    public static final String CAPABILITY = "edgetrain.capability";
    /** Physical host; backups avoid the host of their primary when hosts differ. */
    public static final String HOST = "edgetrain.host";

    private DeviceAttributes() {
    }

    /** @return the node's capability, or 1 when it has none (tools, old nodes) */
    public static double capability(ClusterNode node) {
        Object value = node.attribute(CAPABILITY);
        return value instanceof Number n && n.doubleValue() > 0 ? n.doubleValue() : 1.0;
    }

    /** @return the node's host, or its consistent id when unknown (so it counts as a host of its own) */
    public static String host(ClusterNode node) {
        Object value = node.attribute(HOST);
        return value == null ? String.valueOf(node.consistentId()) : value.toString();
    }
}
