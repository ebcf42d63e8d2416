package io.kiln.algorithms.knn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The dimension reductions: the same (type, seed, dimensions) give the same projection; both keep
 * squared L2 distances in expectation (the mean ratio over many random pairs near 1, each ratio
 * within the Johnson-Lindenstrauss spread for the target); the fjlt is linear.
 */
class ProjectionTest {
  private static float[] random(SplittableRandom r, int d) {
    float[] x = new float[d];
    for (int i = 0; i < d; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  private static double sq(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (a[i] - (double) b[i]) * (a[i] - (double) b[i]);
    }
    return s;
  }

  @Test
  void signAndFjltKeepDistancesInExpectation() {
    for (String type : new String[] {"sign", "fjlt"}) {
      Projection p = new Projection(type, 3, 100, 40);
      Projection again = new Projection(type, 3, 100, 40);
      SplittableRandom r = new SplittableRandom(7);
      double sum = 0;
      int pairs = 400;
      for (int i = 0; i < pairs; i++) {
        float[] a = random(r, 100);
        float[] b = random(r, 100);
        assertThat(again.apply(a)).containsExactly(p.apply(a));
        double ratio = sq(p.apply(a), p.apply(b)) / sq(a, b);
        assertThat(ratio).as("%s pair %d", type, i).isBetween(0.2, 2.5);
        sum += ratio;
      }
      assertThat(sum / pairs).as("%s mean ratio", type).isCloseTo(1.0, within(0.08));
    }
  }

  @Test
  void fjltIsLinear() {
    Projection p = new Projection("fjlt", 11, 13, 5);
    SplittableRandom r = new SplittableRandom(1);
    float[] a = random(r, 13);
    float[] b = random(r, 13);
    float[] sum = new float[13];
    for (int i = 0; i < 13; i++) {
      sum[i] = a[i] + b[i];
    }
    float[] pa = p.apply(a);
    float[] pb = p.apply(b);
    float[] ps = p.apply(sum);
    for (int j = 0; j < 5; j++) {
      assertThat((double) ps[j]).isCloseTo(pa[j] + (double) pb[j], within(1e-4));
    }
  }
}
