package org.edgetrain.compute.ui;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The live status page: a small HTTP server (the JDK's own, no web framework) serving one HTML page that polls
 * {@code /api/status} every two seconds and draws the fleet, the job's progress, the accuracy curve and recent
 * events. The JSON comes from a supplier, so a tool's client node and a device can both serve it.
 * Thread-safe; {@link #close()} stops it.
 */
public final class StatusServer implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(StatusServer.class);

    private final HttpServer server;

    /**
     * Starts serving.
     *
     * @param host address to bind, e.g. 127.0.0.1
     * @param port port, 0 for any free one
     * @param statusJson produces the JSON of {@code /api/status}
     * @throws IOException when the port cannot be bound
     */
    public StatusServer(String host, int port, Supplier<String> statusJson) throws IOException {
        byte[] page;
        try (InputStream in = StatusServer.class.getResourceAsStream("/ui/index.html")) {
            page = in.readAllBytes();
        }
        server = HttpServer.create(new InetSocketAddress(host, port), 16);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "edgetrain-ui");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", exchange -> {
            if (!exchange.getRequestURI().getPath().equals("/")) {
                send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
            } else {
                send(exchange, 200, "text/html; charset=utf-8", page);
            }
        });
        server.createContext("/api/status", exchange -> {
            try {
                send(exchange, 200, "application/json", statusJson.get().getBytes(StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                LOG.warn("status unavailable: {}", e.toString());
                send(exchange, 503, "application/json",
                        ("{\"error\":\"" + String.valueOf(e.getMessage()).replace("\"", "'") + "\"}").getBytes(StandardCharsets.UTF_8));
            }
        });
        server.start();
    }

    /** @return the bound port */
    public int port() {
        return server.getAddress().getPort();
    }

    private static void send(HttpExchange exchange, int code, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(code, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
