package org.edgetrain.bench;

import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code edgetrain bench}: benchmarks. Figures belong in bench/RESULTS.md with the command that made them. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
        subcommands = {EngineBenchmark.class, FleetBenchmark.class, HeteroBenchmark.class, FaultBenchmark.class,
                LearningBenchmark.class, ScaleBenchmark.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a benchmark, e.g. edgetrain bench engine");
    }
}
