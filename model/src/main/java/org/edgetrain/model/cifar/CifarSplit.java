package org.edgetrain.model.cifar;

import java.util.Objects;

/**
 * A set of CIFAR records held as one contiguous byte array of {@link CifarFormat#RECORD_BYTES}-byte
 * records. Immutable by convention: callers must not modify {@link #records()}.
 *
 * @param records the raw records, {@code size() * RECORD_BYTES} bytes
 */
public record CifarSplit(byte[] records) {
    /** Checks that the array holds whole records. */
    public CifarSplit {
        Objects.requireNonNull(records, "records");
        if (records.length % CifarFormat.RECORD_BYTES != 0) {
            throw new IllegalArgumentException("records length " + records.length + " is not a multiple of "
                    + CifarFormat.RECORD_BYTES);
        }
    }

    /** @return number of records */
    public int size() {
        return records.length / CifarFormat.RECORD_BYTES;
    }

    /** @return label (0-9) of record {@code index} */
    public int label(int index) {
        return records[index * CifarFormat.RECORD_BYTES] & 0xFF;
    }

    /** @return a copy of record {@code index} (label byte first) */
    public byte[] record(int index) {
        byte[] out = new byte[CifarFormat.RECORD_BYTES];
        System.arraycopy(records, index * CifarFormat.RECORD_BYTES, out, 0, CifarFormat.RECORD_BYTES);
        return out;
    }

    /** @return the first {@code n} records (or all when there are fewer) */
    public CifarSplit limit(int n) {
        if (n >= size()) {
            return this;
        }
        byte[] out = new byte[n * CifarFormat.RECORD_BYTES];
        System.arraycopy(records, 0, out, 0, out.length);
        return new CifarSplit(out);
    }

    /** @return images per class, index = label */
    public int[] classCounts() {
        int[] counts = new int[CifarFormat.CLASSES];
        for (int i = 0; i < size(); i++) {
            counts[label(i)]++;
        }
        return counts;
    }
}
