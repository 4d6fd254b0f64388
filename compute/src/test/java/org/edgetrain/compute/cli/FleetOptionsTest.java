package org.edgetrain.compute.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where tools look for the devices' client connectors. */
class FleetOptionsTest {
    @TempDir
    Path dir;

    @Test
    void aHostWithAPortRangeMayRunAsManyDevicesAndAHostWithOnePortOne() throws IOException {
        assertEquals(List.of("127.0.0.1:10800..10819"), endpoints("127.0.0.1:47500..47519"));
        assertEquals(List.of("pc-1:10800", "rpi4-1:10800"), endpoints("pc-1:47500,rpi4-1:47500"));
        assertEquals(List.of("192.0.2.10:10800..10809", "192.0.2.11:10800"), endpoints("192.0.2.10:47500..47509,192.0.2.11"));
        assertEquals("jdbc:ignite:thin://pc-1:10800,rpi4-1:10800", options("pc-1:47500,rpi4-1:47500").jdbcUrl());
    }

    @Test
    void aNodeThatCannotStartHereIsNotToldToStartDevices() throws IOException {
        FleetOptions options = options("127.0.0.1:47500..47519");
        org.edgetrain.compute.grid.NodeSettings settings = options.settings("client", "client", 0);
        RuntimeException bind = new org.apache.ignite.IgniteException("Failed to start manager: GridIoManager",
                new IllegalStateException("Failed to initialize TCP server", new java.net.BindException(
                        "Cannot assign requested address")));
        String badAddress = FleetOptions.joinFailure(settings, options.config, bind).getMessage();
        assertTrue(badAddress.contains("local.address") && badAddress.contains("Cannot assign requested address")
                && !badAddress.contains("start devices first"), badAddress);

        RuntimeException timeout = new org.apache.ignite.IgniteException("Failed to start manager: GridDiscoveryManager",
                new IllegalStateException("Join process timed out (timeout = 20000)."));
        String noDevices = FleetOptions.joinFailure(settings, options.config, timeout).getMessage();
        assertTrue(noDevices.contains("no device answered") && noDevices.contains("start devices first"), noDevices);

        RuntimeException other = new org.apache.ignite.IgniteException("Failed to start manager: GridCacheProcessor",
                new IllegalArgumentException("region too small"));
        String odd = FleetOptions.joinFailure(settings, options.config, other).getMessage();
        assertTrue(odd.contains("region too small") && odd.contains(options.config.toString())
                && !odd.contains("start devices first"), odd);
    }

    private List<String> endpoints(String discovery) throws IOException {
        return options(discovery).clientEndpoints();
    }

    private FleetOptions options(String discovery) throws IOException {
        FleetOptions options = new FleetOptions();
        options.config = Files.writeString(dir.resolve("fleet.properties"), "discovery.addresses=" + discovery
                + "\nlocal.address=127.0.0.1\ndiscovery.port=47500\ncommunication.port=47100\nclient.port=10800\nbackups=1\n");
        return options;
    }
}
