package org.edgetrain.compute.artifacts;

/**
 * Where a model came from, for its {@link ModelCard}; null where unknown.
 *
 * @param job the job, or {@code train-local}
 * @param modelVersion committed model version
 * @param round rounds run
 * @param epoch epochs completed
 * @param imagesTrained training images seen
 * @param testAccuracy test accuracy (a fraction) at this version
 */
public record Provenance(String job, Long modelVersion, Long round, Integer epoch, Long imagesTrained,
                         Double testAccuracy) {
}
