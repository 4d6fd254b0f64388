package org.edgetrain.compute.faults;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The committed model versions as the ROUNDS table shows them, checked to form one line: each version's parent the
 * version before it, none missing, and no version ever seen with two weight checksums (a fork: two coordinators
 * committed the same version number). Sightings accumulate: a version seen on one side of a cut and later on the
 * healed fleet with other weights is a fork even when the table no longer shows both. Not thread-safe.
 */
final class ModelHistory {
    /**
     * One committed version's row.
     *
     * @param version ROUNDS.MODEL_VERSION
     * @param parent ROUNDS.PARENT_VERSION
     * @param checksum ROUNDS.MODEL_CRC
     */
    record Row(long version, long parent, long checksum) {
    }

    /**
     * @param forks versions seen with more than one checksum, or whose parent is not the version before
     * @param missing versions absent between the first and the last
     */
    record Line(long forks, long missing) {
    }

    private final Map<Long, Set<Long>> checksums = new TreeMap<>();

    /** Notes a version's checksum, seen at any time. */
    void saw(long version, long checksum) {
        checksums.computeIfAbsent(version, v -> new TreeSet<>()).add(checksum);
    }

    /** @param rows the committed rows, ordered by version */
    Line check(List<Row> rows) {
        long forks = 0;
        long missing = 0;
        long expected = 1;
        for (Row row : rows) {
            saw(row.version(), row.checksum());
            if (row.version() > expected) {
                missing += row.version() - expected;
            }
            if (row.parent() != row.version() - 1 || row.version() < expected) {
                forks++; // a stranger parent, or the same version twice
            }
            expected = row.version() + 1;
        }
        forks += checksums.values().stream().filter(crcs -> crcs.size() > 1).count();
        return new Line(forks, missing);
    }
}
