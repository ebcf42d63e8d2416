package io.kiln.algorithms.vision.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kiln.algorithms.vision.detection.Decoding.Detection;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.layers.objdetect.DetectedObject;
import org.deeplearning4j.nn.layers.objdetect.YoloUtils;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class DecodingTest {

    private static Detection box(int c, double score, double x0, double y0, double x1, double y1) {
        return new Detection(c, score, x0, y0, x1, y1);
    }

    @Test
    void iouOnHandCases() {
        // two unit squares offset by half: intersection 0.5, union 1.5
        assertThat(Decoding.iou(0, 0, 1, 1, 0.5, 0, 1.5, 1)).isCloseTo(1 / 3.0, within(1e-12));
        assertThat(Decoding.iou(0, 0, 1, 1, 0, 0, 1, 1)).isEqualTo(1.0);
        // touching edges do not overlap
        assertThat(Decoding.iou(0, 0, 1, 1, 1, 0, 2, 1)).isEqualTo(0.0);
        // contained: 0.25 / 1
        assertThat(Decoding.iou(0, 0, 1, 1, 0.25, 0.25, 0.75, 0.75)).isCloseTo(0.25, within(1e-12));
    }

    @Test
    void greedyNmsKeepsABoxWhoseOnlyOverlapWasSuppressed() {
        Detection a = box(0, 0.9, 0.0, 0.0, 0.4, 0.4);
        Detection b = box(0, 0.8, 0.2, 0.0, 0.6, 0.4); // IoU(a,b) = 0.2*0.4 / (0.32-0.08) = 1/3
        Detection c = box(0, 0.7, 0.4, 0.0, 0.8, 0.4); // IoU(b,c) = 1/3, IoU(a,c) = 0
        assertThat(Decoding.nms(List.of(c, b, a), 0.3)).containsExactly(a, c);
        // at a threshold above their overlap nothing is suppressed
        assertThat(Decoding.nms(List.of(c, b, a), 0.34)).containsExactly(a, b, c);
        // DL4J's YoloUtils.nms depends on the list's order: by descending score it keeps a and c, but
        // in the order c, b, a it drops c (b is not yet suppressed when c is compared with it)
        List<DetectedObject> sorted = new ArrayList<>();
        List<DetectedObject> unsorted = new ArrayList<>();
        for (Detection d : List.of(a, b, c)) {
            sorted.add(detected(0, d));
            unsorted.add(0, detected(0, d));
        }
        YoloUtils.nms(sorted, 0.3);
        YoloUtils.nms(unsorted, 0.3);
        assertThat(sorted).hasSize(2);
        assertThat(unsorted).hasSize(1);
    }

    @Test
    void nmsIsPerClassAndSortsByScore() {
        Detection a = box(0, 0.6, 0.1, 0.1, 0.5, 0.5);
        Detection same = box(1, 0.9, 0.1, 0.1, 0.5, 0.5); // same box, other class: both stay
        Detection dup = box(0, 0.5, 0.12, 0.1, 0.5, 0.5); // IoU with a = 0.95: suppressed
        Detection far = box(0, 0.55, 0.6, 0.6, 0.9, 0.9);
        assertThat(Decoding.nms(List.of(a, same, dup, far), 0.45)).containsExactly(same, a, far);
        assertThatThrownBy(() -> Decoding.nms(List.of(a), 1.5)).hasMessageContaining("nms_threshold (nmsThreshold) 1.5");
    }

    /** DL4J's YoloUtils compares boxes of different images of a minibatch; Decoding does not. */
    @Test
    void imagesOfAMinibatchAreDecodedApart() {
        // 2 images, 1 prior, 1 class, 2x2 grid; the same confident box in both images' cell (0,0)
        double[][] priors = {{1.0, 1.0}};
        INDArray out = Nd4j.zeros(DataType.FLOAT, 2, 6, 2, 2);
        for (int i = 0; i < 2; i++) {
            set(out, i, 0, 0, 0, 0.5, 0.5, 1.0, 1.0, 0.9 - 0.1 * i, new double[] {1.0});
        }
        List<List<Detection>> ours = Decoding.decode(out, priors, 0.5, 0.45);
        assertThat(ours).hasSize(2);
        assertThat(ours.get(0)).hasSize(1);
        assertThat(ours.get(1)).hasSize(1);
        List<DetectedObject> dl4j = YoloUtils.getPredictedObjects(Nd4j.create(priors), out, 0.5, 0.45);
        assertThat(dl4j).hasSize(1); // image 1's object is suppressed by image 0's
    }

    @Test
    void decodesCellsPriorsAndClassesToNormalisedCorners() {
        // 1 image, 2 priors, 2 classes, grid 2 (h) x 4 (w)
        double[][] priors = {{1.0, 1.0}, {2.0, 1.0}};
        INDArray out = Nd4j.zeros(DataType.FLOAT, 1, 2 * 7, 2, 4);
        // prior 0 at row 1, column 2: centre (2.5, 1.25) cells, size 1 x 0.5 cells; objectness 0.8, P = (0.25, 0.75)
        set(out, 0, 0, 1, 2, 0.5, 0.25, 1.0, 0.5, 0.8, new double[] {0.25, 0.75});
        // prior 1 at row 0, column 0: centre (0.5, 0.5), 2 x 1 cells: clipped on the left; objectness 0.5, P = (1, 0)
        set(out, 0, 1, 0, 0, 0.5, 0.5, 2.0, 1.0, 0.5, new double[] {1.0, 0.0});
        List<Detection> d = Decoding.decode(out, priors, 0.1, 0.45).get(0);
        assertThat(d).hasSize(3);
        assertRow(d.get(0), 1, 0.6, 2.0 / 4, 1.0 / 2, 3.0 / 4, 1.5 / 2);
        assertRow(d.get(1), 0, 0.5, 0.0, 0.0, 1.5 / 4, 1.0 / 2);
        assertRow(d.get(2), 0, 0.2, 2.0 / 4, 1.0 / 2, 3.0 / 4, 1.5 / 2);
        // the threshold applies to objectness x class probability
        List<Detection> high = Decoding.decode(out, priors, 0.3, 0.45).get(0);
        assertThat(high).hasSize(2);
        assertRow(high.get(0), 1, 0.6, 2.0 / 4, 1.0 / 2, 3.0 / 4, 1.5 / 2);
        assertRow(high.get(1), 0, 0.5, 0.0, 0.0, 1.5 / 4, 1.0 / 2);
        assertThat(d.get(0).toArray()).hasSize(6).startsWith(1.0);
        assertThatThrownBy(() -> Decoding.decode(Nd4j.zeros(DataType.FLOAT, 1, 13, 2, 4), priors, 0.1, 0.45))
                .hasMessageContaining("B=2 priors");
    }

    private static void assertRow(Detection d, int c, double score, double x0, double y0, double x1, double y1) {
        assertThat(d.classId()).isEqualTo(c);
        assertThat(d.score()).isCloseTo(score, within(1e-6));
        assertThat(new double[] {d.xmin(), d.ymin(), d.xmax(), d.ymax()}).containsExactly(
                new double[] {x0, y0, x1, y1}, within(1e-6));
    }

    /** Writes one prior's activated values at (image, row, column). */
    private static void set(INDArray out, int image, int prior, int row, int col, double x, double y, double w,
            double h, double objectness, double[] classes) {
        int depth = 5 + classes.length;
        double[] v = new double[depth];
        v[0] = x;
        v[1] = y;
        v[2] = w;
        v[3] = h;
        v[4] = objectness;
        System.arraycopy(classes, 0, v, 5, classes.length);
        for (int k = 0; k < depth; k++) {
            out.putScalar(new long[] {image, (long) prior * depth + k, row, col}, v[k]);
        }
    }

    private static DetectedObject detected(int example, Detection d) {
        double cx = (d.xmin() + d.xmax()) / 2;
        double cy = (d.ymin() + d.ymax()) / 2;
        INDArray probs = Nd4j.create(new double[] {1.0});
        return new DetectedObject(example, cx, cy, d.xmax() - d.xmin(), d.ymax() - d.ymin(), probs, d.score());
    }
}
