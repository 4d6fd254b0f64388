package org.edgetrain.compute.cli;

import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Formats SQL results as CSV (RFC 4180 quoting) or as an aligned text table. */
final class CsvTables {
    private CsvTables() {
    }

    static String format(ResultSet rows, boolean csv) throws SQLException {
        ResultSetMetaData meta = rows.getMetaData();
        int columns = meta.getColumnCount();
        List<String[]> table = new ArrayList<>();
        String[] header = new String[columns];
        for (int c = 0; c < columns; c++) {
            header[c] = meta.getColumnLabel(c + 1);
        }
        table.add(header);
        while (rows.next()) {
            String[] row = new String[columns];
            for (int c = 0; c < columns; c++) {
                Object value = rows.getObject(c + 1);
                row[c] = value == null ? "" : value.toString();
            }
            table.add(row);
        }
        StringBuilder out = new StringBuilder();
        if (csv) {
            for (String[] row : table) {
                for (int c = 0; c < columns; c++) {
                    String v = row[c];
                    boolean quote = v.contains(",") || v.contains("\"") || v.contains("\n");
                    out.append(c > 0 ? "," : "").append(quote ? "\"" + v.replace("\"", "\"\"") + "\"" : v);
                }
                out.append('\n');
            }
            return out.toString();
        }
        int[] widths = new int[columns];
        for (String[] row : table) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        for (String[] row : table) {
            for (int c = 0; c < columns; c++) {
                out.append(String.format("%-" + widths[c] + "s", row[c])).append(c < columns - 1 ? "  " : "\n");
            }
        }
        out.append(table.size() - 1).append(" row(s)\n");
        return out.toString();
    }
}
