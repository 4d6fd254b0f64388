package org.edgetrain.compute.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Starts fleets for tests, and says what happened in one when its test fails. */
public final class Fleets {
    /** A test's body, given the fleet. */
    @FunctionalInterface
    public interface Body<F extends Fleet> {
        void run(F fleet) throws Exception;
    }

    private Fleets() {
    }

    /** Runs {@code body} on a new in-process fleet of {@code devices} nodes. */
    public static void runWithNewFleet(int devices, Body<InProcessFleet> body) throws Exception {
        Path dir = Files.createTempDirectory("edgetrain-fleet-");
        try (InProcessFleet fleet = InProcessFleet.start(dir, devices)) {
            run(fleet, body);
        } finally {
            delete(dir);
        }
    }

    /** Runs {@code body} on a new fleet of device processes of {@code classes}. */
    public static void runWithNewFleet(List<String> classes, Body<ProcessFleet> body) throws Exception {
        runWithNewFleet(false, classes, body);
    }

    /** The same, the devices with native persistence. */
    public static void runWithNewFleet(boolean persistent, List<String> classes, Body<ProcessFleet> body)
            throws Exception {
        Path dir = Files.createTempDirectory("edgetrain-fleet-");
        try (ProcessFleet fleet = ProcessFleet.start(dir, persistent, classes)) {
            run(fleet, body);
        } finally {
            delete(dir);
        }
    }

    /** Runs {@code body} on device processes of {@code classes}, each in a network namespace of its own. */
    public static void runWithNamespacedFleet(List<String> classes, Body<ProcessFleet> body) throws Exception {
        Path dir = Files.createTempDirectory("edgetrain-netns-");
        try (ProcessFleet fleet = ProcessFleet.startNamespaced(dir, classes)) {
            run(fleet, body);
        } finally {
            delete(dir);
        }
    }

    /** Deletes a fleet's folder and everything in it (nothing when it is null or gone). */
    public static void delete(Path dir) throws java.io.IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static <F extends Fleet> void run(F fleet, Body<F> body) throws Exception {
        try {
            body.run(fleet);
        } catch (Exception | Error e) {
            report(fleet, e);
            throw e;
        }
    }

    /** Prints the fleet's events and where its device logs are, beside the failure. */
    private static void report(Fleet fleet, Throwable failure) {
        StringBuilder out = new StringBuilder("fleet of the failed test (" + failure + "): devices " + fleet.devices());
        try {
            out.append("\nevents:").append(Waits.events(fleet.client()));
        } catch (RuntimeException e) {
            out.append("\nevents unreadable: ").append(e);
        }
        out.append("\ndevice logs: ").append(fleet.logs().toAbsolutePath());
        if (Files.isDirectory(fleet.logs())) {
            try (Stream<Path> files = Files.list(fleet.logs())) {
                files.forEach(f -> out.append("\n  ").append(f.getFileName()));
            } catch (java.io.IOException e) {
                out.append(" (unlistable: ").append(e).append(')');
            }
        }
        System.err.println(out);
    }
}
