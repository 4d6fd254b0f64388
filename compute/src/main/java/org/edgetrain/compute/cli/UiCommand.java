package org.edgetrain.compute.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.edgetrain.compute.grid.ThinFleetReader;
import org.edgetrain.compute.ui.FleetStatusJson;
import org.edgetrain.compute.ui.StatusServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code edgetrain ui}: serves the live status page of the fleet until stopped. */
@Command(name = "ui", mixinStandardHelpOptions = true, description = "Serve a live status page of the fleet.")
public final class UiCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "8080", description = "default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind; default: ${DEFAULT-VALUE}")
    String host;

    @Mixin
    FleetOptions fleet;

    @Mixin
    SqlCredentials credentials;

    @Override
    public Integer call() throws Exception {
        try (ThinFleetReader reader = fleet.reader(credentials.orNull());
             StatusServer server = new StatusServer(host, port, () -> FleetStatusJson.of(reader))) {
            System.out.println("status page on http://" + host + ":" + server.port() + "/ (JSON at /api/status); Ctrl-C stops");
            new CountDownLatch(1).await();
        }
        return 0;
    }
}
