package org.edgetrain.model.cifar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarReaderTest {
    @TempDir
    Path dir;

    private final CifarReader reader = new CifarReader();

    @Test
    void readsExtractedFolderAndParentFolder() {
        Path folder = SyntheticCifar.write(dir, 20, 30, 1);

        CifarDataset fromFolder = reader.read(folder);
        CifarDataset fromParent = reader.read(dir);

        assertEquals(100, fromFolder.train().size());
        assertEquals(30, fromFolder.test().size());
        assertFalse(fromFolder.isOfficialSize());
        assertArrayEquals(fromFolder.train().records(), fromParent.train().records());
        assertArrayEquals(new int[] {10, 10, 10, 10, 10, 10, 10, 10, 10, 10}, fromFolder.train().classCounts());
    }

    @Test
    void readsGzippedTarLikeTheOfficialArchive() throws IOException {
        Path folder = SyntheticCifar.write(dir.resolve("src"), 7, 9, 2);
        Path archive = tar(folder, dir.resolve("cifar-10-binary.tar.gz"), true);

        CifarDataset data = reader.read(archive);

        assertEquals(35, data.train().size());
        assertArrayEquals(reader.read(folder).test().records(), data.test().records());
    }

    @Test
    void readsPlainTar() throws IOException {
        Path folder = SyntheticCifar.write(dir.resolve("src"), 3, 4, 3);

        CifarDataset data = reader.read(tar(folder, dir.resolve("cifar.tar"), false));

        assertEquals(15, data.train().size());
    }

    @Test
    void truncatedFileNamesFileRecordAndFix() throws IOException {
        Path folder = SyntheticCifar.write(dir, 5, 5, 4);
        Path file = folder.resolve("data_batch_3.bin");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 1000));

        CifarFormatException e = assertThrows(CifarFormatException.class, () -> reader.read(folder));

        assertTrue(e.getMessage().contains("data_batch_3.bin"), e.getMessage());
        assertTrue(e.getMessage().contains("record 4 is cut after 2,073 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void wrongSizeFileIsRejected() throws IOException {
        Path folder = SyntheticCifar.write(dir, 5, 5, 5);
        Files.write(folder.resolve("test_batch.bin"), new byte[3000]);

        CifarFormatException e = assertThrows(CifarFormatException.class, () -> reader.read(folder));

        assertTrue(e.getMessage().contains("test_batch.bin is 3,000 bytes"), e.getMessage());
    }

    @Test
    void labelOutOfRangeNamesRecord() throws IOException {
        Path folder = SyntheticCifar.write(dir, 5, 5, 6);
        Path file = folder.resolve("data_batch_2.bin");
        byte[] bytes = Files.readAllBytes(file);
        bytes[3 * CifarFormat.RECORD_BYTES] = 10;
        Files.write(file, bytes);

        CifarFormatException e = assertThrows(CifarFormatException.class, () -> reader.read(folder));

        assertTrue(e.getMessage().contains("data_batch_2.bin record 3"), e.getMessage());
        assertTrue(e.getMessage().contains("label 10, outside 0-9"), e.getMessage());
    }

    @Test
    void missingBatchIsNamed() throws IOException {
        Path folder = SyntheticCifar.write(dir, 5, 5, 7);
        Files.delete(folder.resolve("data_batch_5.bin"));

        CifarFormatException e = assertThrows(CifarFormatException.class, () -> reader.read(folder));

        assertTrue(e.getMessage().contains("missing data_batch_5.bin"), e.getMessage());
    }

    @Test
    void nonArchiveIsExplained() throws IOException {
        Path bogus = dir.resolve("cifar-10-binary.tar.gz");
        Files.writeString(bogus, "<html>404 Not Found</html>");

        CifarFormatException e = assertThrows(CifarFormatException.class, () -> reader.read(bogus));

        assertTrue(e.getMessage().contains("not gzip-compressed"), e.getMessage());
    }

    @Test
    void archiveWithoutCifarFilesIsExplained() throws IOException {
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("readme.txt"), "hello");

        CifarFormatException e = assertThrows(CifarFormatException.class,
                () -> reader.read(tar(other, dir.resolve("other.tar.gz"), true)));

        assertTrue(e.getMessage().contains("holds none of the CIFAR-10 batch files"), e.getMessage());
    }

    @Test
    void emptyFolderIsExplained() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));

        CifarFormatException e = assertThrows(CifarFormatException.class, () -> reader.read(empty));

        assertTrue(e.getMessage().contains("is empty"), e.getMessage());
    }

    @Test
    void missingPathIsExplained() {
        CifarFormatException e = assertThrows(CifarFormatException.class, () -> reader.read(dir.resolve("nope")));

        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    static Path tar(Path folder, Path archive, boolean gzip) throws IOException {
        try (OutputStream file = Files.newOutputStream(archive);
             OutputStream compressed = gzip ? new GzipCompressorOutputStream(file) : file;
             TarArchiveOutputStream tar = new TarArchiveOutputStream(compressed)) {
            try (var files = Files.list(folder)) {
                for (Path f : files.sorted().toList()) {
                    TarArchiveEntry entry = new TarArchiveEntry(f.toFile(), folder.getFileName() + "/" + f.getFileName());
                    tar.putArchiveEntry(entry);
                    Files.copy(f, tar);
                    tar.closeArchiveEntry();
                }
            }
        }
        return archive;
    }
}
