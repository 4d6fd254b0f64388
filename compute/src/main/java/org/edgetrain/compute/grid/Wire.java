package org.edgetrain.compute.grid;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;

/**
 * Encodes the project's message and state records for the grid. Ignite's binary marshaller cannot build Java
 * records (it sets final fields through offsets that records refuse), so records cross the grid as Java-serialized
 * bytes. Decoding accepts only the project's own classes, Java's own and arrays of primitives: anything else
 * (a crafted payload from a stranger's node) is refused before it is instantiated.
 */
public final class Wire {
    private static final ObjectInputFilter FILTER = ObjectInputFilter.Config.createFilter(
            "org.edgetrain.**;java.lang.*;java.util.*;maxdepth=20;!*");

    private Wire() {
    }

    /** @return {@code value} as bytes */
    public static byte[] pack(Serializable value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * @return the value encoded by {@link #pack}, or null for null
     * @throws IllegalArgumentException when the bytes are not a permitted encoding
     */
    @SuppressWarnings("unchecked")
    public static <T> T unpack(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            in.setObjectInputFilter(FILTER);
            return (T) in.readObject();
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalArgumentException("undecodable grid value: " + e.getMessage(), e);
        }
    }
}
