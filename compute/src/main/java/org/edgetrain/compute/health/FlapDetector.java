package org.edgetrain.compute.health;

import org.apache.ignite.Ignite;
import org.apache.ignite.events.DiscoveryEvent;
import org.apache.ignite.events.Event;
import org.apache.ignite.events.EventType;
import org.apache.ignite.lang.IgnitePredicate;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.edgetrain.compute.grid.EventKind;
import org.edgetrain.compute.grid.GridSchema;

/**
 * Watches devices crash and join, and quarantines the flapping ones ({@link Quarantine}). Every device runs one; only
 * the oldest device acts on an event, so each crash is counted once, even when the device that hosted the coordinator
 * is the one that crashed. A graceful leave is not a crash and is not counted.
 *
 * <p>Listeners run on Ignite's discovery notification thread, so the SQL work is handed to a thread of its own.
 */
public final class FlapDetector implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(FlapDetector.class);

    private final Ignite ignite;
    private final IgnitePredicate<Event> listener = this::onEvent;
    private final java.util.concurrent.ExecutorService worker = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "edgetrain-flap-detector");
        thread.setDaemon(true);
        return thread;
    });

    private FlapDetector(Ignite ignite) {
        this.ignite = ignite;
    }

    /** Starts listening on this device (the node configuration must record node joins and failures). */
    public static FlapDetector start(Ignite ignite) {
        FlapDetector detector = new FlapDetector(ignite);
        ignite.events().localListen(detector.listener, EventType.EVT_NODE_FAILED, EventType.EVT_NODE_JOINED);
        return detector;
    }

    private boolean onEvent(Event event) {
        DiscoveryEvent discovery = (DiscoveryEvent) event;
        if (discovery.eventNode().isClient()) {
            return true;
        }
        String device = String.valueOf(discovery.eventNode().consistentId());
        boolean crashed = event.type() == EventType.EVT_NODE_FAILED;
        long at = event.timestamp();
        worker.execute(() -> record(device, crashed, at));
        return true;
    }

    private void record(String device, boolean crashed, long at) {
        try {
            var oldest = ignite.cluster().forServers().forOldest().node();
            if (oldest == null || !oldest.isLocal()) {
                return;
            }
            GridSchema.ensureTables(ignite);
            if (crashed) {
                Quarantine.failed(ignite, device, at);
                return;
            }
            String quarantined = Quarantine.joined(ignite, device, at);
            if (quarantined != null) {
                LOG.warn("quarantine: {}", quarantined);
                GridSchema.recordEvent(ignite, EventKind.QUARANTINED, device, quarantined);
            }
        } catch (RuntimeException e) {
            LOG.warn("could not record the {} of {}: {}", crashed ? "crash" : "join", device, e.toString());
        }
    }

    @Override
    public void close() {
        ignite.events().stopLocalListen(listener);
        worker.shutdownNow();
    }
}
