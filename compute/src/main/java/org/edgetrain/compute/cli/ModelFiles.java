package org.edgetrain.compute.cli;

import java.nio.file.Path;
import org.edgetrain.compute.artifacts.ModelArtifacts;
import org.edgetrain.model.engine.Dl4jEngine;
import org.edgetrain.model.export.Dl4jModelFile;
import org.edgetrain.model.net.NetworkSpec;

/** Model files as the commands that use them open them: a bad file is the user's error (exit 2), named. */
public final class ModelFiles {
    private ModelFiles() {
    }

    /**
     * @return an engine holding the network in {@code file}; close it
     * @throws EdgetrainCommand.UserError when the file is missing, damaged, an ONNX graph or not an edgetrain ResNet
     */
    public static Dl4jEngine open(Path file) {
        Dl4jModelFile.Loaded loaded = read(file);
        Dl4jEngine engine = new Dl4jEngine(NetworkSpec.of(loaded.model(), 0), false);
        engine.setState(loaded.state());
        return engine;
    }

    /**
     * @return the network in {@code file}
     * @throws EdgetrainCommand.UserError when the file is missing, damaged, an ONNX graph or not an edgetrain ResNet
     */
    public static Dl4jModelFile.Loaded read(Path file) {
        try {
            return ModelArtifacts.read(file);
        } catch (IllegalArgumentException e) {
            throw new EdgetrainCommand.UserError(e.getMessage());
        }
    }
}
