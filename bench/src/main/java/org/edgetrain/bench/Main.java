package org.edgetrain.bench;

import org.edgetrain.compute.cli.EdgetrainCommand;
import org.edgetrain.model.engine.OneDnnHelpers;
import picocli.CommandLine;

/**
 * Entry point of {@code bin/edgetrain}: the compute module's command tree plus the benchmarks, which sit in
 * the module above it.
 */
public final class Main {
    private Main() {
    }

    /** Runs the command and exits with its code. */
    public static void main(String[] args) {
        OneDnnHelpers.configure();
        CommandLine commandLine = EdgetrainCommand.commandLine(new EdgetrainCommand());
        commandLine.addSubcommand("bench", EdgetrainCommand.commandLine(new BenchCommand()));
        commandLine.addSubcommand("report", new ReportCommand());
        commandLine.addSubcommand("evaluate", new EvaluateCommand());
        System.exit(commandLine.execute(args));
    }
}
