package org.edgetrain.compute.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.NodeSettings;

/**
 * Ports for a test's fleet, allocated, never written into a test: each fleet of the run gets a block of its own,
 * below the kernel's ephemeral range (32768 and up, where outgoing connections take their ports), and only a block
 * whose ports are free now. Thread-safe.
 *
 * <p>A block at {@code base}: discovery {@code base..base+47}, communication {@code base+50..base+99}, thin
 * clients and JDBC {@code base+100..base+149}.
 */
public final class FleetPorts {
    private static final int FIRST = 20_000;
    private static final int LAST = 32_000;
    private static final int BLOCK = 200;
    private static final AtomicInteger NEXT = new AtomicInteger(FIRST);

    /**
     * @param base the block's first port
     */
    public record Block(int base) {
        public int discovery() {
            return base;
        }

        public int communication() {
            return base + 50;
        }

        public int client() {
            return base + 100;
        }

        /** @return the discovery address list of a fleet on loopback */
        public String discoveryAddresses() {
            return "127.0.0.1:" + base + ".." + (base + 9);
        }

        /** @return the node file of a fleet on loopback in this block, with {@code backups} data backups */
        public String nodeFile(int backups) {
            return String.join("\n", NodeSettings.Keys.DISCOVERY_ADDRESSES + "=" + discoveryAddresses(),
                    NodeSettings.Keys.LOCAL_ADDRESS + "=127.0.0.1", NodeSettings.Keys.DISCOVERY_PORT + "=" + discovery(),
                    NodeSettings.Keys.COMMUNICATION_PORT + "=" + communication(),
                    NodeSettings.Keys.CLIENT_PORT + "=" + client(), NodeSettings.Keys.BACKUPS + "=" + backups) + "\n";
        }
    }

    private FleetPorts() {
    }

    /**
     * Writes the node file of a fleet in a new block, with {@code backups} data backups and {@code extra} lines: for
     * a fleet the test starts by hand (TLS, authentication), or for one that is not there.
     *
     * @return the file
     */
    public static java.nio.file.Path nodeFile(java.nio.file.Path dir, int backups, String extra) {
        Block block = allocate();
        try {
            java.nio.file.Files.createDirectories(dir);
            return java.nio.file.Files.writeString(dir.resolve("fleet-" + block.base() + ".properties"),
                    block.nodeFile(backups) + extra);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** @return a block no other fleet of this run has, whose ports are free now */
    public static Block allocate() {
        while (true) {
            int base = NEXT.getAndAdd(BLOCK);
            if (base + BLOCK > LAST) {
                throw new IllegalStateException("no free block of test ports left between " + FIRST + " and " + LAST);
            }
            Block block = new Block(base);
            if (free(block.discovery(), NodeConfigurations.DISCOVERY_PORT_RANGE)
                    && free(block.communication(), NodeConfigurations.COMMUNICATION_PORT_RANGE)
                    && free(block.client(), NodeConfigurations.CLIENT_PORT_RANGE)) {
                return block;
            }
        }
    }

    private static boolean free(int first, int count) {
        for (int port = first; port < first + count; port++) {
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
