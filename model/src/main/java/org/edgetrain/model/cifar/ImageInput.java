package org.edgetrain.model.cifar;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.image.BufferedImage;

/**
 * Turns a photo of any size into the network's input, as a user would expect of a 32x32 classifier: the largest
 * centred square of the image (so nothing is squeezed), scaled down to 32x32 by area averaging (every source pixel
 * counts, no aliasing), transparent parts on white, then RGB in [0, 1] normalized like the training images.
 */
public final class ImageInput {
    private ImageInput() {
    }

    /** @return {@code 3 * 32 * 32} floats, channel-major (NCHW order for one image) */
    public static float[] features(BufferedImage image) {
        int side = Math.min(image.getWidth(), image.getHeight());
        BufferedImage square = image.getSubimage((image.getWidth() - side) / 2, (image.getHeight() - side) / 2, side, side);
        Image scaled = square.getScaledInstance(CifarFormat.SIDE, CifarFormat.SIDE, Image.SCALE_AREA_AVERAGING);
        BufferedImage rgb = new BufferedImage(CifarFormat.SIDE, CifarFormat.SIDE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, CifarFormat.SIDE, CifarFormat.SIDE);
            g.drawImage(scaled, 0, 0, null);
        } finally {
            g.dispose();
        }
        float[] features = new float[CifarFormat.IMAGE_BYTES];
        for (int y = 0; y < CifarFormat.SIDE; y++) {
            for (int x = 0; x < CifarFormat.SIDE; x++) {
                int pixel = rgb.getRGB(x, y);
                int p = y * CifarFormat.SIDE + x;
                for (int c = 0; c < 3; c++) {
                    // as the training pipeline normalizes (Augmentation), to the last bit
                    float value = ((pixel >> (16 - 8 * c)) & 0xFF) / 255f;
                    features[c * CifarFormat.PLANE + p] = (value - Normalization.MEAN[c]) * (1f / Normalization.STD[c]);
                }
            }
        }
        return features;
    }

    /** @return CIFAR record {@code record} (label byte, then R, G and B planes) as an image, e.g. to write a PNG */
    public static BufferedImage image(byte[] record) {
        BufferedImage image = new BufferedImage(CifarFormat.SIDE, CifarFormat.SIDE, BufferedImage.TYPE_INT_RGB);
        for (int p = 0; p < CifarFormat.PLANE; p++) {
            int r = record[1 + p] & 0xFF;
            int g = record[1 + CifarFormat.PLANE + p] & 0xFF;
            int b = record[1 + 2 * CifarFormat.PLANE + p] & 0xFF;
            image.setRGB(p % CifarFormat.SIDE, p / CifarFormat.SIDE, (r << 16) | (g << 8) | b);
        }
        return image;
    }
}
