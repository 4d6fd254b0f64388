package org.edgetrain.model.cifar;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Reads CIFAR-10 in the official binary layout from a {@code .tar.gz} / {@code .tgz} / {@code .tar} archive,
 * from an extracted {@code cifar-10-batches-bin/} folder, or from a folder that contains one.
 *
 * <p>Every file is verified while it is read: present, non-empty, a whole number of 3,073-byte records,
 * every label 0-9. Any fault raises {@link CifarFormatException} naming the file, the record and the fix;
 * nothing partial is returned. Files may hold any number of records, so that tests can use tiny files;
 * whether the counts are the official ones is the caller's question ({@link CifarDataset#isOfficialSize()}).
 *
 * <p>Stateless and thread-safe.
 */
public final class CifarReader {
    private static final String FIX_ARCHIVE = "pass the official cifar-10-binary.tar.gz or its extracted "
            + "cifar-10-batches-bin folder (edgetrain dataset fetch downloads and checks it)";

    /**
     * Reads and verifies both splits.
     *
     * @param path an archive or a folder
     * @return the verified data set
     * @throws CifarFormatException when anything is missing or malformed
     */
    public CifarDataset read(Path path) {
        if (!Files.exists(path)) {
            throw new CifarFormatException(path + " does not exist: " + FIX_ARCHIVE);
        }
        Map<String, byte[]> files = Files.isDirectory(path) ? readFolder(path) : readArchive(path);
        byte[] train = concatenate(CifarFormat.TRAIN_FILES, files, path);
        byte[] test = concatenate(List.of(CifarFormat.TEST_FILE), files, path);
        return new CifarDataset(new CifarSplit(train), new CifarSplit(test), path.toString());
    }

    private static Map<String, byte[]> readFolder(Path folder) {
        Path dir = Files.isDirectory(folder.resolve(CifarFormat.FOLDER)) ? folder.resolve(CifarFormat.FOLDER) : folder;
        try (Stream<Path> listing = Files.list(dir)) {
            if (listing.findAny().isEmpty()) {
                throw new CifarFormatException(dir + " is empty: expected " + CifarFormat.TRAIN_FILES + " and "
                        + CifarFormat.TEST_FILE + "; " + FIX_ARCHIVE);
            }
        } catch (IOException e) {
            throw new CifarFormatException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        Map<String, byte[]> files = new HashMap<>();
        for (String name : allFiles()) {
            Path file = dir.resolve(name);
            try {
                files.put(name, Files.readAllBytes(file));
            } catch (NoSuchFileException e) {
                // reported with the full list of what is missing by concatenate()
            } catch (IOException e) {
                throw new CifarFormatException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        return files;
    }

    private static Map<String, byte[]> readArchive(Path archive) {
        Map<String, byte[]> files = new HashMap<>();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
             TarArchiveInputStream tar = new TarArchiveInputStream(maybeGunzip(raw, archive))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = Path.of(entry.getName()).getFileName().toString();
                if (entry.isFile() && allFiles().contains(name)) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, entry.getSize()));
                    tar.transferTo(out);
                    files.put(name, out.toByteArray());
                }
            }
        } catch (CifarFormatException e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) {
            throw new CifarFormatException(archive + " is not a readable tar archive (" + e.getMessage()
                    + "): the download may be incomplete or the file is something else; " + FIX_ARCHIVE, e);
        }
        if (files.isEmpty()) {
            throw new CifarFormatException(archive + " holds none of the CIFAR-10 batch files (" + CifarFormat.TEST_FILE
                    + ", data_batch_1..5.bin): " + FIX_ARCHIVE);
        }
        return files;
    }

    private static InputStream maybeGunzip(InputStream raw, Path archive) throws IOException {
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            return new GzipCompressorInputStream(raw, true);
        }
        String name = archive.getFileName().toString();
        if (name.endsWith(".gz") || name.endsWith(".tgz")) {
            throw new CifarFormatException(archive + " is not gzip-compressed (it does not start with the gzip magic "
                    + "bytes 1f 8b): the download may be an error page or a different file; " + FIX_ARCHIVE);
        }
        return raw;
    }

    private static List<String> allFiles() {
        return Stream.concat(CifarFormat.TRAIN_FILES.stream(), Stream.of(CifarFormat.TEST_FILE)).toList();
    }

    private static byte[] concatenate(List<String> names, Map<String, byte[]> files, Path source) {
        List<String> missing = names.stream().filter(n -> !files.containsKey(n)).toList();
        if (!missing.isEmpty()) {
            throw new CifarFormatException(source + " is missing " + String.join(", ", missing)
                    + ": all six batch files are needed; " + FIX_ARCHIVE);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String name : names) {
            byte[] data = files.get(name);
            verify(name, data, source);
            out.writeBytes(data);
        }
        return out.toByteArray();
    }

    /**
     * Verifies one batch file's bytes.
     *
     * @throws CifarFormatException naming the file and record at fault
     */
    static void verify(String name, byte[] data, Path source) {
        String where = source + "/" + name;
        if (data.length == 0) {
            throw new CifarFormatException(where + " is empty: " + FIX_ARCHIVE);
        }
        int whole = data.length / CifarFormat.RECORD_BYTES;
        int rest = data.length % CifarFormat.RECORD_BYTES;
        if (rest != 0) {
            throw new CifarFormatException(String.format(
                    "%s is %,d bytes, not a whole number of %,d-byte records: record %,d is cut after %,d bytes. "
                            + "The file is truncated or not CIFAR-10 binary; re-extract it or %s",
                    where, data.length, CifarFormat.RECORD_BYTES, whole, rest, FIX_ARCHIVE));
        }
        for (int r = 0; r < whole; r++) {
            int label = data[r * CifarFormat.RECORD_BYTES] & 0xFF;
            if (label >= CifarFormat.CLASSES) {
                throw new CifarFormatException(String.format(
                        "%s record %,d (byte offset %,d) has label %d, outside 0-9: the file is corrupt or is "
                                + "CIFAR-100 (which has two label bytes); %s",
                        where, r, (long) r * CifarFormat.RECORD_BYTES, label, FIX_ARCHIVE));
            }
        }
    }
}
