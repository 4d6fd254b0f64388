package org.edgetrain.compute.training;

import java.util.concurrent.ConcurrentMap;
import org.apache.ignite.Ignite;
import org.edgetrain.model.engine.Dl4jEngine;
import org.edgetrain.model.engine.NativeThreads;
import org.edgetrain.model.engine.TrainingEngine;
import org.edgetrain.model.net.NetworkSpec;

/**
 * The one network replica a device keeps: rebuildable node-local state, created on first use and rebuilt when
 * the spec changes. Jobs on a device run one at a time through {@link #withEngine}, which serializes them.
 */
final class DeviceReplica {
    private static final String KEY = "edgetrain.replica";

    private NetworkSpec spec;
    private TrainingEngine engine;
    private int rollbacks;

    private DeviceReplica() {
    }

    /** Work done with the device's engine. */
    interface EngineWork<T> {
        T run(TrainingEngine engine);
    }

    /** Runs {@code work} on this node's replica of {@code spec}, one job at a time, keeping its optimizer state. */
    static <T> T withEngine(Ignite ignite, NetworkSpec spec, int threads, EngineWork<T> work) {
        return withEngine(ignite, spec, threads, -1, false, work);
    }

    /**
     * Runs {@code work} on this node's replica of {@code spec}, one job at a time.
     *
     * @param rollbacks the job's rollback count: when it differs from the last one seen, momentum built on a
     *     discarded model is cleared (-1: keep)
     * @param resetOptimizer clear the optimizer state anyway (this device's last result was rejected)
     */
    static <T> T withEngine(Ignite ignite, NetworkSpec spec, int threads, int rollbacks, boolean resetOptimizer,
                            EngineWork<T> work) {
        ConcurrentMap<String, Object> local = ignite.cluster().nodeLocalMap();
        DeviceReplica replica = (DeviceReplica) local.computeIfAbsent(KEY, k -> new DeviceReplica());
        synchronized (replica) {
            if (replica.engine == null || !replica.spec.equals(spec)) {
                if (replica.engine != null) {
                    replica.engine.close();
                }
                replica.engine = new Dl4jEngine(spec, false);
                replica.spec = spec;
            }
            if (resetOptimizer || (rollbacks >= 0 && rollbacks != replica.rollbacks)) {
                replica.engine.setOptimizerState(new float[replica.engine.optimizerState().length]);
            }
            if (rollbacks >= 0) {
                replica.rollbacks = rollbacks;
            }
            NativeThreads.use(threads);
            return work.run(replica.engine);
        }
    }
}
