package org.edgetrain.compute.grid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteState;
import org.apache.ignite.Ignition;
import org.apache.ignite.failure.FailureContext;
import org.apache.ignite.failure.FailureType;
import org.apache.ignite.internal.IgniteEx;
import org.edgetrain.compute.testing.Fleets;
import org.edgetrain.compute.testing.Waits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A tool's client node that meets a failure Ignite cannot go on from (here reported to its failure processor, as
 * Ignite does for a segmented node or a dead critical thread) stops, and only it: the tool's JVM goes on (Ignite's own
 * handler halts it with exit code 130), its next call fails with an exception it can report, and the device it was
 * connected to trains on unaffected.
 */
@Timeout(120)
class ToolNodeFailureTest {
    @Test
    void aFailedClientNodeStopsAndLeavesTheJvmAndTheFleet() throws Exception {
        Fleets.runWithNewFleet(1, fleet -> {
            Ignite tool = fleet.client("a-tool");
            ((IgniteEx) tool).context().failure().process(new FailureContext(FailureType.CRITICAL_ERROR,
                    new IllegalStateException("a critical failure, as a test makes one")));

            Waits.until("the tool's node stopped", 60, () -> Ignition.state(tool.name()) != IgniteState.STARTED);
            assertThrows(IllegalStateException.class, () -> tool.cache("anything"),
                    "a call on the stopped node fails with an exception the tool can report");
            assertEquals(1, fleet.node("dev0").cluster().forServers().nodes().size(), "the device runs on");
            assertEquals(0, fleet.node("dev0").cluster().forClients().nodes().size(), "the failed client left");
        });
    }
}
