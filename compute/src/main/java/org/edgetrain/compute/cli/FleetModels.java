package org.edgetrain.compute.cli;

import java.util.ArrayList;
import java.util.List;
import org.edgetrain.compute.artifacts.Provenance;
import org.edgetrain.compute.grid.FleetReader;
import org.edgetrain.compute.training.EvaluatedModel;
import org.edgetrain.compute.training.JobSpec;
import org.edgetrain.compute.training.ModelState;

/** The model versions a fleet holds (the committed one, the last known good one, the last evaluated one). */
final class FleetModels {
    private FleetModels() {
    }

    /** One held version of the job's network. */
    record Held(String model, float[] state, Provenance provenance) {
    }

    /**
     * @param version the version wanted, or null for the committed one
     * @throws EdgetrainCommand.UserError when the fleet holds no model, or not that version (naming those it holds)
     */
    static Held select(FleetReader fleet, Long version) {
        ModelState state = fleet.model(ModelState.KEY);
        JobSpec job = fleet.model(ModelState.JOB_KEY);
        if (state == null || job == null) {
            throw new EdgetrainCommand.UserError("the fleet holds no model yet: train one first (edgetrain train)");
        }
        EvaluatedModel evaluated = fleet.model(EvaluatedModel.KEY);
        if (evaluated != null && !evaluated.jobId().equals(state.jobId())) {
            evaluated = null;
        }
        String model = job.network().model();
        long wanted = version == null ? state.version() : version;
        if (evaluated != null && evaluated.version() == wanted) {
            return new Held(model, evaluated.state(), new Provenance(state.jobId(), evaluated.version(), evaluated.round(),
                    evaluated.epoch(), evaluated.samplesCommitted(), evaluated.testAccuracy()));
        }
        if (state.version() == wanted) {
            return new Held(model, state.state(), new Provenance(state.jobId(), state.version(), state.round(),
                    state.epoch() - 1, state.samplesCommitted(), null));
        }
        float[] good = state.goodState() != null ? state.goodState()
                : fleet.model(ModelState.goodKey(state.jobId(), state.goodVersion()));
        if (state.goodVersion() == wanted && good != null) {
            return new Held(model, good, new Provenance(state.jobId(), state.goodVersion(), null, null, null,
                    null));
        }
        java.util.Map<Long, List<String>> held = new java.util.TreeMap<>(java.util.Comparator.reverseOrder());
        held.computeIfAbsent(state.version(), v -> new ArrayList<>()).add("committed");
        held.computeIfAbsent(state.goodVersion(), v -> new ArrayList<>()).add("last known good");
        if (evaluated != null) {
            held.computeIfAbsent(evaluated.version(), v -> new ArrayList<>()).add("evaluated after epoch " + evaluated.epoch());
        }
        List<String> versions = new ArrayList<>();
        held.forEach((v, what) -> versions.add("v" + v + " (" + String.join(", ", what) + ")"));
        throw new EdgetrainCommand.UserError("the fleet does not hold model version " + version + " of job "
                + state.jobId() + "; it holds " + String.join(", ", versions) + ": pass one of those to --version");
    }
}
