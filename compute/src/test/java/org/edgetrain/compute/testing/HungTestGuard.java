package org.edgetrain.compute.testing;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The last resort against a test that hangs where JUnit's {@link Timeout} cannot reach it. JUnit's timeout interrupts
 * the test's thread; a thread blocked in a socket read (a JDBC or Ignite call to a device that never answers) does not
 * notice, the test never ends, and neither does the build (surefire's fork timeout sends a SIGTERM, whose shutdown
 * hooks can wait on the same fleet). This guard, registered for every test of the module (junit-platform.properties),
 * gives each test its {@code @Timeout} (or {@value #DEFAULT_SECONDS} s) plus {@value #GRACE_SECONDS} s; past that it
 * prints where the test's thread is to the console (the fork's own stderr, which surefire shows even when test output
 * goes to files), writes every thread's stack to {@code target/hung-tests/}, kills the processes the test JVM started
 * (device JVMs), and halts the JVM: the build fails at once, saying where, instead of running into CI's limit.
 *
 * <p>Thread-safe: one timer thread; each test's deadline lives in its own extension store.
 */
public final class HungTestGuard implements BeforeEachCallback, AfterEachCallback {
    static final long DEFAULT_SECONDS = 900;
    static final long GRACE_SECONDS = 90;
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(HungTestGuard.class);
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "hung-test-guard");
        t.setDaemon(true);
        return t;
    });

    @Override
    public void beforeEach(ExtensionContext context) {
        long seconds = timeoutSeconds(context) + GRACE_SECONDS;
        Thread test = Thread.currentThread();
        String name = context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName();
        context.getStore(NAMESPACE).put("deadline", TIMER.schedule(() -> halt(name, test, seconds), seconds,
                TimeUnit.SECONDS));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        ScheduledFuture<?> deadline = context.getStore(NAMESPACE).remove("deadline", ScheduledFuture.class);
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    private static long timeoutSeconds(ExtensionContext context) {
        Optional<Timeout> timeout = AnnotationSupport.findAnnotation(context.getTestMethod(), Timeout.class)
                .or(() -> AnnotationSupport.findAnnotation(context.getTestClass(), Timeout.class));
        return timeout.map(t -> t.unit().toSeconds(t.value())).orElse(DEFAULT_SECONDS);
    }

    private static void halt(String test, Thread thread, long seconds) {
        PrintStream console = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        console.println("HUNG TEST " + test + ": still running " + seconds + " s after it started (its @Timeout plus "
                + GRACE_SECONDS + " s), in a call JUnit's timeout could not interrupt. Its thread:");
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getClassName().startsWith("org.junit.")) {
                break; // the test's own frames end here
            }
            console.println("\tat " + frame);
        }
        console.println("All threads: " + dumpAllThreads(test).toAbsolutePath());
        List<ProcessHandle> children = ProcessHandle.current().descendants().toList();
        children.forEach(ProcessHandle::destroyForcibly);
        console.println("Killed the " + children.size() + " processes this JVM started; halting the test JVM.");
        Runtime.getRuntime().halt(3);
    }

    private static Path dumpAllThreads(String test) {
        Path file = Path.of("target", "hung-tests", test + ".txt");
        StringBuilder out = new StringBuilder();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            out.append('"').append(e.getKey().getName()).append("\" ").append(e.getKey().getState()).append('\n');
            for (StackTraceElement frame : e.getValue()) {
                out.append("\tat ").append(frame).append('\n');
            }
            out.append('\n');
        }
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, out);
        } catch (IOException e) {
            System.err.println("thread dump not written: " + e);
        }
        return file;
    }
}
