package org.edgetrain.compute.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLConnection;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.edgetrain.compute.io.Json;
import org.edgetrain.model.cifar.CifarDataset;
import org.edgetrain.model.cifar.CifarFormat;
import org.edgetrain.model.cifar.CifarFormatException;
import org.edgetrain.model.cifar.CifarReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code edgetrain dataset}: check and fetch CIFAR-10. */
@Command(name = "dataset", mixinStandardHelpOptions = true, description = "Verify or fetch CIFAR-10.",
        subcommands = {DatasetCommand.Verify.class, DatasetCommand.Fetch.class, DatasetCommand.Load.class})
public final class DatasetCommand {
    /** Where the official archive is published. */
    public static final String OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";

    /**
     * Reads and verifies a data set, turning format errors into user errors.
     *
     * @throws EdgetrainCommand.UserError naming the file, record and fix
     */
    public static CifarDataset read(Path path) {
        try {
            return new CifarReader().read(path);
        } catch (CifarFormatException e) {
            throw new EdgetrainCommand.UserError(e.getMessage());
        }
    }

    /** One class's image counts. */
    public record ClassCount(int label, String name, int train, int test) {
    }

    /** The JSON of {@code dataset verify}. */
    public record Report(String source, boolean ok, boolean official, int train, int test, List<ClassCount> classes,
                         List<String> problems) {
    }

    /** Builds the verification report of a data set that was read successfully. */
    static Report report(CifarDataset data, boolean anySize) {
        int[] trainCounts = data.train().classCounts();
        int[] testCounts = data.test().classCounts();
        List<ClassCount> classes = new ArrayList<>();
        for (int c = 0; c < CifarFormat.CLASSES; c++) {
            classes.add(new ClassCount(c, CifarFormat.LABEL_NAMES.get(c), trainCounts[c], testCounts[c]));
        }
        List<String> problems = new ArrayList<>();
        if (!data.isOfficialSize() && !anySize) {
            problems.add(String.format("expected %,d training and %,d test images as in the official archive, found "
                            + "%,d and %,d: a batch file is short or from another data set (pass --any-size to accept)",
                    CifarFormat.OFFICIAL_TRAIN, CifarFormat.OFFICIAL_TEST, data.train().size(), data.test().size()));
        }
        return new Report(data.source(), problems.isEmpty(), data.isOfficialSize(), data.train().size(),
                data.test().size(), classes, problems);
    }

    /** {@code edgetrain dataset verify}. */
    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Check the six batch files: record size 3,073, labels 0-9, counts and per-class counts.")
    static final class Verify implements Callable<Integer> {
        @Option(names = "--cifar", required = true, description = "cifar-10-binary.tar.gz, or a folder holding cifar-10-batches-bin")
        Path cifar;

        @Option(names = "--json", description = "print JSON instead of text")
        boolean json;

        @Option(names = "--any-size", description = "accept record counts other than 50,000 / 10,000 (small test sets)")
        boolean anySize;

        @Override
        public Integer call() {
            Report report;
            try {
                report = report(new CifarReader().read(cifar), anySize);
            } catch (CifarFormatException e) {
                if (json) {
                    DataOutput.stream().println(Json.write(Map.of("source", cifar.toString(), "ok", false, "error", e.getMessage())));
                    return 2;
                }
                throw new EdgetrainCommand.UserError(e.getMessage());
            }
            if (json) {
                DataOutput.stream().println(Json.write(report));
            } else {
                System.out.printf("CIFAR-10 at %s: %s%n", report.source(), report.ok() ? "OK" : "PROBLEMS");
                System.out.printf("  train: %,d images%n  test:  %,d images%n", report.train(), report.test());
                System.out.println("  per class (train / test):");
                for (ClassCount c : report.classes()) {
                    System.out.printf("    %d %-10s %,7d / %,6d%n", c.label(), c.name(), c.train(), c.test());
                }
                report.problems().forEach(p -> System.out.println("  problem: " + p));
            }
            return report.ok() ? 0 : 1;
        }
    }

    /** {@code edgetrain dataset load}. */
    @Command(name = "load", mixinStandardHelpOptions = true,
            description = "Load CIFAR-10 into the fleet's train and test caches (idempotent).")
    static final class Load implements Callable<Integer> {
        @Option(names = "--cifar", required = true, description = "cifar-10-binary.tar.gz, or a folder holding cifar-10-batches-bin")
        Path cifar;

        @picocli.CommandLine.Mixin
        FleetOptions fleet;

