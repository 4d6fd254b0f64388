package org.edgetrain.compute.training;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Writes kept until they succeed: each {@link #flush} tries them oldest first and stops at the first that fails
 * (order is kept); a write that failed {@code attempts} times is dropped with a warning and the next one is tried. For writes that must not
 * block the caller's work but may fail for a while (a statement while the partitions move), and that can be repeated
 * (MERGEs). Not thread-safe.
 *
 * @param <T> what is written
 */
final class RetriedWrites<T> {
    private static final Logger LOG = LogManager.getLogger(RetriedWrites.class);

    private final int attempts;
    private final Consumer<T> write;
    private final Deque<Pending<T>> pending = new ArrayDeque<>();

    private record Pending<T>(T item, int failures) {
    }

    /**
     * @param attempts flushes at which an item is tried before it is dropped, at least 1
     * @param write writes one item; throws a RuntimeException when it could not
     */
    RetriedWrites(int attempts, Consumer<T> write) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
        }
        this.attempts = attempts;
        this.write = write;
    }

    /** Keeps {@code item} for the next {@link #flush}. */
    void add(T item) {
        pending.addLast(new Pending<>(item, 0));
    }

    /** @return the items kept now, oldest first */
    java.util.List<T> kept() {
        return pending.stream().map(Pending::item).toList();
    }

    /** Tries the kept items, oldest first, until one fails. @return how many are still kept */
    int flush() {
        while (!pending.isEmpty()) {
            Pending<T> next = pending.pollFirst();
            try {
                write.accept(next.item());
            } catch (RuntimeException e) {
                if (next.failures() + 1 >= attempts) {
                    LOG.warn("{} dropped after {} attempts: {}", next.item(), attempts, e.toString());
                    continue;
                }
                LOG.info("{} not written yet (attempt {} of {}): {}", next.item(), next.failures() + 1, attempts,
                        e.toString());
                pending.addFirst(new Pending<>(next.item(), next.failures() + 1));
                break;
            }
        }
        return pending.size();
    }
}
