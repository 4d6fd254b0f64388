package org.edgetrain.compute.training;

import java.io.Serializable;
import java.util.UUID;

/**
 * Which device coordinates a job, as that device recorded it when its coordinator started. Kept beside the model in
 * the model cache (key {@link #KEY}); only a coordinator's start writes it. A lease whose node has left the topology
 * names nobody: the next coordinator of the job takes over from it.
 *
 * @param jobId the job coordinated
 * @param nodeId the Ignite node that runs the coordinator
 * @param device that node's device name
 * @param startedAtMillis when that coordinator started (wall clock of its device)
 */
public record CoordinatorLease(String jobId, UUID nodeId, String device, long startedAtMillis) implements Serializable {
    /** Key of the lease in the model cache. */
    public static final String KEY = "coordinator";
}
