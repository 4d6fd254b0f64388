package org.edgetrain.compute.cli;

import java.util.List;
import java.util.concurrent.Callable;
import org.edgetrain.compute.grid.FleetQueries;
import org.edgetrain.compute.grid.ThinFleetReader;
import org.edgetrain.compute.io.Json;
import org.edgetrain.compute.training.ModelState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code edgetrain status}: devices, the job, its round and epoch, the last accuracy, and whether this side of the fleet
 * has lost its quorum (the devices it reaches are cut off from the majority). A thin client: it joins no
 * topology, so polling it costs the devices no exchange.
 */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show the fleet and the training job.")
public final class StatusCommand implements Callable<Integer> {
    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Mixin
    FleetOptions fleet;

    @Mixin
    SqlCredentials credentials;

    /** The JSON of {@code status}. */
    record Status(List<FleetQueries.DeviceStatus> devices, String job, boolean running, long round, int epoch,
                  long modelVersion, long samplesCommitted, Double lastAccuracy, String coordinator,
                  FleetQueries.Quorum quorum) {
    }

    @Override
    public Integer call() {
        try (ThinFleetReader reader = fleet.reader(credentials.orNull())) {
            ModelState state = reader.model(ModelState.KEY);
            Status status = new Status(FleetQueries.devices(reader), state == null ? null : state.jobId(),
                    state != null && !state.finished(), state == null ? 0 : state.round(), state == null ? 0 : state.epoch(),
                    state == null ? 0 : state.version(), state == null ? 0 : state.samplesCommitted(),
                    state == null || Double.isNaN(state.lastAccuracy()) ? null : state.lastAccuracy(),
                    FleetQueries.coordinator(reader), FleetQueries.quorum(reader));
            if (json) {
                DataOutput.stream().println(Json.write(status));
                return 0;
            }
            StatusCommand.printDevices(status.devices());
            if (status.quorum() != null && !status.quorum().held()) {
                System.out.println("NO QUORUM since " + status.quorum().since() + ": " + status.quorum().detail());
            }
            if (state == null) {
                System.out.println("no job submitted yet");
            } else {
                System.out.printf("job %s %s: epoch %d, round %d, model v%d, %,d samples committed, last accuracy %s%s%n",
                        state.jobId(), status.running() ? "running" : "ended", state.epoch(), state.round(), state.version(),
                        state.samplesCommitted(), status.lastAccuracy() == null ? "-"
                                : String.format("%.2f %%", 100 * status.lastAccuracy()),
                        status.coordinator() == null ? "" : ", coordinator on " + status.coordinator());
            }
        }
        return 0;
    }

    /** Prints the device table of {@code status} (and of the demo's end). */
    static void printDevices(List<FleetQueries.DeviceStatus> devices) {
        System.out.printf("%-16s %-12s %-6s %10s %10s %8s %10s %11s %11s %8s %9s %9s %5s  %s%n", "device", "class",
                "engine", "capability", "partitions", "rounds", "samples", "mean img/s", "last img/s", "heap MB", "shards MB",
                "resident", "cpu", "health");
        for (FleetQueries.DeviceStatus d : devices) {
            System.out.printf("%-16s %-12s %-6s %10.1f %10d %8d %10d %11.1f %11.1f %8.0f %9.0f %9s %5s  %s%n", d.name(),
                    d.deviceClass(), d.engine(), d.capability(), d.partitions(), d.rounds(), d.samples(), d.meanImagesPerSecond(),
                    d.lastImagesPerSecond(), d.heapUsedMegabytes(), d.offHeapUsedMegabytes(),
                    d.residentMegabytes() < 0 ? "-" : String.format("%.0f MB", d.residentMegabytes()),
                    d.cpuLoad() < 0 ? "-" : String.format("%.0f%%", 100 * d.cpuLoad()), d.health());
        }
    }
}
