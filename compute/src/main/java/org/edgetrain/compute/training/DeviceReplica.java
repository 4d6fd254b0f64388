package org.edgetrain.compute.training;

import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteInterruptedException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.edgetrain.compute.settings.SystemProperty;
import org.edgetrain.model.engine.EngineKind;
import org.edgetrain.model.engine.TrainingEngine;
import org.edgetrain.model.net.NetworkSpec;

/**
 * The one network replica a device keeps: rebuildable node-local state, created on first use and rebuilt when
 * the spec changes. Jobs on a device run one at a time through {@link #withEngine}, which serializes them.
 *
 * <p>All of a device's math runs on one trainer thread. ND4J keeps its workspaces (the activations of a whole
 * batch) per thread and frees them only when the thread ends: run from Ignite's job pool, each pool thread that
 * once trained kept its own set, and a device's native memory grew with every new thread (measured: a pc device
 * process at 4.4 GB resident after 4 minutes). The thread ends after a minute without work, and its memory with it.
 */
public final class DeviceReplica {
    private static final Logger LOG = LogManager.getLogger(DeviceReplica.class);
    private static final String KEY = "edgetrain.replica";
    private static final long TRAINER_IDLE_SECONDS = 60;

    private final ThreadPoolExecutor trainer;
    private NetworkSpec spec;
    private TrainingEngine engine;
    private int rollbacks;

    private DeviceReplica(String device) {
        trainer = new ThreadPoolExecutor(1, 1, TRAINER_IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread thread = new Thread(r, "edgetrain-trainer-" + device);
            thread.setDaemon(true);
            return thread;
        });
        trainer.allowCoreThreadTimeOut(true);
    }

    /** Work done with the device's engine. */
    interface EngineWork<T> {
        T run(TrainingEngine engine);
    }

    /** Runs {@code work} on this node's replica for {@code job}, one job at a time, keeping its optimizer state. */
    static <T> T withEngine(Ignite ignite, JobSpec job, EngineWork<T> work) {
        return withEngine(ignite, job, -1, false, work);
    }

    /**
     * The engine this device trains {@code job} with: the one its operator chose ({@code node --engine}), else the
     * job's, else the fastest that loads here; DL4J where libtorch does not load.
     */
    static EngineKind engineFor(JobSpec job) {
        String own = SystemProperty.DEVICE_ENGINE.value().orElse(null);
        EngineKind wanted = own != null ? EngineKind.parse(own) : job.engine() != null ? job.engine()
                : EngineKind.preferred();
        return wanted == EngineKind.TORCH && EngineKind.preferred() != EngineKind.TORCH ? EngineKind.DL4J : wanted;
    }

    /**
     * Runs {@code work} on this node's replica of {@code spec}, one job at a time.
     *
     * @param rollbacks the job's rollback count: when it differs from the last one seen, momentum built on a
     *     discarded model is cleared (-1: keep)
     * @param resetOptimizer clear the optimizer state anyway (this device's last result was rejected)
     */
    static <T> T withEngine(Ignite ignite, JobSpec job, int rollbacks, boolean resetOptimizer, EngineWork<T> work) {
        ConcurrentMap<String, Object> local = ignite.cluster().nodeLocalMap();
        DeviceReplica replica = (DeviceReplica) local.computeIfAbsent(KEY,
                k -> new DeviceReplica(String.valueOf(ignite.cluster().localNode().consistentId())));
        EngineKind kind = engineFor(job);
        Future<T> done = replica.trainer.submit(() -> replica.run(kind, job.network(), job.threadsPerDevice(), rollbacks,
                resetOptimizer, work));
        try {
            return done.get();
        } catch (InterruptedException e) {
            done.cancel(true); // the job was cancelled: so is its work
            Thread.currentThread().interrupt();
            throw new IgniteInterruptedException(e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime && isJdkOrOwn(runtime)) {
                throw runtime;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                // A library's exception (e.g. the engine's) would not deserialize on the coordinator, whose marshaller
                // accepts only edgetrain's, Ignite's and the JDK's classes: it gets the message, this log the trace.
                LOG.warn("the engine failed", runtime);
                throw new IllegalStateException(runtime.getClass().getSimpleName() + ": " + runtime.getMessage());
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static boolean isJdkOrOwn(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            String name = t.getClass().getName();
            if (!(name.startsWith("java.") || name.startsWith("org.edgetrain.") || name.startsWith("org.apache.ignite."))) {
                return false;
            }
        }
        return true;
    }

    /** Runs on the trainer thread only. */
    private <T> T run(EngineKind kind, NetworkSpec spec, int threads, int rollbacks, boolean resetOptimizer,
                      EngineWork<T> work) {
        if (engine == null || !this.spec.equals(spec) || EngineKind.of(engine) != kind) {
            if (engine != null) {
                engine.close();
            }
            engine = kind.create(spec);
            this.spec = spec;
        }
        if (resetOptimizer || (rollbacks >= 0 && rollbacks != this.rollbacks)) {
            engine.setOptimizerState(new float[engine.optimizerState().length]);
        }
        if (rollbacks >= 0) {
            this.rollbacks = rollbacks;
        }
        engine.useThreads(threads);
        return work.run(engine);
    }
}
