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

}
