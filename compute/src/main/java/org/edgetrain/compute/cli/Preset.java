package org.edgetrain.compute.cli;

import java.util.Arrays;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A named recipe of training options ({@code --preset}); options given beside it on the command line win.
 *
 * @param model network
 * @param batch images per step
 * @param learningRate peak learning rate
 * @param schedule schedule kind
 * @param warmupEpochs linear warm-up
 * @param momentum Nesterov momentum
 * @param weightDecay L2 weight decay
 * @param epochs length of training
 */
public record Preset(String name, String model, int batch, double learningRate, String schedule, double warmupEpochs,
                     double momentum, double weightDecay, int epochs) {
    /**
     * He et al. 2016, section 4.2 (CIFAR-10): ResNet-32, SGD with momentum 0.9 and weight decay 1e-4, batch 128,
     * learning rate 0.1 divided by 10 at 32k and 48k of 64k iterations, which is 50 % and 75 % of 164 epochs of
     * 50,000 images (64,000 x 128 / 50,000 = 163.8). No warm-up: the paper warms up only ResNet-110.
     */
    public static final Preset PAPER_RESNET32 = new Preset("paper-resnet32", "resnet32", 128, 0.1, "step", 0, 0.9,
            1e-4, 164);

    private static final Preset[] ALL = {PAPER_RESNET32};

    /** Accepts the presets' names. */
    static final class Name implements ITypeConverter<Preset> {
        @Override
        public Preset convert(String value) {
            return Arrays.stream(ALL).filter(p -> p.name.equals(value.toLowerCase(Locale.ROOT))).findFirst()
                    .orElseThrow(() -> new TypeConversionException("unknown preset '" + value + "': use "
                            + String.join(", ", Arrays.stream(ALL).map(Preset::name).toList())));
        }
    }
}
