package org.edgetrain.compute.training;

import java.io.Serializable;

/**
 * The model of the last evaluated epoch, as it was evaluated: kept beside the committed model (key {@link #KEY} of
 * the model cache) so that checkpoints and exports can take exactly the weights a test accuracy belongs to, even after
 * later rounds committed newer versions. Written by the coordinator with the epoch's end, in the same transaction.
 *
 * @param jobId the job
 * @param epoch the epoch evaluated (from 1)
 * @param version the model version evaluated
 * @param round rounds run at that version
 * @param samplesCommitted training samples committed at that version
 * @param testAccuracy test accuracy, a fraction
 * @param testLoss mean test loss
 * @param state the network's flat state at that version
 */
public record EvaluatedModel(String jobId, int epoch, long version, long round, long samplesCommitted,
                             double testAccuracy, double testLoss, float[] state) implements Serializable {
    /** Key in the model cache. */
    public static final String KEY = "evaluated";
}
