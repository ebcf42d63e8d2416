package io.kiln.algorithms.vision.detection;

import java.util.Arrays;
import java.util.Objects;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.objdetect.Yolo2OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * Object Detection's network: a single-shot YOLO v2-style detector (DL4J's {@code Yolo2OutputLayer})
 * on a small convolutional backbone, built with DL4J's graph API (float32, NCHW input {@code data},
 * output layer {@code yolo}).
 *
 * <p>SageMaker's Object Detection is an SSD on VGG-16 or ResNet-50 (its {@code base_network}). Those
 * backbones at 300–512 pixels are far beyond what DL4J's CPU convolutions train in reasonable time
 * (docs/dl4j-networks.md: about 25× PyTorch here), so each name maps to a scaled-down backbone of the
 * same family (see {@link Backbone}); every convolution is followed by BatchNorm (MXNet's eps 2e-5,
 * momentum 0.9, DL4J's log-std parameterisation as in {@code ResNets}). The whole state of the graph
 * is in its parameters (BatchNorm running statistics included) and its updater state, so it trains
 * under {@code SynchronousSgd}; the YOLO layer itself has no parameters.
 *
 * <p><b>Stride and grid.</b> The backbone's total stride is 8 when the image's smaller side is at most
 * 128 pixels, 16 up to 256, else 32 ({@link #stride}); the output grid is {@code ceil(height / stride)
 * × ceil(width / stride)} cells. A 64×64 image gets an 8×8 grid of 8-pixel cells, so objects of 16–32
 * pixels span 2–4 cells and rarely share a centre cell.
 *
 * <p><b>Priors (anchors).</b> YOLO v2 picks its priors by k-means over the training boxes; Kiln uses
 * three fixed priors at 1/8, 1/4 and 1/2 of the image's width and height ({@link #priors}), which
 * cover the objects the built-in is meant for (from an eighth of the image to about the whole of it:
 * a prediction's size is {@code prior · exp(t)}). For a 64×64 image they are 8, 16 and 32 pixels.
 *
 * <p><b>Head.</b> A 1×1 convolution with bias (Xavier initialisation) to {@code B · (5 + C)}
 * channels, {@code B} priors and {@code C} classes, then {@code Yolo2OutputLayer} with YOLO's loss
 * weights (λ_coord 5, λ_noobj 0.5) and DL4J's default L2 losses. Its output is activated: per prior,
 * {@code sigmoid} x/y offsets within the cell, width/height in grid units ({@code prior · exp}),
 * {@code sigmoid} objectness and the {@code softmax} class probabilities ({@link Decoding} reads it).
 */
public final class Detectors {

    /** Name of the graph's single input. */
    public static final String INPUT = "data";
    /** Name of the graph's single output layer (DL4J's {@code Yolo2OutputLayer}). */
    public static final String OUTPUT = "yolo";
    /** BatchNorm epsilon (MXNet's, as in {@code ResNets}). */
    public static final double BN_EPS = 2e-5;
    /** BatchNorm momentum (MXNet's; DL4J's decay). */
    public static final double BN_MOMENTUM = 0.9;
    /** YOLO's weight of the box position and size loss. */
    public static final double LAMBDA_COORD = 5.0;
    /** YOLO's weight of the confidence loss where no object is. */
    public static final double LAMBDA_NO_OBJECT = 0.5;

    private Detectors() {
    }

    /**
     * The backbone each SageMaker {@code base_network} maps to. Filters per stage are
     * {@code 16, 32, 64, 128, 256}; the number of stages follows the {@link #stride}.
     */
    public enum Backbone {
        /**
         * {@code resnet-50}: a pre-activation ResNet ("v2", the family of {@code ResNets}) with one
         * basic unit (BN, ReLU, 3×3 conv, BN, ReLU, 3×3 conv, identity or 1×1 projection shortcut) per
         * stage in place of ResNet-50's 3-4-6-3 bottleneck units: a 3×3/2 stem of 16 filters, a stage
         * at stride 1 and then one stride-2 stage per further halving, closed by BN and ReLU.
         */
        RESNET_50("resnet-50"),
        /**
         * {@code vgg-16}: VGG-style stacks of 3×3 convolutions (each followed by BatchNorm and ReLU, as
         * VGG-16-BN) and 2×2 max pooling, one convolution in each of the first two blocks and two in
         * every further block, in place of VGG-16's 2-2-3-3-3 stacks of 64–512 filters.
         */
        VGG_16("vgg-16");

        private final String sageMakerName;

        Backbone(String sageMakerName) {
            this.sageMakerName = sageMakerName;
        }

        /** SageMaker's {@code base_network} value. */
        public String sageMakerName() {
            return sageMakerName;
        }

        /**
         * @param baseNetwork SageMaker's {@code base_network} ({@code vgg-16} or {@code resnet-50})
         * @throws IllegalArgumentException naming the value and the accepted ones
         */
        public static Backbone of(String baseNetwork) {
            for (Backbone b : values()) {
                if (b.sageMakerName.equals(baseNetwork)) {
                    return b;
                }
            }
            throw new IllegalArgumentException("base_network (baseNetwork) '" + baseNetwork
                    + "' is not supported: use vgg-16 or resnet-50");
        }
    }

    /**
     * A detector: its graph configuration and the geometry {@link Decoding} and {@link YoloLabels}
     * need.
     *
     * @param configuration the DL4J graph ({@code data} → {@code yolo})
     * @param backbone the backbone it was built on
     * @param channels, height, width the input image shape
     * @param numClasses the classes {@code C}
     * @param stride pixels per grid cell
     * @param gridHeight grid cells down ({@code ceil(height / stride)})
     * @param gridWidth grid cells across
     * @param priors {@code B} priors as {@code {width, height}} in grid units
     */
    public record Network(ComputationGraphConfiguration configuration, Backbone backbone, int channels, int height,
            int width, int numClasses, int stride, int gridHeight, int gridWidth, double[][] priors) {

        /** The priors as DL4J wants them: a {@code [B, 2]} array of width, height in grid units. */
        public INDArray priorsArray() {
            return Nd4j.create(priors).castTo(DataType.FLOAT);
        }

        @Override
        public String toString() {
            return "Network[" + backbone.sageMakerName() + ", " + channels + "x" + height + "x" + width + ", classes "
                    + numClasses + ", stride " + stride + ", grid " + gridHeight + "x" + gridWidth + ", priors "
                    + Arrays.deepToString(priors) + "]";
        }
    }

    /**
     * The backbone's total stride for an image: 8 when the smaller side is at most 128 pixels, 16 up
     * to 256, else 32.
     */
    public static int stride(int height, int width) {
        int side = Math.min(height, width);
        return side <= 128 ? 8 : side <= 256 ? 16 : 32;
    }

    /**
     * The three YOLO priors for an image: 1/8, 1/4 and 1/2 of its width and height, in grid units of
     * {@code stride} pixels. Returns {@code {{w, h}, ...}}, smallest first.
     */
    public static double[][] priors(int height, int width, int stride) {
        double[] fractions = {0.125, 0.25, 0.5};
        double[][] out = new double[fractions.length][];
        for (int i = 0; i < fractions.length; i++) {
            out[i] = new double[] {fractions[i] * width / stride, fractions[i] * height / stride};
        }
        return out;
    }

    /**
     * Builds the detector.
     *
     * @param baseNetwork SageMaker's {@code base_network}: {@code vgg-16} or {@code resnet-50}
     * @param channels image channels (1 gray, 3 colour)
     * @param height image height in pixels (SageMaker's {@code image_shape} is the square side)
     * @param width image width in pixels
     * @param numClasses SageMaker's {@code num_classes}
     * @param seed weight initialisation seed
     * @param updater the optimiser (e.g. from {@code Optimizers})
     * @param weightDecay SageMaker's {@code weight_decay}: L2 on convolution weights (not on biases nor
     *     BatchNorm)
     * @throws IllegalArgumentException for an unknown base network, non-positive sizes, an image
     *     smaller than 2 × its stride, fewer than 1 class or a negative weight decay
     */
    public static Network yolo(String baseNetwork, int channels, int height, int width, int numClasses, long seed,
            IUpdater updater, double weightDecay) {
        Objects.requireNonNull(updater, "updater");
        Backbone backbone = Backbone.of(baseNetwork);
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("image shape " + channels + "," + height + "," + width
                    + " must have positive channels, height and width");
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException("num_classes (numClasses) " + numClasses + " must be at least 1");
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight_decay (weightDecay) " + weightDecay + " must be ≥ 0");
        }
        int stride = stride(height, width);
        if (Math.min(height, width) < 2 * stride) {
            throw new IllegalArgumentException("image shape " + height + "x" + width + " is too small for a detector: "
                    + "use at least " + 2 * stride + " pixels a side");
        }
        double[][] priors = priors(height, width, stride);
        int halvings = Integer.numberOfTrailingZeros(stride);

        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(updater)
                .weightInit(WeightInit.RELU)
                .l2(weightDecay)
                .convolutionMode(ConvolutionMode.Same)
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.convolutional(height, width, channels));
        g.addLayer("bn_data", batchNorm().lockGammaBeta(true).gamma(1.0).beta(0.0).build(), INPUT);
        String features = switch (backbone) {
            case RESNET_50 -> resnet(g, "bn_data", halvings);
            case VGG_16 -> vgg(g, "bn_data", halvings);
        };
        int outChannels = priors.length * (5 + numClasses);
        g.addLayer("head", new ConvolutionLayer.Builder(1, 1).nOut(outChannels).hasBias(true).biasInit(0.0)
                .weightInit(WeightInit.XAVIER).activation(Activation.IDENTITY).build(), features);
        g.addLayer(OUTPUT, new Yolo2OutputLayer.Builder().boundingBoxPriors(Nd4j.create(priors))
                .lambdaCoord(LAMBDA_COORD).lambdaNoObj(LAMBDA_NO_OBJECT).build(), "head");
        g.setOutputs(OUTPUT);
        int gridHeight = (height + stride - 1) / stride;
        int gridWidth = (width + stride - 1) / stride;
        return new Network(g.build(), backbone, channels, height, width, numClasses, stride, gridHeight, gridWidth,
                priors);
    }

    private static int filters(int stage) {
        return 16 << stage;
    }

    /** Stem 3×3/2, then stages 1..halvings (stage 1 at stride 1, the rest stride 2), BN, ReLU. */
    private static String resnet(ComputationGraphConfiguration.GraphBuilder g, String in, int halvings) {
        g.addLayer("conv0", conv(filters(0), 3, 2), in);
        String body = "conv0";
        for (int s = 1; s <= halvings; s++) {
            int stride = s == 1 ? 1 : 2;
            body = unit(g, body, "stage" + s + "_unit1", filters(s - 1), stride, s == 1);
        }
        g.addLayer("bn1", batchNorm().build(), body);
        g.addLayer("relu1", relu(), "bn1");
        return "relu1";
    }

    /** One pre-activation basic unit (MXNet's resnet.py, as {@code ResNets} builds it). */
    private static String unit(ComputationGraphConfiguration.GraphBuilder g, String in, String name, int filters,
            int stride, boolean dimMatch) {
        g.addLayer(name + "_bn1", batchNorm().build(), in);
        g.addLayer(name + "_relu1", relu(), name + "_bn1");
        g.addLayer(name + "_conv1", conv(filters, 3, stride), name + "_relu1");
        g.addLayer(name + "_bn2", batchNorm().build(), name + "_conv1");
        g.addLayer(name + "_relu2", relu(), name + "_bn2");
        g.addLayer(name + "_conv2", conv(filters, 3, 1), name + "_relu2");
        String shortcut = in;
        if (!dimMatch) {
            g.addLayer(name + "_sc", conv(filters, 1, stride), name + "_relu1");
            shortcut = name + "_sc";
        }
        g.addVertex(name + "_plus", new ElementWiseVertex(ElementWiseVertex.Op.Add), name + "_conv2", shortcut);
        return name + "_plus";
    }

    /** Blocks 1..halvings: conv(s) 3×3 + BN + ReLU, then 2×2/2 max pooling; a last conv block unpooled. */
    private static String vgg(ComputationGraphConfiguration.GraphBuilder g, String in, int halvings) {
        String body = in;
        for (int b = 1; b <= halvings; b++) {
            int convs = b <= 2 ? 1 : 2;
            for (int c = 1; c <= convs; c++) {
                String name = "conv" + b + "_" + c;
                g.addLayer(name, conv(filters(b - 1), 3, 1), body);
                g.addLayer("bn" + b + "_" + c, batchNorm().build(), name);
                g.addLayer("relu" + b + "_" + c, relu(), "bn" + b + "_" + c);
                body = "relu" + b + "_" + c;
            }
            g.addLayer("pool" + b, new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                    .build(), body);
            body = "pool" + b;
        }
        String name = "conv" + (halvings + 1) + "_1";
        g.addLayer(name, conv(filters(halvings - 1), 3, 1), body);
        g.addLayer("bn" + (halvings + 1) + "_1", batchNorm().build(), name);
        g.addLayer("relu" + (halvings + 1) + "_1", relu(), "bn" + (halvings + 1) + "_1");
        return "relu" + (halvings + 1) + "_1";
    }

    private static ConvolutionLayer conv(int filters, int kernel, int stride) {
        return new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nOut(filters).hasBias(false)
                .activation(Activation.IDENTITY).build();
    }

    private static BatchNormalization.Builder batchNorm() {
        return new BatchNormalization.Builder().eps(BN_EPS).decay(BN_MOMENTUM).useLogStd(true);
    }

    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }
}
