package org.edgetrain.compute.cli;

import org.edgetrain.compute.fleet.FleetException;
import org.edgetrain.compute.settings.SystemProperty;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code edgetrain} command: one tool for datasets, training, devices and the fleet. Subcommands that live
 * in modules above this one (the benchmarks) are added by the launcher's main class.
 */
@Command(name = "edgetrain", mixinStandardHelpOptions = true, version = "edgetrain " + org.edgetrain.compute.artifacts.ModelCard.EDGETRAIN_VERSION,
        description = "Self-aware distributed deep learning for heterogeneous IoT fleets on Apache Ignite.",
        subcommands = {DatasetCommand.class, TrainLocalCommand.class, NodeCommand.class, ClusterCommand.class,
                TrainCommand.class, StatusCommand.class, SqlCommand.class, UserCommand.class, DemoCommand.class, TlsCommand.class,
                UiCommand.class, ModelCommand.class, PredictCommand.class, QuorumCommand.class,
                CommandLine.HelpCommand.class})
public final class EdgetrainCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Set by {@code --verbose}: Ignite's warnings and errors also go to stderr (they always go to the tools' log). */
    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "also print Ignite's warnings and errors on stderr (they always go to logs/edgetrain-tools.log)")
    void verbose(boolean verbose) {
        if (verbose) {
            System.setProperty(SystemProperty.VERBOSE_LEVEL.key(), "warn");
            ((org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(false)).reconfigure();
        }
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand (edgetrain help lists them)");
    }

    /** Entry point without the benchmarks: what device processes run. */
    public static void main(String[] args) {
        org.edgetrain.model.engine.OneDnnHelpers.configure();
        System.exit(commandLine(new EdgetrainCommand()).execute(args));
    }

    /**
     * Builds the command line with the standard error handling: user errors print a message and exit 2,
     * anything else prints the cause's message and exits 1 (the stack trace goes to the log).
     */
    public static CommandLine commandLine(Object root) {
        CommandLine commandLine = new CommandLine(root);
        commandLine.setExecutionStrategy(parsed -> {
            DataOutput.claimIfAsked(parsed);
            return new CommandLine.RunLast().execute(parsed);
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            Throwable cause = e;
            while (cause.getCause() != null && (cause.getMessage() == null || cause instanceof java.util.concurrent.ExecutionException)) {
                cause = cause.getCause();
            }
            cmd.getErr().println("edgetrain: " + (cause.getMessage() == null ? cause.toString() : cause.getMessage()));
            org.apache.logging.log4j.LogManager.getLogger(EdgetrainCommand.class).debug("command failed", e);
            return isUsers(e) || isUsers(cause) ? 2 : 1;
        });
        return commandLine;
    }

    /** @return true for an error the user can fix: exit code 2 */
    private static boolean isUsers(Throwable e) {
        return e instanceof UserError || e instanceof FleetException;
    }

    /** An error in what the user asked for (bad path, bad data); exits 2 with its message. */
    public static final class UserError extends RuntimeException {
        /** @param message what is wrong and how to fix it */
        public UserError(String message) {
            super(message);
        }
    }
}
