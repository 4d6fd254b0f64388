package org.edgetrain.compute.cli;

import java.io.PrintStream;
import java.util.List;
import org.edgetrain.compute.io.Json;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Where a command's data goes. A command asked for machine-readable output on standard output ({@code status --json},
 * {@code sql --csv}, {@code dataset verify --json}, any {@code --json -}) gets standard output for that data alone:
 * everything else it prints (progress lines, notices) goes to standard error, so {@code edgetrain ... | jq} parses
 * what it reads. One rule for every command, applied before the command runs ({@link #claimIfAsked}).
 *
 * <p>Thread-safety: claimed once, on the main thread, before the command starts.
 */
public final class DataOutput {
    /** The file name that means standard output in {@code --json FILE}. */
    public static final String STDOUT = "-";

    private static PrintStream data = System.out;

    private DataOutput() {
    }

    /** @return the stream a command writes its data to (standard output, even once claimed) */
    public static PrintStream stream() {
        return data;
    }

    /** @return true when {@code path} names standard output */
    public static boolean isStdout(java.nio.file.Path path) {
        return path != null && STDOUT.equals(path.toString());
    }

    /** Writes {@code value} as JSON to {@code file}, or to the data stream when {@code file} is {@value #STDOUT}. */
    public static void writeJson(Object value, java.nio.file.Path file) {
        if (isStdout(file)) {
            stream().println(Json.write(value));
        } else {
            Json.write(value, file);
        }
    }

    /**
     * Claims standard output for data when the command line about to run asks for data there: from then on
     * {@link System#out} is standard error and only {@link #stream()} reaches standard output.
     */
    static void claimIfAsked(ParseResult parsed) {
        ParseResult command = parsed;
        while (command.hasSubcommand()) {
            command = command.subcommand();
        }
        if (asksForData(command.matchedOptions())) {
            data = System.out;
            System.setOut(System.err);
        }
    }

    private static boolean asksForData(List<OptionSpec> options) {
        for (OptionSpec option : options) {
            Object value = option.getValue();
            boolean named = List.of(option.names()).contains("--json") || List.of(option.names()).contains("--csv");
            if (named && (Boolean.TRUE.equals(value) || value != null && STDOUT.equals(value.toString()))) {
                return true;
            }
        }
        return false;
    }
}
