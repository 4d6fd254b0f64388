package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.grid.FleetQueries;
import org.edgetrain.compute.grid.FleetReader;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.testing.Fleets;
import org.edgetrain.compute.testing.TestJobs;
import org.edgetrain.compute.testing.Waits;
import org.edgetrain.model.engine.EngineKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A fleet whose devices train on different engines: a job asks for libtorch, one device was started on DL4J
 * ({@code pc@dl4j}, i.e. {@code node --engine dl4j}). Both read and write the same state and velocity, so every round
 * averages their results; the engines are visible in DEVICE_ROUNDS and in status.
 */
@Timeout(600)
class MixedEngineFleetTest {
    @Test
    void devicesOnBothEnginesTrainOneJobTogether() throws Exception {
        Fleets.runWithNewFleet(List.of("pc@dl4j", "pc"), fleet -> {
            Ignite ignite = fleet.client();
            fleet.loadSynthetic(40, 20, 31);
            JobSpec job = TestJobs.small("mixed", "resnet8", 2, 0.5, 5).engine(EngineKind.TORCH).build();
            JobSubmitter.submit(ignite, job);

            ModelState last = Waits.finished(ignite, 300);

            assertEquals(400, last.samplesCommitted(), "two epochs of 200 samples, none skipped or repeated");
            List<List<?>> rows = GridSchema.sql(ignite,
                    "SELECT DEVICE, ENGINE, STATUS, COUNT(*) FROM DEVICE_ROUNDS WHERE SAMPLES > 0 GROUP BY DEVICE, ENGINE, STATUS");
            Map<String, String> engineByDevice = rows.stream().collect(Collectors.toMap(r -> (String) r.get(0),
                    r -> (String) r.get(1), (a, b) -> a + "," + b));
            assertEquals(Map.of("pc-1", "dl4j", "pc-2", "torch"), engineByDevice, rows.toString());
            assertTrue(rows.stream().allMatch(r -> "ACCEPTED".equals(r.get(2))), "no result rejected: " + rows);
            Map<String, String> shown = FleetQueries.devices(FleetReader.of(ignite)).stream()
                    .collect(Collectors.toMap(FleetQueries.DeviceStatus::name, FleetQueries.DeviceStatus::engine));
            assertEquals(Map.of("pc-1", "dl4j", "pc-2", "torch"), shown);
        });
    }
}
