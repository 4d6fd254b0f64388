package org.edgetrain.compute.cli;

import java.util.concurrent.Callable;
import org.apache.ignite.Ignite;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.edgetrain.compute.device.EdgetrainNode;
import org.edgetrain.compute.grid.DeviceMemory;
import org.edgetrain.compute.grid.NodeSettings;
import org.edgetrain.compute.settings.Defaults;
import org.edgetrain.compute.settings.SystemProperty;
import org.edgetrain.compute.ui.FleetStatusJson;
import org.edgetrain.compute.ui.StatusServer;
import org.edgetrain.model.engine.EngineKind;
import org.edgetrain.rebalancing.Calibration;
import org.edgetrain.rebalancing.DeviceProfile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code edgetrain node}: runs this machine as one device of the fleet (an Ignite server node) until it is stopped.
 * SIGTERM (or Ctrl-C) is a graceful leave: Ignite lets running jobs finish and hands the device's partitions to the
 * others before the node goes.
 */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Start this machine as a device of the fleet.")
public final class NodeCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(NodeCommand.class);

    @Option(names = "--name", defaultValue = "${env:EDGETRAIN_DEVICE_NAME}",
            description = "device name, unique in the fleet (env EDGETRAIN_DEVICE_NAME)")
    String name;

    @Option(names = "--device", defaultValue = "${env:EDGETRAIN_DEVICE_CLASS:-pc}",
            description = "device class: pc, jetson-nano or rpi4 (env EDGETRAIN_DEVICE_CLASS); default: ${DEFAULT-VALUE}")
    String device;

    @Option(names = "--calibration-seconds", defaultValue = Defaults.CALIBRATION_SECONDS, description = "self-measurement before joining "
            + "(0: use the class's nominal speed); default: ${DEFAULT-VALUE}")
    double calibrationSeconds;

    @Option(names = "--profiles", description = "custom device classes (lines NAME.speed=0.5, NAME.heap-mb=1024)")
    java.nio.file.Path profiles;

    @Option(names = "--persistent", description = "keep data, model and metrics on disk (Ignite native persistence), "
            + "so a restart of the whole fleet resumes where it stopped; also config key persistence=true")
    boolean persistent;

    @Option(names = "--work-dir", description = "this device's own folder for Ignite's files (needed with "
            + "--persistent unless the config's work.dir is set)")
    java.nio.file.Path workDir;

    @Option(names = "--ui-port", description = "also serve the live status page on this port (127.0.0.1)")
    Integer uiPort;

    @Option(names = "--engine", converter = TrainingOptions.EngineName.class, description = "train with this engine "
            + "whatever a job asks (torch or dl4j; e.g. dl4j where libtorch misbehaves); default: the job's")
    EngineKind engine;

    @Mixin
    FleetOptions fleet;

    @Override
    public Integer call() throws InterruptedException, java.io.IOException {
        if (name == null || name.isBlank()) {
            throw new EdgetrainCommand.UserError("a device needs a name: pass --name NAME or set EDGETRAIN_DEVICE_NAME");
        }
        if (profiles != null) {
            System.setProperty(DeviceProfile.PROFILES_PROPERTY, profiles.toAbsolutePath().toString());
        }
        DeviceProfile profile;
        try {
            profile = DeviceProfile.of(device);
        } catch (IllegalArgumentException e) {
            throw new EdgetrainCommand.UserError(e.getMessage());
        }
        if (engine != null) {
            System.setProperty(SystemProperty.DEVICE_ENGINE.key(), engine.cliName());
        }
        DeviceMemory memory;
        try {
            memory = DeviceMemory.ofThisProcess(); // before calibration: a device that cannot fit says so at once
        } catch (IllegalStateException e) {
            throw new EdgetrainCommand.UserError("device " + name + ": " + e.getMessage());
        }
        LOG.info("device {}: {}", name, memory);
        EngineKind measured = engine != null ? engine : EngineKind.preferred();
        double capability;
        try {
            capability = calibrationSeconds > 0 ? Calibration.measure(measured, calibrationSeconds, 1)
                    : 100 * profile.relativeSpeed();
        } catch (IllegalStateException e) {
            throw new EdgetrainCommand.UserError(e.getMessage());
        }
        LOG.info("device {} measured itself: {} images/s (calibration, ResNet-8, engine {})", name,
                String.format("%.1f", capability), measured);
        NodeSettings settings;
        try {
            settings = fleet.settings(name, profile.name(), capability);
            if (workDir != null) {
                settings = settings.withWorkDirectory(workDir);
            }
            if (persistent) {
                settings = settings.persistentIn(settings.workDirectory());
            }
        } catch (IllegalArgumentException e) {
            throw new EdgetrainCommand.UserError(e.getMessage());
        }
        System.setProperty("IGNITE_NO_SHUTDOWN_HOOK", "true"); // our hook leaves gracefully instead
        EdgetrainNode node = EdgetrainNode.start(settings);
        Ignite ignite = node.ignite();
        if (uiPort != null) {
            StatusServer page = new StatusServer("127.0.0.1", uiPort, () -> FleetStatusJson.of(org.edgetrain.compute.grid.FleetReader.of(node.ignite())));
            LOG.info("status page on http://127.0.0.1:{}/", page.port());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("device {} leaving the fleet", name);
            node.close();
        }, "edgetrain-leave"));
        LOG.info("device {} ({}) joined: {} devices in the fleet", name, profile.name(),
                ignite.cluster().forServers().nodes().size());
        System.out.println("device " + name + " (" + profile.name() + ") is up; stop it with SIGTERM or Ctrl-C");
        // A device the fleet dropped (it hung past the failure detection, or lost the network) finds its node stopped
        // when it wakes up; the process then ends instead of idling, so a supervisor (Docker's restart policy) can
        // start it again and it rejoins.
        node.awaitStopped();
        LOG.warn("device {}: its node stopped (left, dropped by the fleet, or failed); exiting", name);
        return 0;
    }
}
