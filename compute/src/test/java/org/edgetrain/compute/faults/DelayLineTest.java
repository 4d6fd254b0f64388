package org.edgetrain.compute.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The delay lines of {@link NetworkFaults#createWithDelayLines}, on a real network of two namespaces: a TCP connect
 * from a device to this host is one round trip, so it takes at least the delay its link adds to what the device sends
 * (less the jitter), while the other device's link stays fast and a healed link is fast again.
 */
@Timeout(120)
class DelayLineTest {
    private static final int DELAY_MILLIS = 60;
    private static final int JITTER_MILLIS = 20;

    /** Connects to a port of this host five times from inside a namespace; prints each connect's milliseconds. */
    private static final String CONNECTS = """
            import socket, sys, time
            for _ in range(5):
                start = time.monotonic()
                socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5).close()
                print((time.monotonic() - start) * 1000)
            """;

    @BeforeAll
    static void needsNetworkNamespaces() {
        String missing = NetworkFaults.missing();
        assumeTrue(missing == null, "delay line tests skipped: " + missing);
    }

    @Test
    void aDelayedLinkTakesItsDelayAndOnlyItsDevicePaysIt(@TempDir Path dir) throws Exception {
        try (NetworkFaults network = NetworkFaults.createWithDelayLines(2, dir);
             ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName(network.hostAddress()))) {
            network.prefix("slow");
            network.prefix("fast");
            int port = server.getLocalPort();
            double[] before = connects(network, "slow", port);

            network.delay("slow", DELAY_MILLIS, JITTER_MILLIS);
            network.delay("slow", DELAY_MILLIS, JITTER_MILLIS); // the same again changes nothing
            double[] delayed = connects(network, "slow", port);
            double[] other = connects(network, "fast", port);
            network.heal();
            double[] healed = connects(network, "slow", port);

            assertTrue(median(before) < DELAY_MILLIS - JITTER_MILLIS, "no delay before: " + Arrays.toString(before));
            assertTrue(Arrays.stream(delayed).allMatch(ms -> ms >= DELAY_MILLIS - JITTER_MILLIS),
                    "every round trip waited the delay less the jitter at most: " + Arrays.toString(delayed));
            assertTrue(median(delayed) >= DELAY_MILLIS - JITTER_MILLIS / 2.0, Arrays.toString(delayed));
            assertTrue(median(other) < DELAY_MILLIS - JITTER_MILLIS, "the other link is not delayed: "
                    + Arrays.toString(other));
            assertTrue(median(healed) < DELAY_MILLIS - JITTER_MILLIS, "heal() lifts the delay: "
                    + Arrays.toString(healed));
        }
    }

    @Test
    void aNetworkWithoutDelayLinesRefusesADelay(@TempDir Path dir) {
        try (NetworkFaults network = NetworkFaults.create(1, dir)) {
            network.prefix("a");
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> network.delay("a", 10, 0));
            assertTrue(e.getMessage().contains("createWithDelayLines"), e.getMessage());
        }
    }

    /** @return the milliseconds of each of five TCP connects from {@code device}'s namespace to this host */
    private static double[] connects(NetworkFaults network, String device, int port) throws IOException,
            InterruptedException {
        List<String> command = new ArrayList<>(network.prefix(device));
        command.addAll(List.of("python3", "-c", CONNECTS, network.hostAddress(), String.valueOf(port)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), "connects from " + device + " failed: " + out);
        return out.lines().mapToDouble(Double::parseDouble).toArray();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
