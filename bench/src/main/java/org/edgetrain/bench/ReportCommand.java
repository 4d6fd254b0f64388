package org.edgetrain.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.edgetrain.compute.cli.EdgetrainCommand;
import org.edgetrain.compute.cli.FleetOptions;
import org.edgetrain.compute.cli.SqlCredentials;
import org.edgetrain.compute.io.CsvTables;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code edgetrain report}: PNG charts (JFreeChart) and the CSV behind each, from the running fleet's metrics
 * tables (over JDBC) or from a saved run directory of {@code demo} or a benchmark ({@code DIR/metrics/*.csv}).
 */
@Command(name = "report", mixinStandardHelpOptions = true, description = "Charts of accuracy, loss, throughput, shards and events.")
final class ReportCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "folder for the PNG charts and CSV files")
    Path out;

    @Option(names = "--from", description = "a saved run directory (with metrics/*.csv); default: the running fleet")
    Path from;

    @Mixin
    FleetOptions fleet;

    @Mixin
    SqlCredentials credentials;

    @Override
    public Integer call() throws Exception {
        Map<String, List<Map<String, String>>> tables = new LinkedHashMap<>();
        for (String table : List.of("ROUNDS", "DEVICE_ROUNDS", "EVALS", "EVENTS")) {
            tables.put(table, from != null ? readCsv(from.resolve("metrics").resolve(table.toLowerCase() + ".csv"))
                    : query(table));
        }
        Files.createDirectories(out);
        accuracy(tables.get("EVALS"));
        loss(tables.get("ROUNDS"), tables.get("EVALS"));
        perDevice(tables.get("DEVICE_ROUNDS"), "IMAGES_PER_SECOND", "device-throughput", "Images/s per device", "images/s");
        perDevice(tables.get("DEVICE_ROUNDS"), "PARTITIONS", "partitions", "Partitions trained per device and round", "partitions");
        timeline(tables.get("ROUNDS"), tables.get("EVENTS"));
        System.out.println("wrote accuracy, loss, device-throughput, partitions and timeline (.png and .csv) to " + out);
        return 0;
    }

    private static List<Map<String, String>> readCsv(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new EdgetrainCommand.UserError(file + " does not exist: --from takes a run directory written by "
                    + "edgetrain demo (it holds metrics/rounds.csv, device_rounds.csv, evals.csv, events.csv)");
        }
        try (Reader reader = Files.newBufferedReader(file)) {
            return CsvTables.read(reader);
        }
    }

    private List<Map<String, String>> query(String table) throws SQLException {
        List<Map<String, String>> rows = new ArrayList<>();
        try (Connection connection = fleet.jdbc(null, credentials.orNull());
             ResultSet rs = connection.createStatement().executeQuery("SELECT * FROM " + table)) {
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) {
                    Object value = rs.getObject(c);
                    row.put(rs.getMetaData().getColumnLabel(c), value == null ? "" : value.toString());
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private void accuracy(List<Map<String, String>> evals) throws IOException {
        XYSeries series = new XYSeries("test accuracy");
        List<String[]> csv = new ArrayList<>();
        csv.add(new String[] {"epoch", "round", "test_accuracy", "test_loss"});
        for (Map<String, String> row : sorted(evals, "ROUND_NO")) {
            series.add(number(row, "ROUND_NO"), number(row, "TEST_ACCURACY"));
            csv.add(new String[] {row.get("EPOCH"), row.get("ROUND_NO"), row.get("TEST_ACCURACY"), row.get("TEST_LOSS")});
        }
        save("accuracy", "Test accuracy (evaluated at each epoch's end)", "round", "accuracy",
                new XYSeriesCollection(series), csv);
    }

    private void loss(List<Map<String, String>> rounds, List<Map<String, String>> evals) throws IOException {
        XYSeries train = new XYSeries("training loss");
        XYSeries test = new XYSeries("test loss");
        List<String[]> csv = new ArrayList<>();
        csv.add(new String[] {"round", "kind", "loss"});
        for (Map<String, String> row : sorted(rounds, "ROUND_NO")) {
            if ("true".equalsIgnoreCase(row.get("COMMITTED"))) {
                train.add(number(row, "ROUND_NO"), number(row, "TRAIN_LOSS"));
                csv.add(new String[] {row.get("ROUND_NO"), "train", row.get("TRAIN_LOSS")});
            }
        }
        for (Map<String, String> row : sorted(evals, "ROUND_NO")) {
            test.add(number(row, "ROUND_NO"), number(row, "TEST_LOSS"));
            csv.add(new String[] {row.get("ROUND_NO"), "test", row.get("TEST_LOSS")});
        }
        XYSeriesCollection data = new XYSeriesCollection(train);
        data.addSeries(test);
        save("loss", "Loss by round", "round", "cross-entropy", data, csv);
    }

    private void perDevice(List<Map<String, String>> deviceRounds, String column, String name, String title, String axis)
            throws IOException {
        Map<String, XYSeries> byDevice = new TreeMap<>();
        List<String[]> csv = new ArrayList<>();
        csv.add(new String[] {"round", "device", "device_class", column.toLowerCase()});
        for (Map<String, String> row : sorted(deviceRounds, "ROUND_NO")) {
            if (!"ACCEPTED".equals(row.get("STATUS"))) {
                continue;
            }
            byDevice.computeIfAbsent(row.get("DEVICE"), XYSeries::new).add(number(row, "ROUND_NO"), number(row, column));
            csv.add(new String[] {row.get("ROUND_NO"), row.get("DEVICE"), row.get("DEVICE_CLASS"), row.get(column)});
        }
        XYSeriesCollection data = new XYSeriesCollection();
        byDevice.values().forEach(data::addSeries);
        save(name, title, "round", axis, data, csv);
    }

    /** Fleet throughput over wall-clock time, with every event marked where it happened. */
    private void timeline(List<Map<String, String>> rounds, List<Map<String, String>> events) throws IOException {
        List<Map<String, String>> byTime = sorted(rounds, "ROUND_NO");
        double start = byTime.isEmpty() ? 0 : seconds(byTime.get(0).get("ENDED_AT")) - number(byTime.get(0), "SECONDS");
        XYSeries throughput = new XYSeries("fleet images/s");
        List<String[]> csv = new ArrayList<>();
        csv.add(new String[] {"seconds", "kind", "value", "detail"});
        for (Map<String, String> row : byTime) {
            double t = seconds(row.get("ENDED_AT")) - start;
            throughput.add(t, number(row, "IMAGES_PER_SECOND"));
            csv.add(new String[] {String.format("%.3f", t), "round", row.get("IMAGES_PER_SECOND"), "round " + row.get("ROUND_NO")});
        }
        JFreeChart chart = ChartFactory.createXYLineChart("Fleet throughput and events", "seconds since the first round",
                "images/s", new XYSeriesCollection(throughput), PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = chart.getXYPlot();
        for (Map<String, String> event : events) {
            double t = seconds(event.get("AT")) - start;
            ValueMarker marker = new ValueMarker(t, new Color(200, 40, 40), new BasicStroke(1f));
            marker.setLabel(event.get("KIND") + (event.get("DEVICE") == null || event.get("DEVICE").isEmpty() ? "" : " " + event.get("DEVICE")));
            marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
            marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
            plot.addDomainMarker(marker);
            csv.add(new String[] {String.format("%.3f", t), "event", event.get("KIND"), event.get("DETAIL")});
        }
        write(chart, "timeline", csv);
    }

    private void save(String name, String title, String x, String y, XYSeriesCollection data, List<String[]> csv)
            throws IOException {
        JFreeChart chart = ChartFactory.createXYLineChart(title, x, y, data, PlotOrientation.VERTICAL, true, false, false);
        write(chart, name, csv);
    }

    private void write(JFreeChart chart, String name, List<String[]> csv) throws IOException {
        Charts.save(chart, out.resolve(name + ".png"), 1000, 560);
        Files.writeString(out.resolve(name + ".csv"), CsvTables.toCsv(csv));
    }

    private static List<Map<String, String>> sorted(List<Map<String, String>> rows, String column) {
        List<Map<String, String>> copy = new ArrayList<>(rows);
        copy.sort((a, b) -> Double.compare(number(a, column), number(b, column)));
        return copy;
    }

    private static double number(Map<String, String> row, String column) {
        String value = row.get(column);
        return value == null || value.isEmpty() ? Double.NaN : Double.parseDouble(value);
    }

    private static double seconds(String timestamp) {
        return Timestamp.valueOf(timestamp).getTime() / 1000.0;
    }
}
