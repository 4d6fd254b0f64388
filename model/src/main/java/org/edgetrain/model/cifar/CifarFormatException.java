package org.edgetrain.model.cifar;

/**
 * Thrown when CIFAR-10 input is missing or malformed. The message always names the file (and the record
 * where one is at fault), what is wrong, and how to fix it, so that it can be shown to a user as is.
 */
public class CifarFormatException extends RuntimeException {
    /** @param message the problem, the file and record, and the fix */
    public CifarFormatException(String message) {
        super(message);
    }

    /**
     * @param message the problem, the file and record, and the fix
     * @param cause the underlying I/O or decoding failure
     */
    public CifarFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
