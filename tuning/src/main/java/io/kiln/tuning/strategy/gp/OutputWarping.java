package io.kiln.tuning.strategy.gp;

import java.util.Arrays;

/**
 * Puts right-skewed losses on a log scale before they are modelled. Losses met in tuning often have a
 * long tail of bad values (a diverged run, a learning rate far too high) that would flatten the
 * standardised targets where the interesting, small losses are; a stationary GP fits log(loss - min
 * + δ) far better. The map is increasing, so the best loss stays the best.
 *
 * <p>The rule: when the sample skewness is positive, y ↦ log(y - min + δ) with δ = median - min (or,
 * when more than half the losses tie at the minimum, the range); otherwise the losses unchanged.
 */
public final class OutputWarping {
  private OutputWarping() {
  }

  public static double[] warp(double[] losses) {
    int n = losses.length;
    if (n < 3 || !(skewness(losses) > 0)) {
      return losses.clone();
    }
    double[] sorted = losses.clone();
    Arrays.sort(sorted);
    double min = sorted[0];
    double delta = sorted[n / 2] - min;
    if (!(delta > 0)) {
      delta = sorted[n - 1] - min;
    }
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = Math.log(losses[i] - min + delta);
    }
    return out;
  }

  static double skewness(double[] y) {
    double mean = 0;
    for (double v : y) {
      mean += v;
    }
    mean /= y.length;
    double m2 = 0;
    double m3 = 0;
    for (double v : y) {
      double t = v - mean;
      m2 += t * t;
      m3 += t * t * t;
    }
    m2 /= y.length;
    m3 /= y.length;
    return m2 > 0 ? m3 / Math.pow(m2, 1.5) : 0;
  }
}
