package org.edgetrain.compute.training;

import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.grid.Wire;
import org.edgetrain.model.engine.Dl4jEngine;

/**
 * Starts a training job on a running fleet: writes the job and the initial model (built here from the job's seed,
 * so every run with the same seed starts from the same weights), resets partition progress, and deploys the
 * coordinator as a singleton on the primary holder of the model: the most capable device, where the coordinator's
 * own work (aggregation, the commit) takes least of a device's time and the commit's first write is local. Ignite
 * moves it with the model when that device leaves or a stronger one joins. Used by {@code edgetrain train} and the
 * tests.
 */
public final class JobSubmitter {
    private JobSubmitter() {
    }

    /**
     * @throws IllegalStateException when another job is still running, or the data set is not loaded
     */
    public static void submit(Ignite ignite, JobSpec job) {
        GridSchema.ensureShared(ignite);
        if (GridSchema.trainSize(ignite) == 0) {
            throw new IllegalStateException("the fleet holds no training data: run edgetrain dataset load --cifar PATH first");
        }
        IgniteCache<String, byte[]> model = ignite.cache(GridNames.MODEL);
        ModelState current = Wire.unpack(model.get(ModelState.KEY));
        if (current != null && !current.finished()) {
            throw new IllegalStateException("job " + current.jobId() + " is still running (epoch " + current.epoch()
                    + ", round " + current.round() + "): wait for it, or stop it with edgetrain train --stop");
        }
        float[] initial;
        try (Dl4jEngine engine = new Dl4jEngine(job.network(), false)) {
            initial = engine.state();
        }
        ignite.cache(GridNames.PROGRESS).clear();
        model.put(ModelState.JOB_KEY, Wire.pack(job));
        model.put(ModelState.KEY, Wire.pack(ModelState.initial(job.id(), initial)));
        deployCoordinator(ignite);
    }

    /** (Re)starts the coordinator singleton; it resumes from the committed state in the model cache. */
    static void deployCoordinator(Ignite ignite) {
        ignite.services().cancel(RoundCoordinator.SERVICE_NAME);
        ignite.services().deployKeyAffinitySingleton(RoundCoordinator.SERVICE_NAME, new RoundCoordinator(),
                GridNames.MODEL, ModelState.KEY);
    }

    /** Stops the running job's coordinator; committed state stays. */
    public static void stop(Ignite ignite) {
        ignite.services().cancel(RoundCoordinator.SERVICE_NAME);
        IgniteCache<String, byte[]> model = ignite.cache(GridNames.MODEL);
        ModelState current = model == null ? null : Wire.unpack(model.get(ModelState.KEY));
        if (current != null && !current.finished()) {
            model.put(ModelState.KEY, Wire.pack(current.stopped()));
        }
    }

    /** @return the current model state, or null when no job was ever submitted */
    public static ModelState current(Ignite ignite) {
        IgniteCache<String, byte[]> model = ignite.cache(GridNames.MODEL);
        return model == null ? null : Wire.unpack(model.get(ModelState.KEY));
    }
}
