package org.edgetrain.compute.grid;

import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteClientDisconnectedException;

/**
 * Runs a client's read across the loss of its discovery router. A client node talks to the fleet through one device;
 * when that device dies, Ignite reconnects the client through another one, and every operation in flight meanwhile
 * fails with {@link IgniteClientDisconnectedException} (often wrapped in a cache exception). Reads are safe to repeat,
 * so they wait for the reconnection and run again. Writes must not use this: they may have been applied already.
 */
public final class Reconnects {
    /** How long a client waits for the fleet to take it back before giving up. */
    static final long RECONNECT_TIMEOUT_SECONDS = 120;

    private Reconnects() {
    }

    /** @return {@code read} applied to {@code ignite}, repeated after each reconnection of the client */
    public static <T> T read(Ignite ignite, Function<Ignite, T> read) {
        while (true) {
            try {
                return read.apply(ignite);
            } catch (RuntimeException e) {
                IgniteClientDisconnectedException disconnected = disconnection(e);
                if (disconnected == null) {
                    throw e;
                }
                try {
                    disconnected.reconnectFuture().get(RECONNECT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (RuntimeException timeout) {
                    IllegalStateException failure = new IllegalStateException("lost the connection to the fleet and "
                            + "could not reconnect within " + RECONNECT_TIMEOUT_SECONDS + " s: check that a device is up", e);
                    failure.addSuppressed(timeout);
                    throw failure;
                }
            }
        }
    }

    private static IgniteClientDisconnectedException disconnection(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IgniteClientDisconnectedException d) {
                return d;
            }
        }
        return null;
    }
}
