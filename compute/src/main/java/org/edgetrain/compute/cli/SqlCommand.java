package org.edgetrain.compute.cli;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Callable;
import org.edgetrain.compute.io.CsvTables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code edgetrain sql}: runs one statement over the Ignite JDBC thin driver, as any SQL tool would. */
@Command(name = "sql", mixinStandardHelpOptions = true, description = "Run SQL on the fleet's metrics tables (JDBC thin driver).")
public final class SqlCommand implements Callable<Integer> {
    @Parameters(paramLabel = "STATEMENT", description = "e.g. \"SELECT * FROM ROUNDS ORDER BY ROUND_NO DESC LIMIT 5\"")
    String statement;

    @Option(names = "--url", description = "JDBC URL; default: jdbc:ignite:thin://<first discovery host>:<client port>")
    String url;

    @Option(names = "--csv", description = "print CSV instead of an aligned table")
    boolean csv;

    @Mixin
    FleetOptions fleet;

    @Mixin
    SqlCredentials credentials;

    @Override
    public Integer call() {
        String jdbcUrl = url != null ? url : fleet.jdbcUrl();
        try (Connection connection = fleet.jdbc(jdbcUrl, credentials.orNull());
             Statement sql = connection.createStatement()) {
            if (sql.execute(statement)) {
                try (ResultSet rows = sql.getResultSet()) {
                    print(rows, csv);
                }
            } else {
                System.out.println(sql.getUpdateCount() + " row(s) changed");
            }
        } catch (SQLException e) {
            throw new EdgetrainCommand.UserError("SQL failed at " + jdbcUrl + ": " + e.getMessage()
                    + (e.getMessage() != null && e.getMessage().contains("user name or password")
                    ? " (log in with --user NAME and the password in EDGETRAIN_SQL_PASSWORD)" : ""));
        }
        return 0;
    }

    /** Prints a result set as an aligned table or CSV. */
    static void print(ResultSet rows, boolean csv) throws SQLException {
        (csv ? DataOutput.stream() : System.out).print(CsvTables.format(rows, csv));
    }
}
