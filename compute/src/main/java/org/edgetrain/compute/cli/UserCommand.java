package org.edgetrain.compute.cli;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code edgetrain user}: the SQL/JDBC users of a fleet with authentication on. Ignite keeps them in its persistent
 * store; a new fleet has one superuser, {@code ignite} with password {@code ignite}, which must be changed first. Only
 * a logged-in JDBC session may manage users (Ignite refuses it from a node), so this runs over the thin driver.
 */
@Command(name = "user", mixinStandardHelpOptions = true, description = "Manage SQL/JDBC users (fleets with authentication=true).",
        subcommands = {UserCommand.Add.class, UserCommand.Passwd.class, UserCommand.Drop.class})
public final class UserCommand {
    /** What every user subcommand needs: the fleet, an administrator's login, and the user to act on. */
    abstract static class UserChange implements Callable<Integer> {
        @Parameters(paramLabel = "NAME", description = "user name (case-sensitive)")
        String name;

        @Mixin
        FleetOptions fleet;

        @Mixin
        SqlCredentials admin;

        @Option(names = "--new-password-env", defaultValue = "EDGETRAIN_NEW_PASSWORD",
                description = "environment variable holding the new password; default: ${DEFAULT-VALUE}")
        String newPasswordVariable;

        abstract String statement(String quotedName);

        abstract String done();

        String newPassword() {
            return literal(SqlCredentials.secret(newPasswordVariable, "the new password of " + name));
        }

        @Override
        public Integer call() {
            if (admin.orNull() == null) {
                throw new EdgetrainCommand.UserError("log in as an administrator: --user NAME (the first time: ignite) "
                        + "with the password in " + admin.passwordVariable);
            }
            try (Connection connection = fleet.jdbc(null, admin);
                 Statement sql = connection.createStatement()) {
                sql.executeUpdate(statement('"' + name.replace("\"", "\"\"") + '"'));
            } catch (SQLException e) {
                // The message of a failed user statement can quote it; it is rebuilt without the statement.
                throw new EdgetrainCommand.UserError("could not change user " + name + ": " + firstLine(e.getMessage()));
            }
            System.out.println(done());
            return 0;
        }

        private static String firstLine(String message) {
            String text = message == null ? "unknown error" : message;
            int cut = text.indexOf(" [");
            return cut > 0 ? text.substring(0, cut) : text;
        }

        private static String literal(String value) {
            return "'" + value.replace("'", "''") + "'";
        }
    }

    /** {@code user add NAME}. */
    @Command(name = "add", mixinStandardHelpOptions = true, description = "Create a user; password from EDGETRAIN_NEW_PASSWORD.")
    static final class Add extends UserChange {
        @Override
        String statement(String quotedName) {
            return "CREATE USER " + quotedName + " WITH PASSWORD " + newPassword();
        }

        @Override
        String done() {
            return "user " + name + " created";
        }
    }

    /** {@code user passwd NAME}. */
    @Command(name = "passwd", mixinStandardHelpOptions = true, description = "Change a password (first: the superuser ignite's).")
    static final class Passwd extends UserChange {
        @Override
        String statement(String quotedName) {
            return "ALTER USER " + quotedName + " WITH PASSWORD " + newPassword();
        }

        @Override
        String done() {
            return "password of " + name + " changed";
        }
    }

    /** {@code user drop NAME}. */
    @Command(name = "drop", mixinStandardHelpOptions = true, description = "Remove a user.")
    static final class Drop extends UserChange {
        @Override
        String statement(String quotedName) {
            return "DROP USER " + quotedName;
        }

        @Override
        String done() {
            return "user " + name + " removed";
        }
    }
}
