package org.edgetrain.compute.training;

import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.transactions.Transaction;
import org.apache.ignite.transactions.TransactionConcurrency;
import org.apache.ignite.transactions.TransactionIsolation;
import org.edgetrain.compute.grid.GridNames;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.grid.Wire;
import org.edgetrain.model.net.StateLayout;

/**
 * Starts a training job on a running fleet: writes the job and the initial model (built here from the job's seed,
 * so every run with the same seed starts from the same weights), resets partition progress, and wakes the devices:
 * the one holding the model's primary copy (the most capable device, where the coordinator's own work takes least of
 * a device's time and the commit's first write is local) starts the coordinator ({@link CoordinatorElection}). Used
 * by {@code edgetrain train} and the tests.
 */
public final class JobSubmitter {
    private JobSubmitter() {
    }

    /**
     * @throws IllegalStateException when another job is still running, or the data set is not loaded
     */
    public static void submit(Ignite ignite, JobSpec job) {
        submit(ignite, job, null);
    }

    /**
     * Submits {@code job} starting from {@code initial} (a state of the job's network, e.g. read from an exported model
     * file), or from the job's seed when null.
     *
     * @throws IllegalStateException when another job is still running, or the data set is not loaded
     * @throws IllegalArgumentException when {@code initial} is not a state of the job's network
     */
    public static void submit(Ignite ignite, JobSpec job, float[] initial) {
        submit(ignite, job, initial, 0, 0);
    }

    /**
     * Submits {@code job} to continue a model trained elsewhere (a checkpoint): it starts at epoch
     * {@code epochsDone + 1}, where the schedule stands then, with {@code imagesTrained} counted as committed. The
     * devices' optimizer momentum starts from zero.
     *
     * @throws IllegalStateException when another job is still running, or the data set is not loaded
     * @throws IllegalArgumentException when {@code initial} is not a state of the job's network, or the job has no
     *     epoch left after {@code epochsDone}
     */
    public static void submit(Ignite ignite, JobSpec job, float[] initial, int epochsDone, long imagesTrained) {
        if (epochsDone < 0 || epochsDone >= job.epochs()) {
            throw new IllegalArgumentException("a job of " + job.epochs() + " epochs cannot resume after epoch " + epochsDone);
        }
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
        StateLayout layout = StateLayout.of(job.network().model());
        if (initial == null) {
            initial = layout.initialState(job.network().seed());
        } else if (initial.length != layout.size()) {
            throw new IllegalArgumentException("the initial model has " + initial.length + " values, "
                    + job.network().model() + " has " + layout.size());
        }
        ignite.cache(GridNames.PROGRESS).clear();
        model.remove(EvaluatedModel.KEY);
        if (current != null) {
            model.remove(ModelState.goodKey(current.jobId(), current.goodVersion())); // the ended job's known-good weights
        }
        model.put(ModelState.JOB_KEY, Wire.pack(job));
        model.put(ModelState.KEY, Wire.pack(ModelState.initial(job.id(), initial).resumedAfter(epochsDone, imagesTrained)));
        CoordinatorElection.wake(ignite);
    }

    /**
     * Ends the running job; its committed state stays. The job is marked ended under the model's lock, so a commit
     * under way lands before it or fails after it; its coordinator then stops.
     */
    public static void stop(Ignite ignite) {
        IgniteCache<String, byte[]> model = ignite.cache(GridNames.MODEL);
        if (model == null) {
            return;
        }
        try (Transaction tx = ignite.transactions().txStart(TransactionConcurrency.PESSIMISTIC,
                TransactionIsolation.REPEATABLE_READ)) {
            ModelState current = Wire.unpack(model.get(ModelState.KEY));
            if (current == null || current.finished()) {
                return;
            }
            model.put(ModelState.KEY, Wire.pack(current.stopped()));
            tx.commit();
        }
        CoordinatorElection.wake(ignite);
    }

    /** @return the submitted job, or null when no job was ever submitted */
    public static JobSpec job(Ignite ignite) {
        IgniteCache<String, byte[]> model = ignite.cache(GridNames.MODEL);
        return model == null ? null : Wire.unpack(model.get(ModelState.JOB_KEY));
    }

    /** @return the current model state, or null when no job was ever submitted */
    public static ModelState current(Ignite ignite) {
        IgniteCache<String, byte[]> model = ignite.cache(GridNames.MODEL);
        return model == null ? null : Wire.unpack(model.get(ModelState.KEY));
    }
}
