package io.kiln.algorithms.vision.nets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The child JVM of {@code Nd4jThreadsTest}: optionally limits ND4J's threads (argument: the limit,
 * or 0 for none), runs convolutions, BatchNorm and a matrix product, and prints one line
 * {@code limits=<max> created=<native threads started by ND4J's work> names=<their names>}.
 * Native threads are the process's tasks ({@code /proc/self/task}) that appeared during ND4J's
 * work minus the Java threads that appeared meanwhile.
 */
public final class ThreadProbe {

    private ThreadProbe() {
    }

    /** @param args {@code [limit]}, 0 for ND4J's defaults */
    public static void main(String[] args) throws Exception {
        int limit = Integer.parseInt(args[0]);
        List<String> before = tasks();
        int javaBefore = Thread.getAllStackTraces().size();
        if (limit > 0) {
            Nd4jThreads.limit(limit);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(16).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(32, 32, 3)).build());
        net.init();
        INDArray x = Nd4j.rand(32, 3, 32, 32);
        INDArray y = Nd4j.zeros(32, 10);
        for (int i = 0; i < 32; i++) {
            y.putScalar(i, i % 10, 1);
        }
        for (int i = 0; i < 3; i++) {
            net.fit(x, y);
        }
        Nd4j.rand(512, 512).mmul(Nd4j.rand(512, 512)).sumNumber();
        List<String> after = tasks();
        int javaAfter = Thread.getAllStackTraces().size();
        List<String> created = new ArrayList<>(after);
        for (String t : before) {
            created.remove(t);
        }
        int nativeCreated = created.size() - Math.max(0, javaAfter - javaBefore);
        System.out.println("limits=" + Nd4jThreads.current() + " created=" + nativeCreated + " names=" + created);
    }

    /** Each task of this process as "tid:comm". */
    static List<String> tasks() throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/task"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    out.add(p.getFileName() + ":" + Files.readString(p.resolve("comm")).trim());
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return out;
    }
}
