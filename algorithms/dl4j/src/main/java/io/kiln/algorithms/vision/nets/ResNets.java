package io.kiln.algorithms.vision.nets;

import java.util.List;
import java.util.Objects;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The ResNets of SageMaker's Image Classification built-in as Deeplearning4j computation graphs.
 *
 * <p>Source of the architecture: MXNet's {@code example/image-classification/symbols/resnet.py}
 * (the network SageMaker's MXNet-based Image Classification container trains), the pre-activation
 * ResNet ("v2") of He et al. 2016, <i>Identity Mappings in Deep Residual Networks</i>:
 * <ul>
 *   <li>{@code bn_data}: BatchNorm of the raw input, gamma fixed at 1 (MXNet {@code fix_gamma=True});</li>
 *   <li>stem: for height ≤ 32 a 3×3/1 convolution {@code conv0}; else a 7×7/2 convolution, BatchNorm,
 *       ReLU and a 3×3/2 max pooling (padding 1);</li>
 *   <li>stages of residual units, each {@code BN → ReLU → conv} twice (basic, 3×3 + 3×3) or three
 *       times (bottleneck, 1×1 to a quarter of the filters, 3×3 carrying the stride, 1×1 back); the
 *       first unit of a stage has a 1×1 projection shortcut taken from the first ReLU's output
 *       (stride 1 in stage 1, else 2); other units add the identity;</li>
 *   <li>head: BatchNorm, ReLU, global average pooling, a dense layer {@code fc1} with bias.</li>
 * </ul>
 * Families, chosen exactly as MXNet's {@code get_symbol} does:
 * <ul>
 *   <li>height ≤ 28 (e.g. MNIST-like): 3 stages of {@code u} units; {@code (numLayers-2) % 6 == 0}
 *       and {@code numLayers < 164}: basic units, {@code u = (n-2)/6}, filters 16, 16, 32, 64 (n = 20,
 *       32, 44, 56, 110); {@code (numLayers-2) % 9 == 0} and {@code numLayers ≥ 164}: bottleneck
 *       units, {@code u = (n-2)/9}, filters 16, 64, 128, 256 (n = 164, 1001...);</li>
 *   <li>height &gt; 28: 4 stages, units 18: 2-2-2-2, 34: 3-4-6-3, 50: 3-4-6-3, 101: 3-4-23-3,
 *       152: 3-8-36-3, 200: 3-24-36-3, 269: 3-30-48-8; basic units with filters 64, 64, 128, 256, 512
 *       below 50 layers, bottleneck units with 64, 256, 512, 1024, 2048 from 50.</li>
 * </ul>
 *
 * <p>Every convolution has no bias, padding {@code (k-1)/2} and floor output sizes (DL4J
 * {@link ConvolutionMode#Truncate}, as MXNet's and PyTorch's). BatchNorm: eps 2e-5, momentum 0.9
 * ({@code running = 0.9·running + 0.1·batch}, DL4J {@code decay 0.9}). DL4J keeps the running
 * mean and log10 of the running standard deviation as parameters ({@code <bn>_mean},
 * {@code <bn>_log10stdev}) and updates them through the gradient path: their "gradients" are
 * {@code 0.1·(running − batchMean)} and {@code log10 std_old − log10 std_new}, applied as they are
 * by a {@code NoOp} updater and not divided by the minibatch. Averaging the flattened gradient over
 * workers therefore moves every worker's running statistics identically: the mean by the
 * arithmetic mean of the workers' updates, the variance to the geometric mean of the variances
 * each worker would reach alone ({@code ResNetsTest} checks both). DL4J's other parameterisation
 * (the variance itself, {@code useLogStd(false)}) would average arithmetically, but DL4J
 * 1.0.0-M2.1 reads it back from JSON as {@code useLogStd=true} (a saved model or checkpoint would
 * misread its own variances), so the default log-std one is used.
 * Weights are initialised as MXNet's image-classification {@code fit.py} does
 * ({@code Xavier(gaussian, in, magnitude 2)}, i.e. He normal: DL4J {@link WeightInit#RELU}),
 * biases and BN beta at 0, gamma at 1, running variance at 1.
 *
 * <p><b>Weight decay.</b> MXNet's optimizer applies {@code wd} only to parameters whose name ends
 * in {@code _weight} or {@code _gamma} ({@code Optimizer.set_wd_mult}): biases and BatchNorm beta
 * are not decayed. Here the decay is DL4J's L2 regularisation ({@code gradient += wd·w} before the
 * updater, as MXNet adds {@code wd·weight} to the gradient), set with {@code l2(weightDecay)} on the
 * convolution and dense weights only; {@code l2Bias} stays 0 so {@code fc1}'s bias is not
 * decayed, and DL4J's BatchNormalization never regularises its parameters
 * ({@code getRegularizationByParam} returns none), so neither beta nor gamma is decayed. The one
 * difference from MXNet: MXNet also decays gamma; DL4J cannot without a custom BatchNorm layer.
 *
 * <p><b>Other differences from MXNet.</b> {@code bn_data} is a DL4J BatchNorm with gamma and beta
 * both locked (gamma 1, beta 0): DL4J cannot lock gamma alone, so the input BatchNorm lacks MXNet's
 * learnable per-channel shift ({@code channels} parameters fewer; the following bias-free
 * convolution sees a normalised input without that offset).
 *
 * <p>Layer (vertex) names follow MXNet's symbol names: {@code bn_data, conv0, bn0, relu0, pool0,
 * stage{s}_unit{u}_{bn1,relu1,conv1,bn2,...,sc,plus}, bn1, relu1, pool1, fc1}; the graph's input
 * is {@code data}, its output {@code fc1}. Input: NCHW float32 arrays {@code [batch, channels,
 * height, width]}; output {@code [batch, numClasses]} probabilities.
 */
public final class ResNets {

    /** MXNet's BatchNorm epsilon in resnet.py. */
    public static final double BN_EPS = 2e-5;
    /** MXNet's BatchNorm momentum in resnet.py (DL4J's decay). */
    public static final double BN_MOMENTUM = 0.9;
    /** Name of the graph's single input. */
    public static final String INPUT = "data";
    /** Name of the graph's single output layer (the classifier). */
    public static final String OUTPUT = "fc1";
    /** Name of the layer whose output is the last feature map (before global pooling). */
    public static final String LAST_FEATURES = "relu1";

    private ResNets() {
    }

    /**
     * The layout of one ResNet: stages, units per stage, filters and unit kind.
     *
     * @param units residual units per stage
     * @param filters {@code filters[0]} for {@code conv0}, {@code filters[i+1]} the output channels of stage i
     * @param bottleneck bottleneck (1×1, 3×3, 1×1) units rather than basic (3×3, 3×3) ones
     * @param smallStem 3×3/1 stem without pooling (height ≤ 32) rather than 7×7/2 + max pooling
     */
    public record Layout(List<Integer> units, List<Integer> filters, boolean bottleneck, boolean smallStem) {
    }

    /**
     * The layout MXNet's {@code get_symbol} picks for {@code numLayers} at an image {@code height}.
     *
     * @throws IllegalArgumentException when MXNet has no such network (e.g. 18 layers for a 28-pixel
     *     height, 20 layers for a 224-pixel one), naming the values that do exist
     */
    public static Layout layout(int numLayers, int height) {
        if (height < 1) {
            throw new IllegalArgumentException("image height " + height + " must be at least 1");
        }
        boolean smallStem = height <= 32;
        if (height <= 28) {
            if ((numLayers - 2) % 9 == 0 && numLayers >= 164) {
                int u = (numLayers - 2) / 9;
                return new Layout(List.of(u, u, u), List.of(16, 64, 128, 256), true, smallStem);
            }
            if ((numLayers - 2) % 6 == 0 && numLayers < 164 && numLayers >= 8) {
                int u = (numLayers - 2) / 6;
                return new Layout(List.of(u, u, u), List.of(16, 16, 32, 64), false, smallStem);
            }
            throw new IllegalArgumentException("num_layers " + numLayers + " has no ResNet for images of height "
                    + height + " (≤ 28): use 20, 32, 44, 56 or 110 (6k+2 below 164), or 9k+2 from 164");
        }
        List<Integer> units = switch (numLayers) {
            case 18 -> List.of(2, 2, 2, 2);
            case 34, 50 -> List.of(3, 4, 6, 3);
            case 101 -> List.of(3, 4, 23, 3);
            case 152 -> List.of(3, 8, 36, 3);
            case 200 -> List.of(3, 24, 36, 3);
            case 269 -> List.of(3, 30, 48, 8);
            default -> throw new IllegalArgumentException("num_layers " + numLayers + " has no ResNet for images of height "
                    + height + " (> 28): use 18, 34, 50, 101, 152, 200 or 269 (20, 32, 44, 56, 110 need height ≤ 28)");
        };
        boolean bottleneck = numLayers >= 50;
        List<Integer> filters = bottleneck ? List.of(64, 256, 512, 1024, 2048) : List.of(64, 64, 128, 256, 512);
        return new Layout(units, filters, bottleneck, smallStem);
    }

    /**
     * The Image Classification ResNet as a DL4J graph configuration (float32, NCHW).
     *
     * @param numLayers SageMaker's {@code num_layers}
     * @param channels image channels (1 gray, 3 colour; any positive count is accepted)
     * @param height image height in pixels (selects the family, see the class comment)
     * @param width image width in pixels
     * @param numClasses SageMaker's {@code num_classes}, the width of the output
     * @param multiLabel SageMaker's {@code multi_label=1}: sigmoid outputs with binary cross-entropy per
     *     class (DL4J {@code XENT}), labels a 0/1 vector; else softmax with multi-class cross-entropy
     *     (DL4J {@code MCXENT}), labels one-hot
     * @param seed weight initialisation seed
     * @param updater the optimiser (see {@link Optimizers})
     * @param weightDecay SageMaker's {@code weight_decay}, L2 on convolution and dense weights (see the class comment)
     * @throws IllegalArgumentException for a {@code numLayers}/{@code height} pair MXNet has no network for,
     *     non-positive sizes or fewer than 1 class, or a negative weight decay
     */
    public static ComputationGraphConfiguration imageClassification(int numLayers, int channels, int height, int width,
            int numClasses, boolean multiLabel, long seed, IUpdater updater, double weightDecay) {
        Objects.requireNonNull(updater, "updater");
        if (channels < 1 || width < 1) {
            throw new IllegalArgumentException("image shape " + channels + "," + height + "," + width
                    + " must have positive channels, height and width");
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException("num_classes " + numClasses + " must be at least 1");
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight_decay " + weightDecay + " must be ≥ 0");
        }
        Layout layout = layout(numLayers, height);

        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(updater)
                .weightInit(WeightInit.RELU)
                .l2(weightDecay)
                .convolutionMode(ConvolutionMode.Truncate)
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(height, width, channels));

        g.addLayer("bn_data", batchNorm().lockGammaBeta(true).gamma(1.0).beta(0.0).build(), INPUT);
        String body;
        int f0 = layout.filters().get(0);
        if (layout.smallStem()) {
            g.addLayer("conv0", conv(f0, 3, 1), "bn_data");
            body = "conv0";
        } else {
            g.addLayer("conv0", conv(f0, 7, 2), "bn_data");
            g.addLayer("bn0", batchNorm().build(), "conv0");
            g.addLayer("relu0", relu(), "bn0");
            g.addLayer("pool0", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(3, 3).stride(2, 2)
                    .padding(1, 1).build(), "relu0");
            body = "pool0";
        }
        for (int s = 0; s < layout.units().size(); s++) {
            int filters = layout.filters().get(s + 1);
            int stride = s == 0 ? 1 : 2;
            for (int u = 0; u < layout.units().get(s); u++) {
                body = unit(g, body, "stage" + (s + 1) + "_unit" + (u + 1), filters, u == 0 ? stride : 1, u != 0,
                        layout.bottleneck());
            }
        }
        g.addLayer("bn1", batchNorm().build(), body);
        g.addLayer("relu1", relu(), "bn1");
        g.addLayer("pool1", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "relu1");
        OutputLayer.Builder out = multiLabel
                ? new OutputLayer.Builder(LossFunction.XENT).activation(Activation.SIGMOID)
                : new OutputLayer.Builder(LossFunction.MCXENT).activation(Activation.SOFTMAX);
        g.addLayer(OUTPUT, out.nOut(numClasses).biasInit(0.0).build(), "pool1");
        g.setOutputs(OUTPUT);
        return g.build();
    }

    /** One pre-activation residual unit; returns the name of its output (the addition). */
    private static String unit(ComputationGraphConfiguration.GraphBuilder g, String in, String name, int filters,
            int stride, boolean dimMatch, boolean bottleneck) {
        g.addLayer(name + "_bn1", batchNorm().build(), in);
        g.addLayer(name + "_relu1", relu(), name + "_bn1");
        String last;
        if (bottleneck) {
            int inner = (int) (filters * 0.25);
            g.addLayer(name + "_conv1", conv(inner, 1, 1), name + "_relu1");
            g.addLayer(name + "_bn2", batchNorm().build(), name + "_conv1");
            g.addLayer(name + "_relu2", relu(), name + "_bn2");
            g.addLayer(name + "_conv2", conv(inner, 3, stride), name + "_relu2");
            g.addLayer(name + "_bn3", batchNorm().build(), name + "_conv2");
            g.addLayer(name + "_relu3", relu(), name + "_bn3");
            g.addLayer(name + "_conv3", conv(filters, 1, 1), name + "_relu3");
            last = name + "_conv3";
        } else {
            g.addLayer(name + "_conv1", conv(filters, 3, stride), name + "_relu1");
            g.addLayer(name + "_bn2", batchNorm().build(), name + "_conv1");
            g.addLayer(name + "_relu2", relu(), name + "_bn2");
            g.addLayer(name + "_conv2", conv(filters, 3, 1), name + "_relu2");
            last = name + "_conv2";
        }
        String shortcut = in;
        if (!dimMatch) {
            g.addLayer(name + "_sc", conv(filters, 1, stride), name + "_relu1");
            shortcut = name + "_sc";
        }
        g.addVertex(name + "_plus", new ElementWiseVertex(ElementWiseVertex.Op.Add), last, shortcut);
        return name + "_plus";
    }

    private static ConvolutionLayer conv(int filters, int kernel, int stride) {
        int pad = (kernel - 1) / 2;
        return new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).padding(pad, pad)
                .nOut(filters).hasBias(false).activation(Activation.IDENTITY).build();
    }

    private static BatchNormalization.Builder batchNorm() {
        return new BatchNormalization.Builder().eps(BN_EPS).decay(BN_MOMENTUM).useLogStd(true);
    }

    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }
}
