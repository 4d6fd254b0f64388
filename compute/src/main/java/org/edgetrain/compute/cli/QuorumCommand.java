package org.edgetrain.compute.cli;

import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.health.FleetQuorum;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code edgetrain quorum --reset}: the devices present become the fleet's members, so that a fleet that lost more
 * than half of its devices at once trains on with the rest ({@link FleetQuorum} explains why it waits).
 */
@Command(name = "quorum", mixinStandardHelpOptions = true, description = {
        "Reset the fleet's quorum after more than half of its devices failed at once.",
        "A fleet trains only while its devices see a majority of its members: so that of two sides of a cut network, "
                + "one at most commits. More than half failing at once looks like a cut; the fleet then waits. "
                + "If those devices are gone for good, --reset makes the devices present the members. "
                + "Never reset while the network is cut: the side you reset would commit a model history of its own."})
public final class QuorumCommand implements Callable<Integer> {
    @Option(names = "--reset", required = true, description = "make the devices present now the fleet's members")
    boolean reset;

    @Mixin
    FleetOptions fleet;

    @Override
    public Integer call() {
        try (Ignite client = fleet.connect()) {
            Set<String> devices = FleetQuorum.resetMembers(client);
            System.out.println("the fleet's members are now the " + devices.size() + " devices present: "
                    + String.join(", ", devices));
        }
        return 0;
    }
}
