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
}
