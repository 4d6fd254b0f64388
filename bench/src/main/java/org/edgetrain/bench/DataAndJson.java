package org.edgetrain.bench;

import java.nio.file.Path;
import org.edgetrain.compute.cli.DataOutput;
import org.edgetrain.compute.cli.DatasetCommand;
import org.edgetrain.compute.cli.FleetOptions;
import org.edgetrain.model.cifar.CifarDataset;
import picocli.CommandLine.Option;

/** The options every training benchmark shares: the data set it reads, and where its JSON also goes. */
final class DataAndJson {
    @Option(names = "--cifar", description = "CIFAR-10 archive or folder; default: data/ or the shared copy")
    Path cifar;

    @Option(names = "--json", description = "also write the JSON here (- for standard output)")
    Path json;

    /** @return the data set, verified, from {@code --cifar} or the default location */
    CifarDataset read() {
        return DatasetCommand.read(cifar != null ? cifar : FleetOptions.defaultCifar());
    }

    /** Writes {@code result} where {@code --json} says, if it says. */
    void write(Object result) {
        if (json != null) {
            DataOutput.writeJson(result, json);
        }
    }
}
