package org.edgetrain.compute.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.edgetrain.compute.io.Json;
import org.edgetrain.model.cifar.Batch;
import org.edgetrain.model.cifar.CifarFormat;
import org.edgetrain.model.cifar.ImageInput;
import org.edgetrain.model.engine.TrainingEngine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code edgetrain predict}: what a trained model sees in photos. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Classify PNG or JPEG images (any size: the centred square, scaled to 32x32) with a model file.")
public final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "a DL4J model.zip (edgetrain model export, demo, train-local --save)")
    Path model;

    @Option(names = "--top", defaultValue = "3", description = "classes to show per image; default: ${DEFAULT-VALUE}")
    int top;

    @Option(names = "--json", description = "print JSON: a list with one object per image (image, top: class, probability)")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "PNG or JPEG files")
    List<Path> images;

    /** One class and its probability. */
    public record Guess(@com.fasterxml.jackson.annotation.JsonProperty("class") String label, double probability) {
    }

    /** What the model sees in one image. */
    public record Prediction(String image, List<Guess> top) {
    }

    @Override
    public Integer call() {
        if (top < 1 || top > CifarFormat.CLASSES) {
            throw new EdgetrainCommand.UserError("--top must be 1 to " + CifarFormat.CLASSES + ", got " + top);
        }
        float[] features = new float[images.size() * CifarFormat.IMAGE_BYTES];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(ImageInput.features(read(images.get(i))), 0, features, i * CifarFormat.IMAGE_BYTES,
                    CifarFormat.IMAGE_BYTES);
        }
        List<Prediction> predictions = new ArrayList<>();
        try (TrainingEngine engine = ModelFiles.open(model)) {
            float[] probabilities = engine.probabilities(new Batch(features, new int[images.size()]));
            for (int i = 0; i < images.size(); i++) {
                int offset = i * CifarFormat.CLASSES;
                List<Guess> guesses = IntStream.range(0, CifarFormat.CLASSES).boxed()
                        .sorted(Comparator.comparingDouble(c -> -probabilities[offset + c])).limit(top)
                        .map(c -> new Guess(CifarFormat.LABEL_NAMES.get(c), probabilities[offset + c])).toList();
                predictions.add(new Prediction(images.get(i).toString(), guesses));
            }
        }
        if (json) {
            DataOutput.stream().println(Json.write(predictions));
            return 0;
        }
        for (Prediction p : predictions) {
            System.out.println(p.image() + ": " + String.join(", ", p.top().stream()
                    .map(g -> String.format("%s %.1f %%", g.label(), 100 * g.probability())).toList()));
        }
        return 0;
    }

    /** @throws EdgetrainCommand.UserError naming the file when it is missing or not a decodable PNG or JPEG */
    private static BufferedImage read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new EdgetrainCommand.UserError("image " + file + " does not exist");
        }
        try {
            BufferedImage image = ImageIO.read(file.toFile());
            if (image == null) {
                throw new EdgetrainCommand.UserError(file + " is not a PNG or JPEG image: pass photos in one of those formats");
            }
            return image;
        } catch (IOException e) {
            throw new EdgetrainCommand.UserError(file + " cannot be decoded as an image (" + e.getMessage()
                    + "): it is damaged or truncated");
        }
    }
}
