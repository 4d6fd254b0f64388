package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The half-precision wire format of the model and the devices' results. */
class StateTransferTest {
    @Test
    void binary16IsRoundedToNearestEvenWithItsSpecialValues() {
        assertEquals((short) 0x3c00, StateTransfer.toHalf(1.0f));
        assertEquals((short) 0xc100, StateTransfer.toHalf(-2.5f));
        assertEquals((short) 0x7bff, StateTransfer.toHalf(65504f), "largest half");
        assertEquals((short) 0x7c00, StateTransfer.toHalf(65520f), "rounds up to infinity");
        assertEquals((short) 0x7bff, StateTransfer.toHalf(65519f));
        assertEquals((short) 0x0001, StateTransfer.toHalf(0x1p-24f), "smallest subnormal");
        assertEquals((short) 0x0400, StateTransfer.toHalf(0x1p-14f), "smallest normal");
        assertEquals((short) 0x0000, StateTransfer.toHalf(1e-9f));
        assertEquals((short) 0x8000, StateTransfer.toHalf(-0.0f));
        assertEquals((short) 0x3c00, StateTransfer.toHalf(1.0f + 0x1p-11f), "a tie goes to the even mantissa");
        assertEquals((short) 0x3c02, StateTransfer.toHalf(1.0f + 3 * 0x1p-11f), "a tie goes to the even mantissa");
        assertTrue(Float.isNaN(StateTransfer.toFloat(StateTransfer.toHalf(Float.NaN))));
        assertEquals(Float.NEGATIVE_INFINITY, StateTransfer.toFloat(StateTransfer.toHalf(Float.NEGATIVE_INFINITY)));
        for (int h = 0; h < 0x7c00; h++) {
            assertEquals((short) h, StateTransfer.toHalf(StateTransfer.toFloat((short) h)), "every half is exact: " + h);
        }
    }

    @Test
    void aDeviceChangeRebuiltOnTheCoordinatorIsWithinHalfPrecisionOfTheChange() {
        Random random = new Random(5);
        float[] model = new float[10_000];
        float[] trained = new float[model.length];
        for (int i = 0; i < model.length; i++) {
            model[i] = (float) random.nextGaussian() * 0.3f;
        }
        StateTransfer fp16 = StateTransfer.FP16;
        float[] received = fp16.unpackModel(fp16.packModel(model));
        for (int i = 0; i < model.length; i++) {
            assertEquals(model[i], received[i], Math.abs(model[i]) * 0x1p-11f + 0x1p-25f, "the model as sent");
            trained[i] = received[i] + (float) random.nextGaussian() * 0.01f;
        }
        byte[] sent = fp16.packResult(trained, received);
        assertEquals(model.length * 2, sent.length, "two bytes a weight");
        float[] rebuilt = fp16.unpackResult(sent, model);
        for (int i = 0; i < model.length; i++) {
            float change = trained[i] - received[i];
            // the change survives to half precision, on the coordinator's own full-precision model
            assertEquals(model[i] + change, rebuilt[i], Math.abs(change) * 0x1p-11f + 1e-6f);
        }
    }

    @Test
    void fp32IsExactAndGarbageStaysGarbage() {
        float[] model = {1.5f, -2.25f, 3e-7f};
        StateTransfer fp32 = StateTransfer.FP32;
        assertArrayEquals(model, fp32.unpackModel(fp32.packModel(model)));
        assertArrayEquals(model, fp32.unpackResult(fp32.packResult(model, model), model));
        float[] wrongSize = {1f};
        assertEquals(1, StateTransfer.FP16.unpackResult(StateTransfer.FP16.packResult(wrongSize, model), model).length);
        float[] nan = {Float.NaN, 0, 0};
        assertTrue(Float.isNaN(StateTransfer.FP16.unpackResult(StateTransfer.FP16.packResult(nan, model), model)[0]));
    }
}
