package org.edgetrain.model.export;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes files so that a reader never sees half of one: a crash mid-write leaves the old file, or none. */
public final class ArtifactFiles {
    private ArtifactFiles() {
    }

    /** What writes a file's content. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code content} to a temporary file beside {@code file}, then renames it to {@code file} in one step
     * (creating the parent folders first).
     */
    public static void writeAtomically(Path file, Content content) throws IOException {
        Path target = file.toAbsolutePath();
        Files.createDirectories(target.getParent());
        // Not Files.createTempFile: it makes files only their owner may read, and a model is meant to be shared.
        Path temporary = target.resolveSibling("." + target.getFileName() + "." + java.util.UUID.randomUUID() + ".partial");
        try {
            try (OutputStream out = Files.newOutputStream(temporary, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE)) {
                content.writeTo(out);
            }
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
