package org.edgetrain.compute.io;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

/** SQL results as CSV (commons-csv, RFC 4180) or as an aligned text table, and CSV files back as rows. */
public final class CsvTables {
    private CsvTables() {
    }

    public static String format(ResultSet rows, boolean csv) throws SQLException {
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
        return csv ? toCsv(table) : aligned(table);
    }

    /** @return rows (the first is the header) as RFC 4180 CSV */
    public static String toCsv(List<String[]> table) {
        StringWriter out = new StringWriter();
        try (CSVPrinter printer = new CSVPrinter(out, CSVFormat.RFC4180.builder().setRecordSeparator('\n').build())) {
            for (String[] row : table) {
                printer.printRecord((Object[]) row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** @return the records of a CSV with a header line, as maps from column name to value */
    public static List<Map<String, String>> read(Reader csv) throws IOException {
        List<Map<String, String>> rows = new ArrayList<>();
        for (CSVRecord record : CSVFormat.RFC4180.builder().setHeader().setSkipHeaderRecord(true).build().parse(csv)) {
            rows.add(new LinkedHashMap<>(record.toMap()));
        }
        return rows;
    }

    private static String aligned(List<String[]> table) {
        int columns = table.get(0).length;
        int[] widths = new int[columns];
        for (String[] row : table) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : table) {
            for (int c = 0; c < columns; c++) {
                out.append(String.format("%-" + widths[c] + "s", row[c])).append(c < columns - 1 ? "  " : "\n");
            }
        }
        out.append(table.size() - 1).append(" row(s)\n");
        return out.toString();
    }
}
