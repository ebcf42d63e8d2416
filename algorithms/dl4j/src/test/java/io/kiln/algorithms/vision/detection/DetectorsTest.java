package io.kiln.algorithms.vision.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kiln.algorithms.vision.detection.Decoding.Detection;
import io.kiln.algorithms.vision.detection.YoloLabels.Box;
import io.kiln.algorithms.vision.nets.Nd4jThreads;
import io.kiln.algorithms.vision.nets.Optimizers;
import io.kiln.algorithms.vision.training.SynchronousSgd;
import io.kiln.spi.WorkerContext;
import io.kiln.testing.SharedData;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

class DetectorsTest {

    // ---- labels -------------------------------------------------------------------------------

    @Test
    void labelsPutCornersInGridUnitsAndTheClassAtTheCentreCell() {
        // grid 4 (h) x 4 (w), 2 classes
        Box a = new Box(1, 0.1, 0.2, 0.4, 0.6); // centre (0.25, 0.4) -> cell x 1, y 1
        Box edge = new Box(0, 0.5, 0.5, 1.0, 1.0); // centre (0.75, 0.75) -> cell 3, 3
        INDArray l = YoloLabels.labels(List.of(List.of(a, edge), List.of()), 2, 4, 4);
        assertThat(l.shape()).containsExactly(2, 6, 4, 4);
        assertThat(l.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(cell(l, 0, 1, 1)).containsExactly(new float[] {0.4f, 0.8f, 1.6f, 2.4f, 0f, 1f}, within(1e-6f));
        assertThat(cell(l, 0, 3, 3)).containsExactly(2f, 2f, 4f, 4f, 1f, 0f);
        // everything else is zero: the sum is exactly those two cells'
        assertThat(l.sumNumber().doubleValue()).isCloseTo(0.4 + 0.8 + 1.6 + 2.4 + 1 + 2 + 2 + 4 + 4 + 1, within(1e-5));
        assertThat(l.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)).sumNumber().doubleValue()).isZero();
    }

    @Test
    void labelsOnANonSquareGridAndACentreOnACellBorder() {
        // grid 2 (h) x 3 (w): centre x 0.5 * 3 = 1.5 -> column 1; centre y 0.5 * 2 = 1.0 -> row 1 (floor)
        Box b = new Box(2, 0.25, 0.25, 0.75, 0.75);
        INDArray l = YoloLabels.labels(List.of(List.of(b)), 3, 2, 3);
        assertThat(l.shape()).containsExactly(1, 7, 2, 3);
        assertThat(cell(l, 0, 1, 1)).containsExactly(0.75f, 0.5f, 2.25f, 1.5f, 0f, 0f, 1f);
        assertThat(l.sumNumber().doubleValue()).isCloseTo(0.75 + 0.5 + 2.25 + 1.5 + 1, within(1e-6));
    }

    @Test
    void twoCentresInOneCellKeepTheLargerBox() {
        Box small = new Box(0, 0.2, 0.2, 0.3, 0.3);
        Box large = new Box(1, 0.0, 0.0, 0.5, 0.5);
        for (List<Box> order : List.of(List.of(small, large), List.of(large, small))) {
            INDArray l = YoloLabels.labels(List.of(order), 2, 2, 2); // both centres in cell (0, 0)
            assertThat(cell(l, 0, 0, 0)).containsExactly(0f, 0f, 1f, 1f, 0f, 1f);
        }
    }

    @Test
    void badBoxesAreRefusedNamingImageAndBox() {
        assertThatThrownBy(() -> YoloLabels.labels(List.of(List.of(), List.of(new Box(0, 0, 0, 0.5, 0.5),
                new Box(3, 0, 0, 0.5, 0.5))), 3, 4, 4)).hasMessage("image 1, box 1: class 3 is outside 0..2 (num_classes 3)");
        assertThatThrownBy(() -> YoloLabels.labels(List.of(List.of(new Box(0, -0.1, 0, 0.5, 0.5))), 3, 4, 4))
                .hasMessageContaining("image 0, box 0: coordinates -0.1").hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> YoloLabels.labels(List.of(List.of(new Box(0, 0.5, 0, 0.5, 0.5))), 3, 4, 4))
                .hasMessageContaining("is empty");
    }

    // ---- networks -----------------------------------------------------------------------------

    @Test
    void backbonesGridsAndPriors() {
        for (String base : List.of("resnet-50", "vgg-16")) {
            Detectors.Network n = Detectors.yolo(base, 1, 64, 64, 3, 1, adam(1e-3), 0);
            assertThat(n.stride()).isEqualTo(8);
            assertThat(n.gridHeight()).isEqualTo(8);
            assertThat(n.priors()).isDeepEqualTo(new double[][] {{1, 1}, {2, 2}, {4, 4}});
            ComputationGraph g = new ComputationGraph(n.configuration());
            g.init();
            INDArray out = g.outputSingle(Nd4j.rand(DataType.FLOAT, 2, 1, 64, 64));
            assertThat(out.shape()).as(base).containsExactly(2, 3 * (5 + 3), 8, 8);
            // the whole state is parameters: a JSON round trip restores the same graph
            ComputationGraph copy = new ComputationGraph(
                    org.deeplearning4j.nn.conf.ComputationGraphConfiguration.fromJson(n.configuration().toJson()));
            copy.init(g.params().dup(), false);
            assertThat(copy.outputSingle(Nd4j.ones(DataType.FLOAT, 1, 1, 64, 64)))
                    .isEqualTo(g.outputSingle(Nd4j.ones(DataType.FLOAT, 1, 1, 64, 64)));
        }
        Detectors.Network big = Detectors.yolo("resnet-50", 3, 300, 300, 20, 1, adam(1e-3), 5e-4);
        assertThat(big.stride()).isEqualTo(32);
        assertThat(big.gridWidth()).isEqualTo(10);
        assertThat(big.priors()[2][0]).isCloseTo(150.0 / 32, within(1e-12));
        assertThat(Detectors.stride(200, 512)).isEqualTo(16);
        assertThatThrownBy(() -> Detectors.yolo("resnet-101", 3, 64, 64, 3, 1, adam(1e-3), 0))
                .hasMessage("base_network (baseNetwork) 'resnet-101' is not supported: use vgg-16 or resnet-50");
        assertThatThrownBy(() -> Detectors.yolo("vgg-16", 3, 12, 64, 3, 1, adam(1e-3), 0))
                .hasMessageContaining("too small");
    }

    // ---- training -----------------------------------------------------------------------------

    private static final int SIZE = 64;
    private static final int[] DIGITS = {0, 1, 2}; // class i is digit DIGITS[i]

    /**
     * The detector learns digit scenes under SynchronousSgd (one worker): real 8x8 digits upscaled to
     * 16-32 px, 2-4 per 64x64 gray canvas, 3 classes; validation scenes use other source digits.
     * Training stops once half the validation objects are found at IoU 0.5 with precision 0.75
     * (an untrained network finds almost none): about 10 epochs of 16 steps, 6-7 s each on a quiet
     * 2-core machine (the job-level test of Object Detection holds the acceptance's mAP); up to 30 s
     * an epoch when the machine is shared, hence the longer timeout.
     */
    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void resnetDetectorFindsDigitsInScenesTrainedWithSynchronousSgd() {
        Nd4jThreads.limit(2);
        List<List<float[]>> train = new ArrayList<>();
        List<List<float[]>> validation = new ArrayList<>();
        splitDigits(train, validation);
        Random rnd = new Random(7);
        Scenes trainSet = scenes(train, 256, rnd);
        Scenes validationSet = scenes(validation, 64, rnd);

        Detectors.Network n = Detectors.yolo("resnet-50", 1, SIZE, SIZE, DIGITS.length, 42, adam(2e-3), 0);
        ComputationGraph g = new ComputationGraph(n.configuration());
        g.init();
        SynchronousSgd sgd = new SynchronousSgd(g, singleWorker(), 1, 0);
        int batch = 16;
        int maxEpochs = 20;
        double recall = 0;
        double precision = 0;
        long trainingNanos = 0;
        int epochs = 0;
        for (int epoch = 0; epoch < maxEpochs; epoch++) {
            long t0 = System.nanoTime();
            double loss = 0;
            for (int start = 0; start < trainSet.size(); start += batch) {
                int end = Math.min(start + batch, trainSet.size());
                INDArray x = trainSet.images(start, end);
                INDArray y = YoloLabels.labels(trainSet.boxes.subList(start, end), DIGITS.length, n.gridHeight(),
                        n.gridWidth());
                loss += sgd.step(x, y, epoch, (graph, stats) -> stats[0] = (float) graph.score())[0];
            }
            trainingNanos += System.nanoTime() - t0;
            epochs++;
            double[] pr = recallPrecision(g, n, validationSet);
            recall = pr[0];
            precision = pr[1];
            System.out.printf(Locale.ROOT, "epoch %d: loss %.3f, %.1f s, validation recall %.3f precision %.3f%n",
                    epoch, loss / (trainSet.size() / batch), (System.nanoTime() - t0) / 1e9, recall, precision);
            if (recall >= 0.5 && precision >= 0.75) {
                break;
            }
        }
        System.out.printf(Locale.ROOT, "resnet-50 detector: %.2f s per epoch of %d scenes at 2 threads, %d epochs%n",
                trainingNanos / 1e9 / epochs, trainSet.size(), epochs);
        assertThat(recall).as("validation recall at IoU 0.5").isGreaterThanOrEqualTo(0.5);
        assertThat(precision).as("validation precision at IoU 0.5").isGreaterThanOrEqualTo(0.75);
    }

    /** Recall and precision of detections scoring ≥ 0.25 (YOLO's default; NMS 0.45) against the truth at IoU ≥ 0.5, same class. */
    private static double[] recallPrecision(ComputationGraph g, Detectors.Network n, Scenes s) {
        int truths = 0;
        int found = 0;
        int detections = 0;
        for (int start = 0; start < s.size(); start += 32) {
            int end = Math.min(start + 32, s.size());
            List<List<Detection>> d = Decoding.decode(g.outputSingle(s.images(start, end)), n.priors(), 0.25, 0.45);
            for (int i = start; i < end; i++) {
                List<Box> truth = s.boxes.get(i);
                List<Detection> det = d.get(i - start);
                truths += truth.size();
                detections += det.size();
                boolean[] used = new boolean[truth.size()];
                for (Detection x : det) { // by descending score: greedy matching, as VOC's evaluation
                    int best = -1;
                    double bestIou = 0.5;
                    for (int t = 0; t < truth.size(); t++) {
                        Box b = truth.get(t);
                        double iou = Decoding.iou(x.xmin(), x.ymin(), x.xmax(), x.ymax(), b.xmin(), b.ymin(), b.xmax(),
                                b.ymax());
                        if (!used[t] && b.classId() == x.classId() && iou >= bestIou) {
                            best = t;
                            bestIou = iou;
                        }
                    }
                    if (best >= 0) {
                        used[best] = true;
                        found++;
                    }
                }
            }
        }
        return new double[] {found / (double) truths, detections == 0 ? 0 : found / (double) detections};
    }

    // ---- scenes -------------------------------------------------------------------------------

    private record Scenes(List<float[]> pixels, List<List<Box>> boxes) {
        int size() {
            return pixels.size();
        }

        INDArray images(int start, int end) {
            float[] all = new float[(end - start) * SIZE * SIZE];
            for (int i = start; i < end; i++) {
                System.arraycopy(pixels.get(i), 0, all, (i - start) * SIZE * SIZE, SIZE * SIZE);
            }
            return Nd4j.create(all, new long[] {end - start, 1, SIZE, SIZE}, 'c');
        }
    }

    /** Per class, the first two thirds of its source digits train, the rest validate. */
    private static void splitDigits(List<List<float[]>> train, List<List<float[]>> validation) {
        List<List<float[]>> byClass = new ArrayList<>();
        for (int i = 0; i < DIGITS.length; i++) {
            byClass.add(new ArrayList<>());
        }
        for (String line : SharedData.digits()) {
            String[] f = line.split(",");
            int digit = (int) Double.parseDouble(f[0]);
            for (int c = 0; c < DIGITS.length; c++) {
                if (DIGITS[c] == digit) {
                    float[] p = new float[64];
                    for (int k = 0; k < 64; k++) {
                        p[k] = (float) (Double.parseDouble(f[k + 1]) / 16.0);
                    }
                    byClass.get(c).add(p);
                }
            }
        }
        for (List<float[]> list : byClass) {
            int cut = list.size() * 2 / 3;
            train.add(list.subList(0, cut));
            validation.add(list.subList(cut, list.size()));
        }
    }

    /** Scenes of 2-4 non-overlapping digits of 16-32 px at random places on a black canvas. */
    private static Scenes scenes(List<List<float[]>> digits, int count, Random rnd) {
        List<float[]> pixels = new ArrayList<>();
        List<List<Box>> boxes = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            float[] canvas = new float[SIZE * SIZE];
            List<int[]> placed = new ArrayList<>();
            List<Box> truth = new ArrayList<>();
            int objects = 2 + rnd.nextInt(3);
            for (int tries = 0; truth.size() < objects && tries < 200; tries++) {
                int side = 16 + rnd.nextInt(17);
                int x = rnd.nextInt(SIZE - side + 1);
                int y = rnd.nextInt(SIZE - side + 1);
                boolean overlaps = false;
                for (int[] p : placed) {
                    overlaps |= x < p[0] + p[2] && p[0] < x + side && y < p[1] + p[2] && p[1] < y + side;
                }
                if (overlaps) {
                    continue;
                }
                int c = rnd.nextInt(DIGITS.length);
                List<float[]> source = digits.get(c);
                paste(canvas, source.get(rnd.nextInt(source.size())), x, y, side);
                placed.add(new int[] {x, y, side});
                truth.add(new Box(c, x / (double) SIZE, y / (double) SIZE, (x + side) / (double) SIZE,
                        (y + side) / (double) SIZE));
            }
            assertThat(truth.size()).isGreaterThanOrEqualTo(2);
            pixels.add(canvas);
            boxes.add(truth);
        }
        return new Scenes(pixels, boxes);
    }

    /** Bilinear upscaling of an 8x8 digit to side x side at (x, y). */
    private static void paste(float[] canvas, float[] digit, int x, int y, int side) {
        for (int v = 0; v < side; v++) {
            double sy = Math.max(0, Math.min(7, (v + 0.5) * 8 / side - 0.5));
            int y0 = (int) sy;
            int y1 = Math.min(7, y0 + 1);
            double fy = sy - y0;
            for (int u = 0; u < side; u++) {
                double sx = Math.max(0, Math.min(7, (u + 0.5) * 8 / side - 0.5));
                int x0 = (int) sx;
                int x1 = Math.min(7, x0 + 1);
                double fx = sx - x0;
                double value = (1 - fy) * ((1 - fx) * digit[y0 * 8 + x0] + fx * digit[y0 * 8 + x1])
                        + fy * ((1 - fx) * digit[y1 * 8 + x0] + fx * digit[y1 * 8 + x1]);
                canvas[(y + v) * SIZE + x + u] = (float) value;
            }
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static float[] cell(INDArray labels, int image, int row, int col) {
        float[] out = new float[(int) labels.size(1)];
        for (int k = 0; k < out.length; k++) {
            out[k] = labels.getFloat(image, k, row, col);
        }
        return out;
    }

    private static IUpdater adam(double lr) {
        return Optimizers.updater("adam", lr, "", 0.1, 0.9, 0.9, 0.999, 1e-8, 0.9);
    }

    /**
     * A one-worker WorkerContext for SynchronousSgd: rank 0 of 1, the all-reduce a sum over itself
     * (the values unchanged); anything else is unsupported.
     */
    private static WorkerContext singleWorker() {
        return (WorkerContext) Proxy.newProxyInstance(WorkerContext.class.getClassLoader(),
                new Class<?>[] {WorkerContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "workers" -> 1;
                    case "rank" -> 0;
                    case "allReduce" -> null;
                    case "toString" -> "single worker";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
