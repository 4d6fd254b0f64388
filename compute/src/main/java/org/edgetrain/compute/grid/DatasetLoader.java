package org.edgetrain.compute.grid;

import java.util.function.LongConsumer;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteDataStreamer;
import org.edgetrain.model.cifar.CifarDataset;
import org.edgetrain.model.cifar.CifarSplit;

/**
 * Loads a verified CIFAR-10 data set into the {@code train} and {@code test} caches with data streamers. Idempotent:
 * keys are sample indices and existing entries are not overwritten, so loading twice leaves one copy. The data set
 * is verified completely before the first record is sent, so a bad archive loads nothing. Training pauses while a
 * load runs ({@link DatasetLoadMarker}).
 */
public final class DatasetLoader {
    private DatasetLoader() {
    }

    /**
     * @param progress called with the number of records streamed so far (both splits)
     * @return records now held in train and test caches
     */
    public static long[] load(Ignite ignite, CifarDataset data, int backups, LongConsumer progress) {
        return load(ignite, data, backups, true, progress);
    }

    /**
     * @param weighted capability-weighted placement (true) or an equal split, for caches created now
     * @param progress called with the number of records streamed so far (both splits)
     * @return records now held in train and test caches
     */
    public static long[] load(Ignite ignite, CifarDataset data, int backups, boolean weighted, LongConsumer progress) {
        GridSchema.ensure(ignite, backups, weighted);
        try (DatasetLoadMarker loading = DatasetLoadMarker.begin(ignite)) {
            // Partitions whose every copy died are marked lost; reloading is the operator's way to bring them back.
            // They come back empty and fill while the records stream in: training waits for the marker to go.
            if (!ignite.cache(GridNames.TRAIN).lostPartitions().isEmpty() || !ignite.cache(GridNames.TEST).lostPartitions().isEmpty()) {
                ignite.resetLostPartitions(java.util.List.of(GridNames.TRAIN, GridNames.TEST));
            }
            stream(ignite, GridNames.TRAIN, data.train(), 0, progress);
            stream(ignite, GridNames.TEST, data.test(), data.train().size(), progress);
        }
        return new long[] {ignite.cache(GridNames.TRAIN).size(), ignite.cache(GridNames.TEST).size()};
    }

    private static void stream(Ignite ignite, String cache, CifarSplit split, long offset, LongConsumer progress) {
        try (IgniteDataStreamer<Integer, byte[]> streamer = ignite.dataStreamer(cache)) {
            streamer.allowOverwrite(false);
            streamer.perNodeBufferSize(256);
            for (int i = 0; i < split.size(); i++) {
                streamer.addData(i, split.record(i));
                if (i % 1000 == 999) {
                    progress.accept(offset + i + 1);
                }
            }
        }
        progress.accept(offset + split.size());
    }
}
