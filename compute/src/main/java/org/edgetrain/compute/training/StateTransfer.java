package org.edgetrain.compute.training;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * How the model and the devices' results cross the network each round. {@link #FP32}: the weights as they are.
 * {@link #FP16}: the model goes out in half precision and each device returns its change to the model it received in
 * half precision, half the bytes both ways; the coordinator adds the change to its own full-precision model, so the
 * rounding never accumulates across rounds (a device trains one round from weights rounded to 11 significant bits,
 * as mixed-precision training does). A behind-slow-link fleet pays for the model's bytes in every round: ResNet-32's
 * 1.9 MB twice per device. Immutable; thread-safe.
 */
public enum StateTransfer {
    /** 4 bytes a weight. */
    FP32,
    /** 2 bytes a weight (IEEE 754 binary16), the results as changes. */
    FP16;

    /** @return the model as it is sent to devices */
    byte[] packModel(float[] model) {
        return this == FP16 ? half(model) : floats(model);
    }

    /** @return the model a device received, as it trains from it */
    float[] unpackModel(byte[] bytes) {
        return this == FP16 ? fromHalf(bytes) : fromFloats(bytes);
    }

    /** @return a device's trained state as it is sent back, given the model it trained from (as it received it) */
    byte[] packResult(float[] trained, float[] received) {
        if (this == FP32) {
            return floats(trained);
        }
        if (trained.length != received.length) {
            return half(trained); // garbage of the wrong size stays garbage: the coordinator refuses it
        }
        float[] change = new float[trained.length];
        for (int i = 0; i < change.length; i++) {
            change[i] = trained[i] - received[i];
        }
        return half(change);
    }

    /** @return a device's trained state, rebuilt on the coordinator from what it sent and the model it was sent */
    float[] unpackResult(byte[] bytes, float[] model) {
        if (this == FP32) {
            return fromFloats(bytes);
        }
        float[] change = fromHalf(bytes);
        if (change.length != model.length) {
            return change;
        }
        for (int i = 0; i < change.length; i++) {
            change[i] += model[i];
        }
        return change;
    }

    private static byte[] floats(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        out.asFloatBuffer().put(values);
        return out.array();
    }

    private static float[] fromFloats(byte[] bytes) {
        float[] out = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    private static byte[] half(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            out.putShort(toHalf(v));
        }
        return out.array();
    }

    private static float[] fromHalf(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bytes.length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = toFloat(in.getShort());
        }
        return out;
    }

    /** @return {@code f} in binary16, rounded to nearest even; beyond 65504, infinity; NaN stays NaN */
    static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int magnitude = bits & 0x7fffffff;
        if (magnitude > 0x7f800000) {
            return (short) (sign | 0x7e00);
        }
        if (magnitude >= 0x47800000) { // 65536 and up, and infinity
            return (short) (sign | 0x7c00);
        }
        if (magnitude < 0x38800000) { // below 2^-14: a subnormal half, in units of 2^-24
            return (short) (sign | Math.round(Float.intBitsToFloat(magnitude) * 0x1p24f));
        }
        int half = (((magnitude >>> 23) - 112) << 10) | ((magnitude & 0x7fffff) >>> 13);
        int rest = magnitude & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // a carry into the exponent is right, up to infinity
        }
        return (short) (sign | half);
    }

    /** @return binary16 {@code h} as a float (exact) */
    static float toFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0) {
            float value = mantissa * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        if (exponent == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
