package io.kiln.algorithms.vision.nets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.schedule.ISchedule;

/** The optimisers against MXNet's formulas computed by hand. */
class OptimizersTest {

    /** Runs {@code updater} on weights {@code w} with the gradients given, epoch per step as given; returns w. */
    private static double[] run(IUpdater updater, double[] w, double[][] grads, int[] epochs) {
        INDArray params = Nd4j.createFromArray(w).castTo(DataType.DOUBLE).reshape(1, w.length);
        long state = updater.stateSize(w.length);
        INDArray view = state == 0 ? null : Nd4j.zeros(DataType.DOUBLE, 1, state);
        GradientUpdater<?> u = updater.instantiate(view, true);
        for (int i = 0; i < grads.length; i++) {
            INDArray g = Nd4j.createFromArray(grads[i]).castTo(DataType.DOUBLE).reshape(1, w.length);
            u.applyUpdater(g, i, epochs[i]);
            params.subi(g);
        }
        return params.toDoubleVector();
    }

    @Test
    void mxnetSgdIsHeavyBallMomentumWithTheRateInsideTheBuffer() {
        // w = [1, -2], lr 0.1, μ 0.9, g1 = [0.5, 1], g2 = [-0.25, 0.5]
        // mom1 = -0.1·g1 = [-0.05, -0.1]               -> w = [0.95, -2.1]
        // mom2 = 0.9·mom1 - 0.1·g2 = [-0.02, -0.14]    -> w = [0.93, -2.24]
        double[] w = run(new MxnetSgd(0.1, null, 0.9), new double[] {1, -2},
                new double[][] {{0.5, 1}, {-0.25, 0.5}}, new int[] {0, 0});
        assertThat(w[0]).isCloseTo(0.93, within(1e-12));
        assertThat(w[1]).isCloseTo(-2.24, within(1e-12));
    }

