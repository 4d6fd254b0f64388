package org.edgetrain.compute.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import org.apache.ignite.events.DiscoveryEvent;
import org.apache.ignite.events.Event;
import org.apache.ignite.events.EventType;
import org.apache.ignite.lang.IgnitePredicate;

/**
 * The devices' joins, failures and departures as one client heard them, each with when: what the fault harness times
 * detection by and waits on, instead of a guessed sleep. What was heard stays (a scenario asks about changes since
 * its fault, which may have arrived while it waited on something else).
 *
 * <p>Thread-safety: Ignite's discovery thread adds to a queue; one reader thread (the harness's) waits and reads.
 */
final class TopologyLog {
    private record Change(int type, String device, long atMillis) {
    }

    /** Listening to discovery events; closing stops it. */
    interface Listening extends AutoCloseable {
        @Override
        void close();
    }

    private final BlockingQueue<Change> arriving = new LinkedBlockingQueue<>();
    private final List<Change> heard = new ArrayList<>();

    /** Hears {@code client}'s discovery events about server nodes (devices) until the returned handle is closed. */
    Listening listen(Ignite client) {
        IgnitePredicate<Event> listener = event -> {
            DiscoveryEvent discovery = (DiscoveryEvent) event;
            if (!discovery.eventNode().isClient()) {
                arriving.add(new Change(event.type(), String.valueOf(discovery.eventNode().consistentId()),
                        event.timestamp()));
            }
            return true;
        };
        client.events().localListen(listener, EventType.EVT_NODE_FAILED, EventType.EVT_NODE_LEFT,
                EventType.EVT_NODE_JOINED);
        return () -> client.events().stopLocalListen(listener);
    }

    /**
     * @param type an {@link EventType} of discovery: failed, left or joined
     * @return when {@code device} was first heard to change so at or after {@code sinceMillis}, of what arrived so far
     */
    Optional<Long> find(String device, int type, long sinceMillis) {
        arriving.drainTo(heard);
        return heard.stream().filter(c -> c.device().equals(device) && c.type() == type && c.atMillis() >= sinceMillis)
                .map(Change::atMillis).findFirst();
    }

    /** Waits up to {@code millis} for the next change to arrive. */
    void awaitNext(long millis) throws InterruptedException {
        Change next = arriving.poll(Math.max(1, millis), TimeUnit.MILLISECONDS);
        if (next != null) {
            heard.add(next);
        }
    }

    /**
     * Waits until {@code device} is heard to change in one of {@code types} at or after {@code sinceMillis}.
     *
     * @return when it happened (the first of those changes)
     * @throws IllegalStateException when nothing of the kind was heard by {@code deadlineMillis}
     */
    long await(String device, Set<Integer> types, long sinceMillis, long deadlineMillis) throws InterruptedException {
        while (true) {
            Optional<Long> at = types.stream().map(type -> find(device, type, sinceMillis)).flatMap(Optional::stream)
                    .min(Long::compare);
            if (at.isPresent()) {
                return at.get();
            }
            long left = deadlineMillis - System.currentTimeMillis();
            if (left <= 0) {
                throw new IllegalStateException("the fleet never noticed " + device + " (discovery events " + types + ")");
            }
            awaitNext(left);
        }
    }
}
