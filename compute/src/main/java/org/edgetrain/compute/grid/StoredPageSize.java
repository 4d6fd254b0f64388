package org.edgetrain.compute.grid;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * The page size a persistent device's store was written with, read from the headers of its page files. Ignite refuses
 * to start on a store whose pages differ from its configuration; a device whose store an earlier edgetrain wrote in 4
 * KB pages (before issue 20 made them 16 KB) starts with that store's pages instead, and keeps its data and the job's
 * progress. Stateless.
 */
final class StoredPageSize {
    /**
     * A page file's header (Ignite 2.x's file page store, in the platform's byte order): an 8-byte signature, the
     * format version (4 bytes), the store type (1 byte), then the page size (4 bytes).
     */
    private static final long SIGNATURE = 0xF19AC4FE60C530B8L;
    private static final int HEADER_BYTES = 17;
    private static final int PAGE_SIZE_OFFSET = 13;

    private StoredPageSize() {
    }

    /**
     * @param workDirectory the node's Ignite work directory (its store is under {@code db/})
     * @return the page size of the first page file found there, or empty when there is none (a new device)
     * @throws UncheckedIOException when the store exists but cannot be read
     */
    static OptionalInt in(Path workDirectory) {
        Path db = workDirectory.resolve("db");
        if (!Files.isDirectory(db)) {
            return OptionalInt.empty();
        }
        try (Stream<Path> files = Files.walk(db, 4)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".bin") && Files.isRegularFile(f))
                    .mapToInt(StoredPageSize::pageSize).filter(size -> size > 0).findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the device's store in " + db + ": " + e.getMessage(), e);
        }
    }

    /** @return the page size in {@code file}'s header, or -1 when it is not a page file (or a torn one) */
    private static int pageSize(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] header = in.readNBytes(HEADER_BYTES);
            if (header.length < HEADER_BYTES) {
                return -1;
            }
            ByteBuffer buffer = ByteBuffer.wrap(header).order(ByteOrder.nativeOrder());
            return buffer.getLong(0) == SIGNATURE ? buffer.getInt(PAGE_SIZE_OFFSET) : -1;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
