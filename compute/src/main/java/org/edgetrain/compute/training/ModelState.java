package org.edgetrain.compute.training;

import java.io.Serializable;

/**
 * The committed global model and where the job stands. Lasting state: it lives in the REPLICATED, transactional
 * model cache and changes only in the coordinator's commit transaction, together with partition progress.
 *
 * @param jobId the job this model belongs to
 * @param version model version, +1 per committed round
 * @param round rounds attempted (committed or not)
 * @param epoch current epoch, from 1; {@code epochs + 1} when the job is done
 * @param samplesCommitted training samples committed over the whole job
 * @param state the network's full flat state
 * @param finished true when the job has trained all its epochs
 * @param lastAccuracy test accuracy after the last completed epoch (NaN before)
 */
public record ModelState(String jobId, long version, long round, int epoch, long samplesCommitted, float[] state,
                         boolean finished, double lastAccuracy) implements Serializable {
    /** Key of the global model in the model cache. */
    public static final String KEY = "global";
    /** Key of the job spec in the model cache. */
    public static final String JOB_KEY = "job";
}
