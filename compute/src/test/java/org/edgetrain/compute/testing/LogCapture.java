package org.edgetrain.compute.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * The messages one class logs in this JVM while open: what the devices of an {@link InProcessFleet} did, as they
 * tell it, for a test that needs a figure no table holds. Thread-safe; closing detaches it.
 */
public final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final Appender appender = new Appender();

    private LogCapture(Class<?> source) {
        logger = (Logger) LogManager.getLogger(source);
        appender.start();
        logger.addAppender(appender);
    }

    /** Starts capturing what {@code source} logs (at the levels its logger lets through). */
    public static LogCapture of(Class<?> source) {
        return new LogCapture(source);
    }

    /** A message and the thread that logged it (a device's trainer thread is named after the device). */
    public record Line(String thread, String message) {
    }

    /** @return what was logged so far, oldest first */
    public List<Line> lines() {
        return List.copyOf(appender.lines);
    }

    @Override
    public void close() {
        logger.removeAppender(appender);
        appender.stop();
    }

    private static final class Appender extends AbstractAppender {
        private final List<Line> lines = new CopyOnWriteArrayList<>();

        Appender() {
            super("edgetrain-test-capture", null, null, true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            lines.add(new Line(event.getThreadName(), event.getMessage().getFormattedMessage()));
        }
    }
}
