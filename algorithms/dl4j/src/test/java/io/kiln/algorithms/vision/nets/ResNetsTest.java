package io.kiln.algorithms.vision.nets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/** The DL4J ResNets against the PyTorch reference, MXNet's BatchNorm and weight-decay rules. */
class ResNetsTest {

    /** {num_layers, channels, height, width}: every SageMaker num_layers at a small and a 224 input. */
    private static final int[][] SHAPES = {
        {20, 1, 28, 28}, {32, 1, 28, 28}, {44, 3, 28, 28}, {56, 1, 28, 28}, {110, 1, 28, 28}, {164, 1, 28, 28},
        {20, 3, 9, 13},
        {18, 3, 32, 32}, {18, 1, 64, 48}, {34, 3, 64, 64}, {50, 3, 64, 64}, {101, 1, 96, 96}, {152, 3, 64, 64},
        {200, 3, 64, 64},
        {18, 3, 224, 224}, {34, 3, 224, 224}, {50, 3, 224, 224}, {101, 3, 224, 224}, {152, 3, 224, 224},
        {200, 3, 224, 224},
    };

    record Counts(long trainable, long running, List<Long> features, List<Long> output) {
    }

    static Counts dl4j(ComputationGraphConfiguration conf, int channels, int height, int width) {
        long trainable = 0;
        long running = 0;
        for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
            if (e.getValue() instanceof LayerVertex lv) {
                Layer layer = lv.getLayerConf().getLayer();
                long n = layer.initializer().numParams(lv.getLayerConf());
                if (layer instanceof BatchNormalization bn) {
                    long stats = 2 * bn.getNOut();
                    running += stats;
                    n -= stats;
                }
                trainable += n;
            }
        }
        Map<String, InputType> types = conf.getLayerActivationTypes(InputType.convolutional(height, width, channels));
        InputType.InputTypeConvolutional f = (InputType.InputTypeConvolutional) types.get(ResNets.LAST_FEATURES);
        InputType.InputTypeFeedForward out = (InputType.InputTypeFeedForward) types.get(ResNets.OUTPUT);
        return new Counts(trainable, running, List.of(f.getChannels(), f.getHeight(), f.getWidth()),
                List.of(2L, out.getSize()));
    }

    static Path referenceScript() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("scripts/lib/kiln_resnet_v2.py");
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new AssertionError("scripts/lib/kiln_resnet_v2.py not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    void parameterCountsAndShapesEqualPyTorchsForEveryNumLayers() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        assertThat(Files.isExecutable(python)).as("/usr/bin/python3 is missing: apt-get install python3-torch").isTrue();
        List<String> cmd = new ArrayList<>(List.of(python.toString(), referenceScript().toString()));
        for (int[] s : SHAPES) {
            cmd.add("{\"num_layers\":" + s[0] + ",\"channels\":" + s[1] + ",\"height\":" + s[2] + ",\"width\":" + s[3]
                    + ",\"num_classes\":" + (7 + s[0] % 5) + "}");
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as("PyTorch is missing: apt-get install python3-torch").doesNotContain("No module named 'torch'");
        assertThat(p.exitValue()).as(out).isZero();
        Pattern line = Pattern.compile("\\{\"trainable\": (\\d+), \"running\": (\\d+), \"features\": \\[(\\d+), (\\d+), (\\d+)], \"output\": \\[(\\d+), (\\d+)]}");
        List<Counts> torch = new ArrayList<>();
        for (String l : out.split("\n")) {
            Matcher m = line.matcher(l.trim());
            if (m.matches()) {
                torch.add(new Counts(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                        List.of(Long.parseLong(m.group(3)), Long.parseLong(m.group(4)), Long.parseLong(m.group(5))),
                        List.of(Long.parseLong(m.group(6)), Long.parseLong(m.group(7)))));
            }
        }
        assertThat(torch).as(out).hasSize(SHAPES.length);
        for (int i = 0; i < SHAPES.length; i++) {
            int[] s = SHAPES[i];
            ComputationGraphConfiguration conf = ResNets.imageClassification(s[0], s[1], s[2], s[3], 7 + s[0] % 5,
                    false, 1, new MxnetSgd(), 1e-4);
            assertThat(dl4j(conf, s[1], s[2], s[3])).as("ResNet-%d at %dx%dx%d", s[0], s[1], s[2], s[3])
                    .isEqualTo(torch.get(i));
        }
        // known sizes: ResNet-20 (CIFAR) 0.27 M, ResNet-50 at 1000 classes 25.5 M (MXNet's pre-activation one)
        assertThat(torch.get(0).trainable()).isBetween(270_000L, 275_000L);
    }

    @Test
    void combinationsMxnetHasNoNetworkForAreRefused() {
        assertThatThrownBy(() -> ResNets.imageClassification(18, 1, 28, 28, 10, false, 1, new MxnetSgd(), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("num_layers 18")
                .hasMessageContaining("height 28").hasMessageContaining("20, 32, 44, 56 or 110");
        assertThatThrownBy(() -> ResNets.imageClassification(20, 3, 224, 224, 10, false, 1, new MxnetSgd(), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("num_layers 20")
                .hasMessageContaining("18, 34, 50, 101, 152, 200");
        assertThatThrownBy(() -> ResNets.imageClassification(19, 1, 28, 28, 10, false, 1, new MxnetSgd(), 0))
                .isInstanceOf(IllegalArgumentException.class);
        // as in MXNet, 50 = 6·8+2 at height ≤ 28 is the 3-stage basic family, not the bottleneck ResNet-50
        assertThat(ResNets.layout(50, 28)).isEqualTo(new ResNets.Layout(List.of(8, 8, 8), List.of(16, 16, 32, 64), false, true));
        assertThatThrownBy(() -> ResNets.imageClassification(2, 1, 28, 28, 10, false, 1, new MxnetSgd(), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ResNets.imageClassification(20, 1, 28, 28, 0, false, 1, new MxnetSgd(), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("num_classes 0");
        assertThatThrownBy(() -> ResNets.imageClassification(20, 0, 28, 28, 3, false, 1, new MxnetSgd(), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("image shape 0,28,28");
        assertThatThrownBy(() -> ResNets.imageClassification(20, 1, 28, 28, 3, false, 1, new MxnetSgd(), -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight_decay");
    }

    @Test
    void outputIsSoftmaxCrossEntropyOrSigmoidBinaryCrossEntropyAndTheConfigRoundTripsAsJson() {
        ComputationGraphConfiguration single = ResNets.imageClassification(20, 1, 28, 28, 4, false, 1,
                Optimizers.updater("sgd", 0.1, "2,4", 0.1, 0.9, 0.9, 0.999, 1e-8, 0.9), 1e-4);
        OutputLayer o = (OutputLayer) ((LayerVertex) single.getVertices().get(ResNets.OUTPUT)).getLayerConf().getLayer();
        assertThat(o.getLossFn()).isInstanceOf(LossMCXENT.class);
        assertThat(o.getActivationFn()).isInstanceOf(ActivationSoftmax.class);
        ComputationGraphConfiguration multi = ResNets.imageClassification(20, 1, 28, 28, 4, true, 1, new MxnetSgd(), 1e-4);
        OutputLayer m = (OutputLayer) ((LayerVertex) multi.getVertices().get(ResNets.OUTPUT)).getLayerConf().getLayer();
        assertThat(m.getLossFn()).isInstanceOf(LossBinaryXENT.class);
        assertThat(m.getActivationFn()).isInstanceOf(ActivationSigmoid.class);
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(single.toJson());
        assertThat(back.toJson()).isEqualTo(single.toJson());
        BaseLayer conv = (BaseLayer) ((LayerVertex) back.getVertices().get("conv0")).getLayerConf().getLayer();
        assertThat(conv.getIUpdater()).isInstanceOf(MxnetSgd.class).isEqualTo(
                ((BaseLayer) ((LayerVertex) single.getVertices().get("conv0")).getLayerConf().getLayer()).getIUpdater());
        assertThat(conv.getIUpdater().getLearningRate(0, 4)).isCloseTo(0.001, within(1e-12));
    }

    private static ComputationGraph graph(double weightDecay, double lr, double momentum) {
        ComputationGraph g = new ComputationGraph(ResNets.imageClassification(20, 1, 8, 8, 3, false, 42,
                new MxnetSgd(lr, null, momentum), weightDecay));
        g.init();
        return g;
    }

    private static INDArray oneHot(int n, int classes, int shift) {
        INDArray y = Nd4j.zeros(n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, (i + shift) % classes, 1);
        }
        return y;
    }

    /** The trainer's step: gradient, (all-reduced) flattened gradient written back, updater, params -= update. */
    private static void step(ComputationGraph g, INDArray x, INDArray y, INDArray averagedGradient) {
        g.setInputs(x);
        g.setLabels(y);
        g.computeGradientAndScore();
        Gradient gr = g.gradient();
        if (averagedGradient != null) {
            gr.gradient().assign(averagedGradient);
        }
        g.getUpdater().update(gr, 0, 0, (int) x.size(0), LayerWorkspaceMgr.noWorkspaces());
        g.params().subi(gr.gradient());
    }

    @Test
    void batchNormRunningStatisticsMoveByTheWorkersAverageBatchStatistics() {
        ComputationGraph w1 = graph(1e-4, 0.1, 0.9);
        ComputationGraph w2 = graph(1e-4, 0.1, 0.9);
        assertThat(w1.params()).isEqualTo(w2.params());
        Nd4j.getRandom().setSeed(7);
        INDArray x1 = Nd4j.rand(4, 1, 8, 8).muli(2).addi(1);   // mean ≈ 2
        INDArray x2 = Nd4j.rand(4, 1, 8, 8).muli(6).subi(5);   // mean ≈ -2
        INDArray y1 = oneHot(4, 3, 0);
        INDArray y2 = oneHot(4, 3, 1);
        // each worker's gradient, then their average (the all-reduce)
        for (ComputationGraph[] pair : new ComputationGraph[][] {{w1, w2}}) {
            pair[0].setInputs(x1);
            pair[0].setLabels(y1);
            pair[0].computeGradientAndScore();
            INDArray g1 = pair[0].gradient().gradient().dup();
            pair[1].setInputs(x2);
            pair[1].setLabels(y2);
            pair[1].computeGradientAndScore();
            INDArray g2 = pair[1].gradient().gradient().dup();
            INDArray avg = g1.add(g2).divi(2);
            step(pair[0], x1, y1, avg);
            step(pair[1], x2, y2, avg);
        }
        assertThat(w1.params()).isEqualTo(w2.params());
        // bn_data normalises the raw pixels: running = 0.9·running + 0.1·(mean of the two batch statistics)
        double m1 = x1.meanNumber().doubleValue();
        double m2 = x2.meanNumber().doubleValue();
        double v1 = x1.varNumber().doubleValue() * (x1.length() - 1) / x1.length(); // biased (population) variance
        double v2 = x2.varNumber().doubleValue() * (x2.length() - 1) / x2.length();
        double runningMean = w1.getParam("bn_data_mean").getDouble(0);
        double runningVar = Math.pow(10, 2 * w1.getParam("bn_data_log10stdev").getDouble(0));
        assertThat(runningMean).isCloseTo(0.1 * (m1 + m2) / 2, within(1e-5));
        // log10(std) averaged: the geometric mean of the variances each worker would reach alone
        assertThat(runningVar).isCloseTo(Math.sqrt((0.9 + 0.1 * v1) * (0.9 + 0.1 * v2)), within(1e-4));
        assertThat(Math.abs(runningMean - 0.1 * m1)).as("the statistics of worker 1 alone would differ").isGreaterThan(0.05);
    }

    @Test
    void weightDecayReachesWeightsButNotBiasesNorBatchNorm() {
        ComputationGraphConfiguration conf = ResNets.imageClassification(20, 1, 8, 8, 3, false, 42, new MxnetSgd(), 0.5);
        BaseLayer conv = (BaseLayer) ((LayerVertex) conf.getVertices().get("stage2_unit1_conv1")).getLayerConf().getLayer();
        List<Regularization> reg = conv.getRegularization();
        assertThat(reg).singleElement().isInstanceOf(L2Regularization.class);
        // numerically: one plain-SGD step with wd 0.5 against one with wd 0 from the same weights and data
        double lr = 0.1;
        double wd = 0.5;
        ComputationGraph a = graph(0, lr, 0);
        ComputationGraph b = graph(wd, lr, 0);
        INDArray before = a.params().dup();
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(4, 1, 8, 8);
        INDArray y = oneHot(4, 3, 0);
        step(a, x, y, null);
        step(b, x, y, null);
        Map<String, INDArray> pa = a.paramTable();
        Map<String, INDArray> pb = b.paramTable();
        ComputationGraph ref = graph(0, lr, 0);
        ref.setParams(before);
        int decayed = 0;
        for (String k : pa.keySet()) {
            INDArray diff = pb.get(k).sub(pa.get(k));
            if (k.endsWith("_W") && !k.startsWith("bn")) {
                INDArray expected = ref.getParam(k).mul(-lr * wd);
                assertThat(diff.sub(expected).amaxNumber().doubleValue()).as(k).isLessThan(1e-5);
                decayed++;
            } else {
                assertThat(diff.amaxNumber().doubleValue()).as(k).isLessThan(1e-7);
            }
        }
        // conv0, 9 units × 2 convolutions, the 3 first units' projections (MXNet projects in stage 1 too), fc1
        assertThat(decayed).isEqualTo(1 + 9 * 2 + 3 + 1);
    }

    @Test
    void aSmallResNetLearnsSeparableImages() {
        ComputationGraph g = graph(1e-4, 0.05, 0.9);
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(16, 1, 8, 8);
        INDArray y = Nd4j.zeros(16, 3);
        for (int i = 0; i < 16; i++) {
            int c = i % 3;
            x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).addi(c);
            y.putScalar(i, c, 1);
        }
        g.setInputs(x);
        g.setLabels(y);
        g.computeGradientAndScore();
        double first = g.score();
        for (int i = 0; i < 15; i++) {
            step(g, x, y, null);
        }
        g.setInputs(x);
        g.setLabels(y);
        g.computeGradientAndScore();
        assertThat(g.score()).isLessThan(first / 2);
    }
}
