package io.kiln.tuning.strategy.gp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class GaussianProcessTest {
  private static final GaussianProcess.Settings SETTINGS = GaussianProcess.Settings.defaults();

  @Test
  void fitsASmoothFunctionOfOneVariable() {
    ToDoubleFunction<Double> f = x -> Math.sin(6 * x) + x;
    double[][] points = new double[12][];
    double[] losses = new double[12];
    for (int i = 0; i < 12; i++) {
      points[i] = new double[] {i / 11.0};
      losses[i] = f.applyAsDouble(i / 11.0);
    }

    GaussianProcess gp = GaussianProcess.fit(points, losses, SETTINGS, new Random(1), null);

    double[][] between = new double[11][];
    for (int i = 0; i < 11; i++) {
      between[i] = new double[] {(i + 0.5) / 11};
    }
    double[] means = new double[11];
    double[] variances = new double[11];
    gp.predict(between, means, variances);
    for (int i = 0; i < 11; i++) {
      assertThat(means[i]).as("mean at %s", between[i][0]).isCloseTo(f.applyAsDouble(between[i][0]), within(0.03));
    }
    gp.predict(points, new double[12], variances = new double[12]);
    for (double v : variances) {
      assertThat(Math.sqrt(v)).isLessThan(0.01);
    }
  }

  @Test
  void isUncertainAwayFromTheData() {
    double[][] points = new double[6][];
    double[] losses = new double[6];
    for (int i = 0; i < 6; i++) {
      points[i] = new double[] {i * 0.1};
      losses[i] = Math.cos(5 * i * 0.1);
    }

    GaussianProcess gp = GaussianProcess.fit(points, losses, SETTINGS, new Random(1), null);

    double atData = sd(gp, 0.2);
    double between = sd(gp, 0.25);
    double near = sd(gp, 0.65);
    double far = sd(gp, 0.95);
    assertThat(atData).isLessThan(between);
    assertThat(between).isLessThan(near);
    assertThat(near).isLessThan(far);
    assertThat(far).isGreaterThan(20 * atData);
  }

  @Test
  void lengthScalesAreShortAlongTheDimensionTheLossVariesIn() {
    Random random = new Random(3);
    double[][] points = new double[40][];
    for (int i = 0; i < 40; i++) {
      points[i] = new double[] {random.nextDouble(), random.nextDouble()};
    }
    double[] alongFirst = new double[40];
    double[] alongSecond = new double[40];
    for (int i = 0; i < 40; i++) {
      alongFirst[i] = Math.sin(8 * points[i][0]);
      alongSecond[i] = Math.sin(8 * points[i][1]);
    }

    double[] first = GaussianProcess.fit(points, alongFirst, SETTINGS, new Random(1), null).lengthScales();
    double[] second = GaussianProcess.fit(points, alongSecond, SETTINGS, new Random(1), null).lengthScales();

    assertThat(first[0]).isLessThan(first[1] / 5);
    assertThat(second[1]).isLessThan(second[0] / 5);
    assertThat(first[0]).isCloseTo(second[1], within(first[0] * 0.5));
  }

  @Test
  void fantasiesShrinkTheVarianceAtPendingPointsAndKeepTheMean() {
    double[][] points = {{0.1, 0.1}, {0.9, 0.2}, {0.5, 0.8}, {0.3, 0.6}, {0.7, 0.7}};
    double[] losses = {1.0, 2.0, 0.5, 0.7, 1.5};
    GaussianProcess gp = GaussianProcess.fit(points, losses, SETTINGS, new Random(1), null);
    double[][] pending = {{0.5, 0.3}, {0.2, 0.9}};

    GaussianProcess believer = gp.withFantasies(pending);

    double[][] probes = {{0.5, 0.3}, {0.2, 0.9}, {0.55, 0.35}, {0.9, 0.9}};
    double[] before = new double[4];
    double[] beforeVariance = new double[4];
    double[] after = new double[4];
    double[] afterVariance = new double[4];
    gp.predict(probes, before, beforeVariance);
    believer.predict(probes, after, afterVariance);
    assertThat(believer.size()).isEqualTo(7);
    assertThat(believer.observed()).isEqualTo(5);
    for (int i = 0; i < 4; i++) {
      assertThat(after[i]).isCloseTo(before[i], within(1e-6));
      assertThat(afterVariance[i]).isLessThanOrEqualTo(beforeVariance[i] * (1 + 1e-9));
    }
    assertThat(afterVariance[0]).isLessThan(beforeVariance[0] / 100);
    assertThat(afterVariance[2]).isLessThan(beforeVariance[2] / 2);
  }

  @Test
  void pointAndBatchPredictionsAgreeAndGradientsMatchFiniteDifferences() {
    Random random = new Random(5);
    double[][] points = new double[15][];
    double[] losses = new double[15];
    for (int i = 0; i < 15; i++) {
      points[i] = new double[] {random.nextDouble(), random.nextDouble(), random.nextDouble()};
      losses[i] = points[i][0] * points[i][0] + Math.sin(4 * points[i][1]) - points[i][2];
    }
    GaussianProcess gp = GaussianProcess.fit(points, losses, SETTINGS, new Random(1), null)
        .withFantasies(new double[][] {{0.5, 0.5, 0.5}});
    double[] x = {0.3, 0.6, 0.2};
    double[] meanGradient = new double[3];
    double[] varianceGradient = new double[3];

    GaussianProcess.Prediction p = gp.predict(x, meanGradient, varianceGradient);

    double[] mean = new double[1];
    double[] variance = new double[1];
    gp.predict(new double[][] {x}, mean, variance);
    assertThat(p.mean()).isCloseTo(mean[0], within(1e-9));
    assertThat(p.variance()).isCloseTo(variance[0], within(1e-9));
    double h = 1e-6;
    for (int j = 0; j < 3; j++) {
      double[] up = x.clone();
      double[] down = x.clone();
      up[j] += h;
      down[j] -= h;
      GaussianProcess.Prediction pu = gp.predict(up, new double[3], new double[3]);
      GaussianProcess.Prediction pd = gp.predict(down, new double[3], new double[3]);
      assertThat(meanGradient[j]).isCloseTo((pu.mean() - pd.mean()) / (2 * h), within(1e-5));
      assertThat(varianceGradient[j]).isCloseTo((pu.variance() - pd.variance()) / (2 * h), within(1e-5));
    }
  }

  @Test
  void toleratesRepeatedPointsWithDifferentLosses() {
    double[][] points = {{0.5}, {0.5}, {0.5}, {0.1}, {0.9}};
    double[] losses = {1.0, 1.2, 0.8, 3.0, 2.0};

    GaussianProcess gp = GaussianProcess.fit(points, losses, SETTINGS, new Random(1), null);

    double[] mean = new double[1];
    gp.predict(new double[][] {{0.5}}, mean, new double[1]);
    assertThat(mean[0]).isCloseTo(1.0, within(0.1));
    assertThat(gp.noiseVariance()).isGreaterThan(1e-3);
  }

  @Test
  void warmStartFromAPreviousFitReachesTheSameLikelihood() {
    Random random = new Random(9);
    double[][] points = new double[30][];
    double[] losses = new double[30];
    for (int i = 0; i < 30; i++) {
      points[i] = new double[] {random.nextDouble(), random.nextDouble()};
      losses[i] = Math.exp(points[i][0]) * Math.cos(3 * points[i][1]);
    }
    GaussianProcess cold = GaussianProcess.fit(points, losses, SETTINGS, new Random(1), null);

    GaussianProcess warm = GaussianProcess.fit(points, losses, new GaussianProcess.Settings(250, 0, 10),
        new Random(2), cold);

    assertThat(warm.logMarginalLikelihood()).isCloseTo(cold.logMarginalLikelihood(), within(0.05));
  }

  private static double sd(GaussianProcess gp, double x) {
    double[] variance = new double[1];
    gp.predict(new double[][] {{x}}, new double[1], variance);
    return Math.sqrt(variance[0]);
  }
}
