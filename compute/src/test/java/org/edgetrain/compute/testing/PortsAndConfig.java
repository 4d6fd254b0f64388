package org.edgetrain.compute.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What both fleets start from: a block of free ports and the node file of a loopback fleet in it, one backup. */
abstract class PortsAndConfig implements Fleet {
    protected final Path dir;
    protected final FleetPorts.Block ports;
    private final Path config;

    protected PortsAndConfig(Path dir) {
        this.dir = dir;
        this.ports = FleetPorts.allocate();
        try {
            Files.createDirectories(dir);
            this.config = Files.writeString(dir.resolve("fleet-" + ports.base() + ".properties"), ports.nodeFile(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Path dir() {
        return dir;
    }

    @Override
    public Path config() {
        return config;
    }

    @Override
    public int clientPort() {
        return ports.client();
    }
}
