package org.edgetrain.compute.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.edgetrain.compute.artifacts.ModelArtifacts;
import org.edgetrain.compute.artifacts.ModelCard;
import org.edgetrain.compute.grid.ThinFleetReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code edgetrain model}: the trained model out of the fleet. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Take the fleet's model out as a file.",
        subcommands = ModelCommand.Export.class)
public final class ModelCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a subcommand: export");
    }

    /** {@code model export}: reads a held model version over the thin client and writes it with its sidecar. */
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write the fleet's model (DL4J zip or ONNX) and its sidecar FILE.json.")
    static final class Export implements Callable<Integer> {
        @Option(names = "--out", required = true, description = "the model file to write (FILE.json is written beside it)")
        Path out;

        @Option(names = "--format", description = "dl4j or onnx; default: onnx for a .onnx file, else dl4j")
        ModelArtifacts.Format format;

        @Option(names = "--version", description = "a model version the fleet still holds; default: the committed one")
        Long version;

        @Mixin
        FleetOptions fleet;

        @Mixin
        SqlCredentials credentials;

        @Override
        public Integer call() {
            FleetModels.Held held;
            try (ThinFleetReader reader = fleet.reader(credentials.orNull())) {
                held = FleetModels.select(reader, version);
            }
            ModelCard card = ModelArtifacts.write(held.model(), held.state(), out,
                    format != null ? format : ModelArtifacts.Format.of(out), held.provenance());
            System.out.printf("wrote %s (%s, %s, job %s, model v%d%s) and %s%n", out, card.architecture(), card.format(),
                    card.job(), card.modelVersion(), card.testAccuracy() == null ? ""
                            : String.format(", test accuracy %.2f %%", 100 * card.testAccuracy()),
                    ModelArtifacts.sidecar(out).getFileName());
            return 0;
        }
    }
}
