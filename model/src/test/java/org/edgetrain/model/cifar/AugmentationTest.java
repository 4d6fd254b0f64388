package org.edgetrain.model.cifar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AugmentationTest {
    private final byte[] records = SyntheticCifar.records(4, 11, 0);

    @Test
    void sameSeedEpochAndSampleGiveSameImage() {
        float[] a = new float[CifarFormat.IMAGE_BYTES];
        float[] b = new float[CifarFormat.IMAGE_BYTES];

        new Augmentation(5, true).apply(records, 0, 3, 17, a, 0);
        new Augmentation(5, true).apply(records, 0, 3, 17, b, 0);

        assertArrayEquals(a, b);
    }

    @Test
    void differentEpochsAugmentDifferently() {
        Augmentation augmentation = new Augmentation(5, true);
        int distinct = 0;
        float[] first = new float[CifarFormat.IMAGE_BYTES];
        augmentation.apply(records, 0, 0, 1, first, 0);
        for (int epoch = 1; epoch < 10; epoch++) {
            float[] other = new float[CifarFormat.IMAGE_BYTES];
            augmentation.apply(records, 0, epoch, 1, other, 0);
            if (!Arrays.equals(first, other)) {
                distinct++;
            }
        }
        assertTrue(distinct >= 8, "augmentation barely varies: " + distinct);
    }

    @Test
    void identityNormalizesEveryPixel() {
        float[] out = new float[CifarFormat.IMAGE_BYTES];

        Augmentation.none().apply(records, 0, 0, 0, out, 0);

        int raw = records[1] & 0xFF;
        assertEquals((raw / 255f - 0.4914f) / 0.2470f, out[0], 1e-6);
    }

    @Test
    void flipAndCropKeepPixelsFromTheImage() {
        // An image whose every pixel is 255: any crop shows only 255s and zero padding.
        byte[] white = new byte[CifarFormat.RECORD_BYTES];
        Arrays.fill(white, 1, white.length, (byte) 255);
        float whiteValue = (1f - 0.4914f) / 0.2470f;
        float padValue = (0f - 0.4914f) / 0.2470f;
        boolean sawPad = false;
        for (int sample = 0; sample < 20; sample++) {
            float[] out = new float[CifarFormat.IMAGE_BYTES];
            new Augmentation(1, true).apply(white, 0, 0, sample, out, 0);
            for (int i = 0; i < CifarFormat.PLANE; i++) {
                assertTrue(Math.abs(out[i] - whiteValue) < 1e-5 || Math.abs(out[i] - padValue) < 1e-5);
                sawPad |= Math.abs(out[i] - padValue) < 1e-5;
            }
        }
        assertTrue(sawPad, "20 random crops never shifted the image");
        assertFalse(Float.isNaN(whiteValue));
    }

    @Test
    void everyAugmentedImageIsTheSourceShiftedAndSometimesMirrored() {
        // Channel 0 holds 8 x the column, channel 1 8 x the row: each pixel says where it came from.
        int side = CifarFormat.SIDE;
        byte[] gradient = new byte[CifarFormat.RECORD_BYTES];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                gradient[1 + y * side + x] = (byte) (8 * x);
                gradient[1 + CifarFormat.PLANE + y * side + x] = (byte) (8 * y);
            }
        }
        java.util.Set<Boolean> flips = new java.util.HashSet<>();
        java.util.Set<String> shifts = new java.util.HashSet<>();
        for (int sample = 0; sample < 40; sample++) {
            float[] out = new float[CifarFormat.IMAGE_BYTES];
            new Augmentation(3, true).apply(gradient, 0, 0, sample, out, 0);
            // The centre is inside the source for any shift of at most PAD: it reveals the shift and the mirroring.
            int centre = 16 * side + 16;
            boolean flip = column(out, centre + 1) < column(out, centre);
            int dx = column(out, centre) - (flip ? side - 1 - 16 : 16);
            int dy = row(out, centre) - 16;
            assertTrue(Math.abs(dx) <= Augmentation.PAD && Math.abs(dy) <= Augmentation.PAD, "shift " + dx + ", " + dy);
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    int sx = (flip ? side - 1 - x : x) + dx;
                    int sy = y + dy;
                    float expected0 = sx < 0 || sx >= side || sy < 0 || sy >= side ? normalized(0, 0) : normalized(0, 8 * sx);
                    assertEquals(expected0, out[y * side + x], 1e-5, "sample " + sample + " at " + x + "," + y);
                }
            }
            flips.add(flip);
            shifts.add(dx + "," + dy);
        }
        assertEquals(java.util.Set.of(true, false), flips, "40 samples, yet mirroring is never (or always) applied");
        assertTrue(shifts.size() >= 10, "40 samples took only " + shifts.size() + " different shifts");
    }

    private static float normalized(int channel, int value) {
        return (value / 255f - Normalization.MEAN[channel]) / Normalization.STD[channel];
    }

    private static int column(float[] out, int pixel) {
        return Math.round((out[pixel] * Normalization.STD[0] + Normalization.MEAN[0]) * 255f / 8f);
    }

    private static int row(float[] out, int pixel) {
        return Math.round((out[CifarFormat.PLANE + pixel] * Normalization.STD[1] + Normalization.MEAN[1]) * 255f / 8f);
    }
}
