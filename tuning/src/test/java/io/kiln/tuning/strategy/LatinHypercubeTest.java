package io.kiln.tuning.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.tuning.space.ParameterRange;
import io.kiln.tuning.space.ScalingType;
import io.kiln.tuning.space.SearchSpace;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatinHypercubeTest {

  @Test
  void putsOnePointInEveryStratumOfEachCoordinateAndSpreadsCategoriesEvenly() {
    SearchSpace space = new SearchSpace(List.of(new ParameterRange.Continuous("a", 0, 1, ScalingType.Linear),
        new ParameterRange.Integer("b", 1, 100, ScalingType.Logarithmic),
        new ParameterRange.Categorical("c", List.of("x", "y", "z"))));

    double[][] points = LatinHypercube.sample(space, 6, new Random(1));

    for (int coordinate = 0; coordinate < 2; coordinate++) {
      boolean[] hit = new boolean[6];
      for (double[] p : points) {
        hit[(int) (p[coordinate] * 6)] = true;
      }
      assertThat(hit).containsOnly(true);
    }
    int[] counts = new int[3];
    for (double[] p : points) {
      assertThat(p[2] + p[3] + p[4]).isEqualTo(1.0);
      for (int k = 0; k < 3; k++) {
        counts[k] += (int) p[2 + k];
      }
    }
    assertThat(counts).containsExactly(2, 2, 2);
  }
}
