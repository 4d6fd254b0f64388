package org.edgetrain.compute.cli;

import picocli.CommandLine.Option;

/**
 * Who a SQL tool logs in as, on a fleet with authentication on ({@code authentication=true}). The password is read
 * from an environment variable, never from the command line (which other users of the machine can see) or a file.
 */
public final class SqlCredentials {
    @Option(names = "--user", defaultValue = "${env:EDGETRAIN_SQL_USER}",
            description = "SQL user, on a fleet with authentication (env EDGETRAIN_SQL_USER)")
    String user;

    @Option(names = "--password-env", defaultValue = "EDGETRAIN_SQL_PASSWORD",
            description = "environment variable holding the SQL user's password; default: ${DEFAULT-VALUE}")
    String passwordVariable;

    /** @return the credentials to log in with, or null when no user was given (a fleet without authentication) */
    public SqlCredentials orNull() {
        return user == null || user.isBlank() ? null : this;
    }

    public String user() {
        return user;
    }

    /** @throws EdgetrainCommand.UserError when the variable is not set */
    public String password() {
        return secret(passwordVariable, "the password of SQL user " + user);
    }

    /** @return the value of environment variable {@code variable}, which must hold {@code what} */
    static String secret(String variable, String what) {
        String value = System.getenv(variable);
        if (value == null || value.isEmpty()) {
            throw new EdgetrainCommand.UserError("set the environment variable " + variable + " to " + what
                    + " (passwords are never taken from the command line)");
        }
        return value;
    }
}