        @Override
        public Integer call() {
            CifarDataset data = read(cifar); // verified completely before anything is sent
            try (org.apache.ignite.Ignite client = fleet.connect()) {
                load(client, data, fleet.backups());
            }
            return 0;
        }
    }

    /** Loads a verified data set with a progress bar and prints the counts. */
    static void load(org.apache.ignite.Ignite client, CifarDataset data, int backups) {
        long total = (long) data.train().size() + data.test().size();
        long[] counts;
        try (ProgressBar bar = ProgressBarFactory.items("load", total, "img")) {
            counts = org.edgetrain.compute.grid.DatasetLoader.load(client, data, backups, bar::stepTo);
        }
        int held = org.edgetrain.compute.grid.GridSchema.dataBackups(client);
        System.out.printf("fleet holds %,d training and %,d test images (%d backup(s) each)%n", counts[0], counts[1], held);
        if (held != backups) {
            System.err.printf("warning: the node file's backups=%d was not applied: the fleet's data caches were created "
                    + "with %d backup(s) by an earlier load, and a cache's backups cannot change while it exists%n",
                    backups, held);
        }
    }

    /** {@code edgetrain dataset fetch}. */
    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = "Download the official archive and check its MD5.")
    static final class Fetch implements Callable<Integer> {
        @Option(names = "--url", defaultValue = OFFICIAL_URL, description = "where to download from (http, https or file URL); default: ${DEFAULT-VALUE}")
        String url;

        @Option(names = "--to", defaultValue = "data", description = "folder to save cifar-10-binary.tar.gz in; default: ${DEFAULT-VALUE}")
        Path to;

        @Option(names = "--md5", defaultValue = CifarFormat.OFFICIAL_MD5, description = "expected MD5; default: the official archive's")
        String md5;

        @Override
        public Integer call() throws IOException {
            Path target = fetch(URI.create(url), to, md5);
            System.out.println("saved " + target + " (MD5 " + md5 + " verified)");
            return 0;
        }
    }

    /**
     * Downloads {@code uri} into {@code folder/cifar-10-binary.tar.gz}, checking the MD5. A partial or wrong
     * download never replaces an existing good file.
     *
     * @return the saved file
     * @throws EdgetrainCommand.UserError when the source cannot be reached or the checksum differs
     */
    static Path fetch(URI uri, Path folder, String expectedMd5) throws IOException {
        Files.createDirectories(folder);
        Path target = folder.resolve("cifar-10-binary.tar.gz");
        Path partial = folder.resolve("cifar-10-binary.tar.gz.part");
        MessageDigest md5;
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try {
            URLConnection connection = uri.toURL().openConnection();
            connection.setConnectTimeout(15_000);
            connection.setReadTimeout(60_000);
            if (connection instanceof HttpURLConnection http && http.getResponseCode() / 100 != 2) {
                throw new EdgetrainCommand.UserError(uri + " answered HTTP " + http.getResponseCode() + ": "
                        + offlineAdvice());
            }
            long length = connection.getContentLengthLong();
            try (InputStream in = new DigestInputStream(connection.getInputStream(), md5);
                 OutputStream out = Files.newOutputStream(partial);
                 ProgressBar bar = ProgressBarFactory.bytes("download", length)) {
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    out.write(buffer, 0, n);
                    bar.stepBy(n);
                }
            }
        } catch (UnknownHostException | ConnectException | java.net.SocketTimeoutException e) {
            Files.deleteIfExists(partial);
            throw new EdgetrainCommand.UserError("cannot reach " + uri + " (" + e + "): " + offlineAdvice());
        } catch (java.io.FileNotFoundException e) {
            Files.deleteIfExists(partial);
            throw new EdgetrainCommand.UserError(uri + " does not exist: " + offlineAdvice());
        }
        String actual = HexFormat.of().formatHex(md5.digest());
        if (!actual.equalsIgnoreCase(expectedMd5)) {
            Files.deleteIfExists(partial);
            throw new EdgetrainCommand.UserError("MD5 of the download is " + actual + ", expected " + expectedMd5
                    + ": the file is corrupt or not the official archive; nothing was saved. " + offlineAdvice());
        }
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    private static String offlineAdvice() {
        return "copy cifar-10-binary.tar.gz (or its extracted cifar-10-batches-bin folder) to this machine by other "
                + "means and pass it as --cifar PATH; check it with edgetrain dataset verify --cifar PATH";
    }
}
