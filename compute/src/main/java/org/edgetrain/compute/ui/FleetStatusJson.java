package org.edgetrain.compute.ui;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.edgetrain.compute.grid.FleetQueries;
import org.edgetrain.compute.grid.FleetReader;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.io.Json;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.ModelState;

/** The JSON behind the status page: devices, the job, the accuracy curve and recent events. */
public final class FleetStatusJson {
    private FleetStatusJson() {
    }

    /** @return the status of the fleet {@code fleet} reads, as JSON */
    public static String of(FleetReader fleet) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("devices", FleetQueries.devices(fleet));
        ModelState state = fleet.model(ModelState.KEY);
        JobSpec job = fleet.model(ModelState.JOB_KEY);
        if (state != null && job != null) {
            long trainSize = fleet.size(GridNames.TRAIN);
            long epochSamples = job.limitTrain() > 0 ? Math.min(job.limitTrain(), trainSize) : trainSize;
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("id", state.jobId());
            j.put("model", job.network().model());
            j.put("running", !state.finished());
            j.put("epoch", Math.min(state.epoch(), job.epochs()));
            j.put("epochs", job.epochs());
            j.put("round", state.round());
            j.put("version", state.version());
            j.put("samplesCommitted", state.samplesCommitted());
            j.put("totalSamples", epochSamples * job.epochs());
            j.put("lastAccuracy", Double.isNaN(state.lastAccuracy()) ? null : state.lastAccuracy());
            j.put("coordinator", FleetQueries.coordinator(fleet));
            out.put("job", j);
            out.put("accuracy", FleetQueries.evaluations(fleet, state.jobId()));
        } else {
            out.put("job", null);
            out.put("accuracy", List.of());
        }
        List<Map<String, Object>> events = new ArrayList<>();
        for (List<?> row : FleetQueries.rows(fleet, "SELECT AT, KIND, DEVICE, DETAIL FROM EVENTS ORDER BY AT DESC LIMIT 20")) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("at", String.valueOf(row.get(0)));
            e.put("kind", row.get(1));
            e.put("device", row.get(2));
            e.put("detail", row.get(3));
            events.add(e);
        }
        out.put("events", events);
        // What this side last said of its quorum: null if it never lost it; held false while it waits for a majority.
        out.put("quorum", FleetQueries.quorum(fleet));
        return Json.write(out);
    }
}
