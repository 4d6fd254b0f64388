package org.edgetrain.compute.fleet;

/**
 * A fleet of device processes could not do what was asked, for a reason the user can act on (a device name that is
 * not there, a state file that cannot be read, a throttle the machine does not offer); the message says what and how
 * to fix it. Commands turn it into an error message and exit code 2.
 */
public final class FleetException extends RuntimeException {
    public FleetException(String message) {
        super(message);
    }
}
