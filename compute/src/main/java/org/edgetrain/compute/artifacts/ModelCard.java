package org.edgetrain.compute.artifacts;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The sidecar JSON beside every model file ({@code FILE.json}): what the network is, how to feed it, where it came
 * from and how good it was. Fields a source cannot know (a model trained alone has no job version) are null.
 *
 * @param architecture {@code resnetN}
 * @param format {@code dl4j} (a DL4J ComputationGraph zip) or {@code onnx}
 * @param file the model file's name
 * @param inputShape one image: channels, height, width (RGB, 3 x 32 x 32)
 * @param mean per-channel mean (R, G, B) to subtract from pixel / 255
 * @param std per-channel standard deviation (R, G, B) to divide by after that
 * @param classes class names, in output order
 * @param job the job that trained it ({@code train-local} for a standalone run)
 * @param modelVersion the job's committed model version
 * @param round rounds the job had run at that version
 * @param epoch epochs completed at that version
 * @param imagesTrained training images it had seen
 * @param testAccuracy test accuracy (a fraction) at that version, when it was evaluated
 * @param edgetrainVersion the edgetrain that wrote it
 * @param sha256 hex SHA-256 of the model file
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ModelCard(String architecture, String format, String file, List<Integer> inputShape, List<Float> mean,
                        List<Float> std, List<String> classes, String job, Long modelVersion, Long round, Integer epoch,
                        Long imagesTrained, Double testAccuracy, String edgetrainVersion, String sha256) {
    /** This edgetrain's version. */
    public static final String EDGETRAIN_VERSION = "0.1.0";
}
