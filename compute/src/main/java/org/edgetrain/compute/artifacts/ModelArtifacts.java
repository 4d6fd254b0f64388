package org.edgetrain.compute.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.edgetrain.compute.io.Json;
import org.edgetrain.model.cifar.CifarFormat;
import org.edgetrain.model.cifar.Normalization;
import org.edgetrain.model.engine.Dl4jEngine;
import org.edgetrain.model.export.ArtifactFiles;
import org.edgetrain.model.export.Dl4jModelFile;
import org.edgetrain.model.export.OnnxExport;
import org.edgetrain.model.net.NetworkSpec;

/**
 * Model files and their sidecars: the one place that turns a flat network state into a file a user keeps, and a
 * kept file back into a state. Every file is written atomically (a crash mid-write never leaves a damaged file under
 * the final name), its sidecar ({@link ModelCard}) right after it.
 */
public final class ModelArtifacts {
    /** File formats. */
    public enum Format {
        /** A DL4J ComputationGraph zip: edgetrain reads it back, any DL4J program loads it. */
        DL4J,
        /** An ONNX graph (inference only), for runtimes without Java. */
        ONNX;

        /** @return ONNX for a {@code .onnx} file, DL4J otherwise */
        public static Format of(Path file) {
            return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx") ? ONNX : DL4J;
        }
    }

    private ModelArtifacts() {
    }

    /**
     * Writes the network {@code model} with {@code state} to {@code file} and its sidecar to {@code file.json}.
     *
     * @return the sidecar written
     */
    public static ModelCard write(String model, float[] state, Path file, Format format, Provenance provenance) {
        try (Dl4jEngine engine = new Dl4jEngine(NetworkSpec.of(model, 0), false)) {
            engine.setState(state);
            if (format == Format.ONNX) {
                OnnxExport.write(engine.graph(), model, ModelCard.EDGETRAIN_VERSION, file);
            } else {
                Dl4jModelFile.write(engine.graph(), file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        ModelCard card = new ModelCard(model, format.name().toLowerCase(Locale.ROOT), file.getFileName().toString(),
                List.of(CifarFormat.CHANNELS, CifarFormat.SIDE, CifarFormat.SIDE), boxed(Normalization.mean()),
                boxed(Normalization.std()), CifarFormat.LABEL_NAMES, provenance.job(), provenance.modelVersion(),
                provenance.round(), provenance.epoch(), provenance.imagesTrained(), provenance.testAccuracy(),
                ModelCard.EDGETRAIN_VERSION, sha256(file));
        try {
            ArtifactFiles.writeAtomically(sidecar(file), out -> out.write(Json.write(card).getBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + sidecar(file) + ": " + e.getMessage(), e);
        }
        return card;
    }

    /**
     * Reads a DL4J model file back.
     *
     * @throws IllegalArgumentException naming the file and the fix: missing, damaged, another kind of file or network
     */
    public static Dl4jModelFile.Loaded read(Path file) {
        if (Format.of(file) == Format.ONNX) {
            throw new IllegalArgumentException(file + " is an ONNX graph, which edgetrain writes for other runtimes and "
                    + "does not read back: pass the DL4J model (the .zip beside it)");
        }
        return Dl4jModelFile.read(file);
    }

    /** @return the sidecar of {@code file}: {@code file.json} */
    public static Path sidecar(Path file) {
        return file.resolveSibling(file.getFileName() + ".json");
    }

    /** @return the sidecar of {@code file}, or null when it has none or it cannot be read */
    public static ModelCard card(Path file) {
        Path sidecar = sidecar(file);
        if (!Files.isRegularFile(sidecar)) {
            return null;
        }
        try {
            return Json.mapper().readValue(sidecar.toFile(), ModelCard.class);
        } catch (IOException e) {
            return null;
        }
    }

    /** @return the hex SHA-256 of {@code file} */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    private static List<Float> boxed(float[] values) {
        Float[] out = new Float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return List.of(out);
    }
}
