package org.edgetrain.compute.testing;

import java.nio.file.Path;
import java.util.List;
import org.apache.ignite.Ignite;
import org.edgetrain.compute.grid.DatasetLoader;
import org.edgetrain.model.cifar.CifarDataset;
import org.edgetrain.model.cifar.CifarReader;
import org.edgetrain.model.cifar.SyntheticCifar;

/**
 * A fleet of devices for a test, in one vocabulary whether its devices are Ignite nodes in the test's JVM
 * ({@link InProcessFleet}: fast, for coordination logic) or device processes started as {@code edgetrain cluster up}
 * starts them ({@link ProcessFleet}: real crashes, hangs, separate JVMs). Start one with
 * {@link Fleets#runWithNewFleet}, which also reports the fleet's events and device logs when the test fails. Closing
 * stops every device and frees the ports, also after a failure. Not thread-safe: the test's thread drives it.
 */
public interface Fleet extends AutoCloseable {
    /** @return a client node in the test's JVM, joined to the fleet: where the test loads data, submits and reads */
    Ignite client();

    /** @return the fleet's node file, for commands run with {@code --config} */
    Path config();

    /** @return the port of the fleet's thin client and JDBC connector */
    int clientPort();

    /** @return the devices in the fleet now, by name */
    List<String> devices();

    /**
     * Starts one more device and waits until it has joined.
     *
     * @param deviceClass a device class, optionally with an engine ({@code pc}, {@code rpi4@dl4j})
     * @return its name
     */
    String add(String deviceClass);

    /** Crashes a device: the fleet sees it fail, not leave. */
    void kill(String device);

    /**
     * A graceful leave: the device finishes its running job and hands its partitions over, then goes.
     *
     * @throws AssertionError when it did not leave by itself in time and had to be killed
     */
    void stop(String device);

    /**
     * Freezes a device without ending it (it stops answering, as a hung device does).
     *
     * @throws UnsupportedOperationException where devices share the test's JVM
     */
    void hang(String device);

    /** Lets a frozen device go on. */
    void resume(String device);

    /** Stops every device and starts the same devices again (what survives is what the fleet persists). */
    void restart();

    /** @return the fleet's own folder (node file, device folders, data), deleted when the fleet closes */
    Path dir();

    /**
     * Writes a synthetic CIFAR-10 in the fleet's folder and loads it into the fleet with one backup per record.
     *
     * @param trainPerFile records in each of the five training files
     * @return the data set as loaded
     */
    default CifarDataset loadSynthetic(int trainPerFile, int testRecords, long seed) {
        CifarDataset data = new CifarReader().read(SyntheticCifar.write(dir().resolve("cifar-" + seed), trainPerFile,
                testRecords, seed));
        DatasetLoader.load(client(), data, 1, n -> { });
        return data;
    }

    /** @return where the fleet keeps its devices' logs (kept after the test) */
    Path logs();

    /** Stops every device and the client; never throws for a fleet that is already gone. */
    @Override
    void close();
}
