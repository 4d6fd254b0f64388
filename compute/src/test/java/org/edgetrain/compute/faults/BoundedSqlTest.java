package org.edgetrain.compute.faults;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BoundedSqlTest {
    /** What CI met: a device that accepts the connection and never answers the thin driver's handshake. */
    @Test
    void aDeviceThatAcceptsAndNeverAnswersGivesNothingAtTheDeadline() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String url = "jdbc:ignite:thin://127.0.0.1:" + silent.getLocalPort() + "?connectionTimeout=60000";
            long start = System.nanoTime();
            Optional<Long> answer = BoundedSql.ask(url, Duration.ofSeconds(2), s -> 1L);
            double seconds = (System.nanoTime() - start) / 1e9;
            try (Socket accepted = silent.accept()) { // the driver did connect: the wait was in its handshake
                assertTrue(answer.isEmpty(), "no answer expected from a silent device");
                assertTrue(seconds < 30, "gave up after " + seconds + " s, not at the 2-s deadline");
            }
        }
    }

    @Test
    void aRefusedConnectionGivesNothing() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        assertTrue(BoundedSql.ask("jdbc:ignite:thin://127.0.0.1:" + closedPort, Duration.ofSeconds(5), s -> 1L)
                .isEmpty());
    }
}
