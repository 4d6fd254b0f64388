import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DL4J program that knows nothing of edgetrain: loads an exported model zip and prints the class probabilities of
 * the images in a file of little-endian floats (N x 3 x 32 x 32), one line per image.
 * Run as a single-file source program: java -cp DL4J_ONLY PlainDl4jLoad.java MODEL.zip IMAGES.bin N
 */
public class PlainDl4jLoad {
    public static void main(String[] args) throws Exception {
        ComputationGraph graph = ComputationGraph.load(Path.of(args[0]).toFile(), false);
        int n = Integer.parseInt(args[2]);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(Path.of(args[1]))).order(ByteOrder.LITTLE_ENDIAN);
        float[] pixels = new float[n * 3 * 32 * 32];
        bytes.asFloatBuffer().get(pixels);
        INDArray out = graph.outputSingle(false, Nd4j.create(pixels, new long[] {n, 3, 32, 32}, 'c'));
        for (int i = 0; i < n; i++) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < 10; c++) {
                line.append(c == 0 ? "" : " ").append(out.getFloat(i, c));
            }
            System.out.println(line);
        }
    }
}
