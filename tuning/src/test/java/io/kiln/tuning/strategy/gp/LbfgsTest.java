package io.kiln.tuning.strategy.gp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LbfgsTest {
  private static final Lbfgs.Objective ROSENBROCK = (x, g) -> {
    double a = 1 - x[0];
    double b = x[1] - x[0] * x[0];
    g[0] = -2 * a - 400 * x[0] * b;
    g[1] = 200 * b;
    return a * a + 100 * b * b;
  };

  @Test
  void findsTheMinimumOfRosenbrocksValley() {
    Lbfgs.Result result = new Lbfgs(500, 1e-10, 0, 1).minimize(ROSENBROCK, new double[] {-1.2, 1},
        new double[] {-5, -5}, new double[] {5, 5});

    assertThat(result.x()[0]).isCloseTo(1, within(1e-5));
    assertThat(result.x()[1]).isCloseTo(1, within(1e-5));
  }

  @Test
  void staysInsideTheBoxAndStopsOnTheBoundNearestTheMinimum() {
    Lbfgs.Result result = new Lbfgs(200, 1e-10, 0, 1).minimize(ROSENBROCK, new double[] {0, 0},
        new double[] {-2, -2}, new double[] {0.5, 2});

    assertThat(result.x()[0]).isEqualTo(0.5);
    assertThat(result.x()[1]).isCloseTo(0.25, within(1e-5));
  }
}
