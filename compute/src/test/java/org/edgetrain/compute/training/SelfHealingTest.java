package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.grid.DatasetLoader;
import org.edgetrain.compute.grid.GridSchema;
import org.edgetrain.compute.grid.Reconnects;
import org.edgetrain.model.cifar.CifarDataset;
import org.edgetrain.model.cifar.CifarReader;
import org.edgetrain.model.cifar.SyntheticCifar;
import org.edgetrain.model.net.NetworkSpec;
import org.edgetrain.model.params.FlatVectors;
import org.edgetrain.model.schedule.LearningRateSchedule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Divergence on real in-process nodes. */
@Timeout(600)
class SelfHealingTest {
    @TempDir
    Path dir;

    @Test
    void anExplodingModelRollsBackAndTrainsOnWithALowerLearningRate() throws Exception {
        CifarDataset data = new CifarReader().read(SyntheticCifar.write(dir, 20, 20, 9));
        try (MiniCluster cluster = MiniCluster.start(2, 48900)) {
            Ignite ignite = cluster.nodes().get(0);
            DatasetLoader.load(ignite, data, 1, n -> { });
            // A learning rate of 10 blows ResNet-8 up within a step or two.
            JobSpec job = JobSpec.builder("diverge", NetworkSpec.of("resnet8", 3)).epochs(1).batch(16).roundSeconds(0.5)
                    .schedule(new LearningRateSchedule("constant", 10, 1, 0)).seed(15).build();

            JobSubmitter.submit(ignite, job);
            ModelState last = GridTrainingTest.awaitFinished(ignite, 400_000);

            assertTrue(FlatVectors.allFinite(last.state()), "a diverged state was committed");
            assertTrue(last.learningRateScale() < 1, "learning rate was never lowered");
            assertTrue(last.samplesCommitted() >= 100, "the epoch was completed");
            List<List<?>> rollbacks = GridSchema.sql(ignite, "SELECT DETAIL FROM EVENTS WHERE KIND = 'ROLLBACK'");
            assertTrue(!rollbacks.isEmpty());
            assertTrue(String.valueOf(rollbacks.get(0).get(0)).contains("rolled back to the state of v"), rollbacks.toString());
        }
    }

    static void awaitVersion(Ignite ignite, long version) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (Reconnects.read(ignite, JobSubmitter::current).version() < version) {
            assertTrue(System.currentTimeMillis() < deadline, "model version " + version + " never committed");
            Thread.sleep(100); // polling the committed state with a deadline
        }
    }

    static void awaitEvent(Ignite ignite, String kind) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (count(ignite, "SELECT COUNT(*) FROM EVENTS WHERE KIND = ?", kind) == 0) {
            assertTrue(System.currentTimeMillis() < deadline, () -> "no " + kind + " event; events so far: "
                    + GridSchema.sql(ignite, "SELECT AT, KIND, DEVICE, DETAIL FROM EVENTS ORDER BY AT"));
            Thread.sleep(100); // polling the events table with a deadline
        }
    }

    /** @return the single number {@code query} returns, read across reconnections of the test's client */
    static long count(Ignite ignite, String query, Object... args) {
        return Reconnects.read(ignite, i -> ((Number) GridSchema.sql(i, query, args).get(0).get(0)).longValue());
    }
}
