package org.edgetrain.bench;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.edgetrain.compute.cli.DataOutput;
import org.edgetrain.compute.cli.DatasetCommand;
import org.edgetrain.compute.cli.ModelFiles;
import org.edgetrain.model.cifar.CifarFormat;
import org.edgetrain.model.cifar.CifarSplit;
import org.edgetrain.model.engine.Dl4jEngine;
import org.edgetrain.model.train.TestReport;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.GrayPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code edgetrain evaluate}: a model file's test accuracy, class by class, and its confusion matrix. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Test a model file on CIFAR-10's test set: accuracy, loss, per-class accuracy, confusion matrix.")
public final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "a DL4J model.zip (edgetrain model export, demo, train-local --save)")
    Path model;

    @Option(names = "--cifar", required = true, description = "cifar-10-binary.tar.gz or its extracted folder")
    Path cifar;

    @Option(names = "--limit-test", description = "use only the first N test images")
    Integer limitTest;

    @Option(names = "--json", description = "write the result as JSON to this file (- for stdout)")
    Path json;

    @Option(names = "--out", description = "also write confusion.png here")
    Path out;

    /** One class's accuracy. */
    public record ClassAccuracy(@com.fasterxml.jackson.annotation.JsonProperty("class") String label, long images,
                                double accuracy) {
    }

    /** The JSON of {@code evaluate}. */
    public record Result(String model, double testAccuracy, double testLoss, long images, List<ClassAccuracy> perClass,
                         long[][] confusion) {
    }

    @Override
    public Integer call() throws IOException {
        CifarSplit test = DatasetCommand.read(cifar).test();
        if (limitTest != null) {
            test = test.limit(limitTest);
        }
        TestReport report;
        try (Dl4jEngine engine = ModelFiles.open(model)) {
            report = TestReport.of(engine, test, 256);
        }
        List<ClassAccuracy> perClass = new ArrayList<>();
        for (int c = 0; c < CifarFormat.CLASSES; c++) {
            perClass.add(new ClassAccuracy(CifarFormat.LABEL_NAMES.get(c), report.imagesOf(c), report.accuracyOf(c)));
        }
        Result result = new Result(model.toString(), report.accuracy(), report.meanLoss(), report.images(), perClass,
                report.confusion());
        print(result);
        if (out != null) {
            Files.createDirectories(out);
            writeChart(result, out.resolve("confusion.png"));
            System.out.println("wrote " + out.resolve("confusion.png"));
        }
        if (json != null) {
            DataOutput.writeJson(result, json);
        }
        return 0;
    }

    private static void print(Result r) {
        System.out.printf("%s: test accuracy %.2f %% (loss %.4f) on %,d images%n%n", r.model(), 100 * r.testAccuracy(),
                r.testLoss(), r.images());
        StringBuilder header = new StringBuilder(String.format("%-12s %8s %9s   ", "class", "images", "accuracy"));
        for (String name : CifarFormat.LABEL_NAMES) {
            header.append(String.format(" %6.6s", name));
        }
        System.out.println(header + "   (rows: true class, columns: predicted)");
        for (int c = 0; c < CifarFormat.CLASSES; c++) {
            StringBuilder row = new StringBuilder(String.format("%-12s %8d %8.2f%%   ", r.perClass().get(c).label(),
                    r.perClass().get(c).images(), 100 * r.perClass().get(c).accuracy()));
            for (long count : r.confusion()[c]) {
                row.append(String.format(" %6d", count));
            }
            System.out.println(row);
        }
    }

    /** A heat map: true class up, predicted class across, each cell the share of the true class's images. */
    private static void writeChart(Result r, Path file) {
        int n = CifarFormat.CLASSES;
        double[][] series = new double[3][n * n];
        XYPlot plot = new XYPlot();
        for (int truth = 0; truth < n; truth++) {
            long images = Math.max(1, r.perClass().get(truth).images());
            for (int predicted = 0; predicted < n; predicted++) {
                int i = truth * n + predicted;
                double share = (double) r.confusion()[truth][predicted] / images;
                series[0][i] = predicted;
                series[1][i] = n - 1 - truth;
                series[2][i] = share;
                XYTextAnnotation label = new XYTextAnnotation(String.format("%.0f", 100 * share), predicted, n - 1 - truth);
                label.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
                label.setPaint(share > 0.5 ? Color.WHITE : Color.BLACK);
                plot.addAnnotation(label);
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("share", series);
        String[] names = CifarFormat.LABEL_NAMES.toArray(String[]::new);
        String[] reversed = new String[n];
        for (int i = 0; i < n; i++) {
            reversed[i] = names[n - 1 - i];
        }
        SymbolAxis predictedAxis = new SymbolAxis("predicted class", names);
        SymbolAxis trueAxis = new SymbolAxis("true class", reversed);
        XYBlockRenderer renderer = new XYBlockRenderer();
        GrayPaintScale scale = new GrayPaintScale(0, 1) {
            @Override
            public java.awt.Paint getPaint(double value) {
                // white for none, deep blue for all of a class's images
                double v = Math.max(0, Math.min(1, value));
                return new Color((int) (255 - 225 * v), (int) (255 - 190 * v), (int) (255 - 95 * v));
            }
        };
        renderer.setPaintScale(scale);
        plot.setDataset(data);
        plot.setDomainAxis(predictedAxis);
        plot.setRangeAxis(trueAxis);
        plot.setRenderer(renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        JFreeChart chart = new JFreeChart(String.format("Confusion matrix, %% of each true class (test accuracy %.2f %%)",
                100 * r.testAccuracy()), JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        NumberAxis legendAxis = new NumberAxis("share of the true class");
        legendAxis.setRange(0, 1);
        PaintScaleLegend legend = new PaintScaleLegend(scale, legendAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        chart.addSubtitle(legend);
        chart.setBackgroundPaint(Color.WHITE);
        try {
            ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 800);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
