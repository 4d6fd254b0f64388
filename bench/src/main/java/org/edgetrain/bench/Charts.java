package org.edgetrain.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYItemRenderer;

/**
 * One look for every chart edgetrain writes, read at a glance: white background, light grid, full category labels,
 * thick lines in distinct colours. JFreeChart's defaults (grey plot area, gradient bars, labels cut to one line)
 * are not. Stateless.
 */
final class Charts {
    /** Colour-blind-safe series colours (Tableau 10). */
    private static final Color[] COLOURS = {new Color(0x4E79A7), new Color(0xE15759), new Color(0x59A14F),
        new Color(0xF28E2B), new Color(0xB07AA1), new Color(0x76B7B2), new Color(0xEDC948), new Color(0x9C755F)};

    private Charts() {
    }

    /** Styles {@code chart} and writes it as a PNG of {@code width} x {@code height}, creating the folder. */
    static void save(JFreeChart chart, Path file, int width, int height) throws IOException {
        style(chart);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        style(chart.getPlot());
    }

    private static void style(Plot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlineVisible(false);
        if (plot instanceof CombinedDomainXYPlot combined) {
            // One panel per run: each its own colour, so that the legend names the panels.
            for (int i = 0; i < combined.getSubplots().size(); i++) {
                XYPlot panel = combined.getSubplots().get(i);
                style(panel);
                panel.getRenderer().setSeriesPaint(0, COLOURS[i % COLOURS.length]);
            }
        } else if (plot instanceof XYPlot xy) {
            xy.setDomainGridlinePaint(Color.LIGHT_GRAY);
            xy.setRangeGridlinePaint(Color.LIGHT_GRAY);
            XYItemRenderer renderer = xy.getRenderer();
            for (int s = 0; s < COLOURS.length; s++) {
                renderer.setSeriesPaint(s, COLOURS[s]);
                renderer.setSeriesStroke(s, new BasicStroke(2f));
            }
        } else if (plot instanceof CategoryPlot category) {
            category.setRangeGridlinePaint(Color.LIGHT_GRAY);
            CategoryAxis axis = category.getDomainAxis();
            axis.setMaximumCategoryLabelLines(4); // full fleet names, wrapped, never cut to "11 dev: 1 pc, 2 jets..."
            if (category.getRenderer() instanceof BarRenderer bars) {
                bars.setBarPainter(new StandardBarPainter());
                bars.setShadowVisible(false);
                for (int s = 0; s < COLOURS.length; s++) {
                    bars.setSeriesPaint(s, COLOURS[s]);
                }
            }
        }
    }
}
