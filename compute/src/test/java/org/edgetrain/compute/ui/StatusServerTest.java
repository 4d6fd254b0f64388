package org.edgetrain.compute.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.apache.ignite.Ignite;
import org.apache.ignite.configuration.ClientConfiguration;
import org.edgetrain.compute.grid.DatasetLoader;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.grid.NodeConfigurations;
import org.edgetrain.compute.grid.ThinFleetReader;
import org.edgetrain.compute.io.Json;
import org.edgetrain.compute.testing.Fleets;
import org.edgetrain.compute.testing.Waits;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.JobSubmitter;
import org.edgetrain.model.cifar.CifarReader;
import org.edgetrain.model.cifar.SyntheticCifar;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.schedule.LearningRateSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The status page and its JSON, served from a real fleet that has trained. */
@Timeout(300)
class StatusServerTest {
    @Test
    void servesThePageAndTheFleetsStatus() throws Exception {
        Fleets.runWithNewFleet(2, fleet -> {
            Ignite ignite = fleet.client();
            // The page reads as the ui command does: over the thin-client protocol, from any device's port.
            try (ThinFleetReader reader = ThinFleetReader.connect(new ClientConfiguration().setAddresses("127.0.0.1:"
                    + fleet.clientPort() + ".." + (fleet.clientPort() + NodeConfigurations.CLIENT_PORT_RANGE - 1)))) {
            JobSpec job = JobSpec.builder("ui-job", NetworkSpec.of("resnet8", 1)).epochs(1).batch(16).roundSeconds(0.5)
                    .schedule(new LearningRateSchedule("constant", 0.05, 1, 0)).seed(1).build();
            // Before any data set: the status reads and a job is refused, and neither creates the data caches, whose
            // backups only a load chooses (the status page used to create them with one).
            JsonNode empty = Json.mapper().readTree(FleetStatusJson.of(reader));
            assertTrue(empty.get("job").isNull());
            assertEquals(2, empty.get("devices").size());
            assertEquals(0, empty.get("events").size());
            assertTrue(empty.get("quorum").isNull(), "a fleet that never lost its quorum: " + empty);
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> JobSubmitter.submit(ignite, job));
            assertTrue(refused.getMessage().contains("dataset load"), refused.getMessage());
            assertEquals(-1, GridSchema.dataBackups(ignite));
            DatasetLoader.load(ignite, new CifarReader().read(SyntheticCifar.write(fleet.dir(), 10, 10, 3)), 2, n -> { });
            assertEquals(2, GridSchema.dataBackups(ignite));
            JobSubmitter.submit(ignite, job);
            Waits.finished(ignite, 120);
            try (StatusServer server = new StatusServer("127.0.0.1", 0, () -> FleetStatusJson.of(reader))) {
                HttpClient http = HttpClient.newHttpClient();
                String base = "http://127.0.0.1:" + server.port();

                HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                        HttpResponse.BodyHandlers.ofString());
                HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create(base + "/api/status")).build(),
                        HttpResponse.BodyHandlers.ofString());

                assertEquals(200, page.statusCode());
                assertTrue(page.body().contains("/api/status"));
                JsonNode json = Json.mapper().readTree(status.body());
                assertEquals(2, json.get("devices").size());
                int partitions = 0;
                for (JsonNode device : json.get("devices")) {
                    assertTrue(device.get("partitions").asInt() > 0, status.body());
                    assertTrue(device.get("rounds").asLong() > 0, status.body());
                    partitions += device.get("partitions").asInt();
                }
                assertEquals(org.edgetrain.compute.grid.GridNames.DATA_PARTITIONS, partitions, "primaries of the train cache");
                assertEquals("ui-job", json.get("job").get("id").asText());
                assertTrue(json.get("job").get("coordinator").isNull(), "a finished job has no coordinator");
                assertEquals(50, json.get("job").get("samplesCommitted").asLong());
                assertEquals(1, json.get("accuracy").size());
                assertTrue(json.get("events").size() >= 2, status.body());
            }
            }
        });
    }
}
