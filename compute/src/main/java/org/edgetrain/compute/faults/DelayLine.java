package org.edgetrain.compute.faults;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One device's link with a delay, where the kernel has no netem qdisc: a process ({@code delay-line.py}, Python's
 * standard library) attached to the link's two persistent TAP interfaces, the host's end on the bridge and the
 * device's {@code eth0} in its namespace, that copies every frame across and holds each frame the device sends for
 * the delay and a uniform jitter, never reordering (what {@code tc netem delay D jitter J} on the device's interface
 * does). The delay is read from a control file the process watches, so it changes while the device runs.
 *
 * <p>Not thread-safe: {@link NetworkFaults} drives it. {@link #close} ends the process; the device's link ends with it.
 */
final class DelayLine implements AutoCloseable {
    private final Process process;
    private final Path control;

    private DelayLine(Process process, Path control) {
        this.process = process;
        this.control = control;
    }

    /** @return the delay line's script, copied out of the class path into {@code dir} */
    static Path script(Path dir) {
        Path script = dir.resolve("delay-line.py");
        try (InputStream in = DelayLine.class.getResourceAsStream("delay-line.py")) {
            if (in == null) {
                throw new IllegalStateException("delay-line.py is missing from the class path (a broken build)");
            }
            Files.createDirectories(dir);
            Files.write(script, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + script + ": " + e.getMessage(), e);
        }
        return script;
    }

    /**
     * Starts a delay line with no delay and waits until it carries frames.
     *
     * @param hostTap the link's TAP interface on the host's side
     * @param namespace the device's network namespace, whose {@code eth0} is the link's other TAP interface
     * @param control the file the line reads its delay from
     * @param log where the process's errors go
     */
    static DelayLine start(Path script, String hostTap, String namespace, Path control, Path log) {
        write(control, 0, 0);
        try {
            Process process = new ProcessBuilder("python3", script.toString(), hostTap, namespace, "eth0",
                    control.toString()).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            String line = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            if (!"ready".equals(line)) {
                process.destroyForcibly();
                throw new IllegalStateException("the delay line of " + namespace + " did not start (see " + log + ")");
            }
            return new DelayLine(process, control);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the delay line of " + namespace + ": " + e.getMessage(), e);
        }
    }

    /** Holds each frame the device sends {@code millis} ± up to {@code jitterMillis}; within 50 ms. */
    void set(int millis, int jitterMillis) {
        write(control, millis, jitterMillis);
    }

    private static void write(Path control, int millis, int jitterMillis) {
        try {
            Files.writeString(control, millis + " " + jitterMillis + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + control + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
