package io.kiln.tuning.strategy;

import io.kiln.tuning.space.ParameterRange;
import io.kiln.tuning.space.SearchSpace;
import java.util.Random;

/**
 * Space-filling points of a search space's unit cube: each numeric coordinate visits each of m
 * equal strata exactly once, in a random order, at a random place inside the stratum; each
 * categorical range is one-hot, its values spread as evenly as m allows.
 */
final class LatinHypercube {
  private LatinHypercube() {
  }

  static double[][] sample(SearchSpace space, int m, Random random) {
    double[][] points = new double[m][space.dimensions()];
    for (int r = 0; r < space.ranges().size(); r++) {
      ParameterRange range = space.ranges().get(r);
      int offset = space.offset(r);
      int[] strata = permutation(m, random);
      if (range instanceof ParameterRange.Categorical c) {
        int k = c.values().size();
        for (int i = 0; i < m; i++) {
          // Stratum i of m covers values [i k / m, (i + 1) k / m).
          int first = (int) ((long) strata[i] * k / m);
          int end = Math.max(first + 1, (int) ((long) (strata[i] + 1) * k / m));
          points[i][offset + first + random.nextInt(end - first)] = 1;
        }
      } else {
        for (int i = 0; i < m; i++) {
          points[i][offset] = (strata[i] + random.nextDouble()) / m;
        }
      }
    }
    return points;
  }

  private static int[] permutation(int m, Random random) {
    int[] p = new int[m];
    for (int i = 0; i < m; i++) {
      p[i] = i;
    }
    for (int i = m - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
