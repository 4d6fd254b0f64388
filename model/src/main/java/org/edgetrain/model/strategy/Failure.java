package org.edgetrain.model.strategy;

import java.io.Serializable;

/**
 * A device whose work in a round does not count: it failed, was late, or its result was rejected.
 *
 * @param device device name
 * @param reason human-readable cause, e.g. {@code non-finite values in state}
 */
public record Failure(String device, String reason) implements Serializable {
}