    @Test
    void mxnetSgdScalesOnlyLaterGradientsWhenTheEpochScheduleSteps() {
        // lr 0.1 in epoch 0, 0.01 from epoch 1 ("1", factor 0.1); μ 0.5; w = [0]; g = 1, 1
        // mom1 = -0.1 -> w = -0.1; mom2 = 0.5·(-0.1) - 0.01·1 = -0.06 -> w = -0.16
        ISchedule lr = Optimizers.learningRateSchedule(0.1, "1", 0.1);
        double[] w = run(new MxnetSgd(0.1, lr, 0.5), new double[] {0}, new double[][] {{1}, {1}}, new int[] {0, 1});
        assertThat(w[0]).isCloseTo(-0.16, within(1e-12));
        // without momentum: plain SGD, no state
        assertThat(new MxnetSgd(0.1, null, 0).stateSize(7)).isZero();
        double[] plain = run(new MxnetSgd(0.1, null, 0), new double[] {1}, new double[][] {{2}, {2}}, new int[] {0, 0});
        assertThat(plain[0]).isCloseTo(0.6, within(1e-12));
        assertThatThrownBy(() -> new MxnetSgd(0.1, null, 1.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("momentum 1.0");
    }

    @Test
    void epochScheduleFollowsLrSchedulerStepAndFactor() {
        ISchedule s = Optimizers.learningRateSchedule(0.1, " 10, 20", 0.5);
        assertThat(s.valueAt(0, 0)).isEqualTo(0.1);
        assertThat(s.valueAt(999, 9)).isEqualTo(0.1);
        assertThat(s.valueAt(0, 10)).isCloseTo(0.05, within(1e-15));
        assertThat(s.valueAt(0, 19)).isCloseTo(0.05, within(1e-15));
        assertThat(s.valueAt(0, 20)).isCloseTo(0.025, within(1e-15));
        assertThat(s.valueAt(0, 300)).isCloseTo(0.025, within(1e-15));
        assertThat(Optimizers.learningRateSchedule(0.3, "", 0.1).valueAt(5, 50)).isEqualTo(0.3);
        assertThat(Optimizers.learningRateSchedule(0.3, null, 0.1).valueAt(5, 50)).isEqualTo(0.3);
        for (String bad : new String[] {"10,5", "a", "0", "10,,20", "10,10", "-3"}) {
            assertThatThrownBy(() -> Optimizers.parseSteps(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("lr_scheduler_step '" + bad + "'").hasMessageContaining("10,20");
        }
    }

    @Test
    void eachSageMakerOptimizerMapsToItsUpdaterWithItsHyperparameters() {
        IUpdater sgd = Optimizers.updater("sgd", 0.2, "3", 0.1, 0.8, 0.9, 0.999, 1e-8, 0.9);
        assertThat(sgd).isInstanceOf(MxnetSgd.class);
        assertThat(((MxnetSgd) sgd).getMomentum()).isEqualTo(0.8);
        assertThat(sgd.getLearningRate(0, 3)).isCloseTo(0.02, within(1e-15));
        IUpdater nag = Optimizers.updater("NAG", 0.2, null, 0.1, 0.7, 0.9, 0.999, 1e-8, 0.9);
        assertThat(nag).isInstanceOf(Nesterovs.class);
        assertThat(((Nesterovs) nag).getMomentum()).isEqualTo(0.7);
        Adam adam = (Adam) Optimizers.updater("adam", 0.01, null, 0.1, 0.9, 0.8, 0.99, 1e-6, 0.9);
        assertThat(adam.getBeta1()).isEqualTo(0.8);
        assertThat(adam.getBeta2()).isEqualTo(0.99);
        assertThat(adam.getEpsilon()).isEqualTo(1e-6);
        RmsProp rms = (RmsProp) Optimizers.updater("rmsprop", 0.01, null, 0.1, 0.9, 0.9, 0.999, 1e-7, 0.95);
        assertThat(rms.getRmsDecay()).isEqualTo(0.95);
        assertThat(rms.getEpsilon()).isEqualTo(1e-7);
        assertThatThrownBy(() -> Optimizers.updater("adagrad", 0.1, null, 0.1, 0.9, 0.9, 0.999, 1e-8, 0.9))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("optimizer 'adagrad' is not one of sgd, adam, rmsprop, nag");
    }

    @Test
    void adamMatchesMxnetsFormula() {
        double lr = 0.01, b1 = 0.8, b2 = 0.9, eps = 1e-3;
        double[][] g = {{0.5}, {-0.3}};
        double w = 1, m = 0, v = 0;
        for (int t = 1; t <= 2; t++) { // MXNet Adam.update
            double lrT = lr * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t));
            m = b1 * m + (1 - b1) * g[t - 1][0];
            v = b2 * v + (1 - b2) * g[t - 1][0] * g[t - 1][0];
            w -= lrT * m / (Math.sqrt(v) + eps);
        }
        double[] dl4j = run(Optimizers.updater("adam", lr, null, 0.1, 0.9, b1, b2, eps, 0.9), new double[] {1}, g,
                new int[] {0, 0});
        assertThat(dl4j[0]).isCloseTo(w, within(1e-9));
    }

    @Test
    void rmsPropDiffersFromMxnetOnlyInTheEpsilon() {
        // a large ε makes the two documented differences visible
        double lr = 0.01, gamma = 0.9, eps = 0.1;
        double[][] g = {{0.5}, {-0.3}};
        double mx = 1, n = 0; // MXNet RMSProp (centered=False): n from 0, ε inside the root
        double dl = 1, s = eps; // DL4J: s from ε, ε outside the root
        for (double[] gi : g) {
            n = (1 - gamma) * gi[0] * gi[0] + gamma * n;
            mx -= lr * gi[0] / Math.sqrt(n + eps);
            s = gamma * s + (1 - gamma) * gi[0] * gi[0];
            dl -= lr * gi[0] / (Math.sqrt(s) + eps);
        }
        double[] dl4j = run(Optimizers.updater("rmsprop", lr, null, 0.1, 0.9, 0.9, 0.999, eps, gamma),
                new double[] {1}, g, new int[] {0, 0});
        assertThat(dl4j[0]).isCloseTo(dl, within(1e-9));
        assertThat(Math.abs(dl4j[0] - mx)).isGreaterThan(1e-4);
    }
}
