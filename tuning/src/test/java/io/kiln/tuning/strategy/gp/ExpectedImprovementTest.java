package io.kiln.tuning.strategy.gp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ExpectedImprovementTest {

  @Test
  void matchesTheClosedFormWhereItDoesNotUnderflow() {
    // EI = (best - mean) Φ(z) + sd φ(z); reference values from mpmath at 50 digits.
    assertThat(ExpectedImprovement.log(0, 1, 0)).isCloseTo(-0.9189385332046728, within(1e-14));
    assertThat(ExpectedImprovement.log(1, 1, 0)).isCloseTo(-2.4851210257126413, within(1e-13));
    assertThat(ExpectedImprovement.log(3, 1, 0)).isCloseTo(-7.869686059603029, within(1e-12));
    assertThat(ExpectedImprovement.log(0, 2, 4)).isCloseTo(Math.log(2) + 0.6973835457882284, within(1e-13));
  }

  @Test
  void staysFiniteAndAccurateFarBelowTheIncumbent() {
    // log h(-10), h(-40) and h(-200) from mpmath: EI itself underflows beyond z = -38.
    assertThat(ExpectedImprovement.log(10, 1, 0)).isCloseTo(-55.55312203612235, within(1e-10));
    assertThat(ExpectedImprovement.log(40, 1, 0)).isCloseTo(-808.29856835662, within(1e-9));
    assertThat(ExpectedImprovement.log(200, 1, 0)).isCloseTo(-20011.515648259738, within(1e-8));
    assertThat(ExpectedImprovement.logHSlope(-40)).isCloseTo(40.04990665764852, within(1e-9));
  }

  @Test
  void isSmoothWhereTheTwoFormulasMeet() {
    double below = ExpectedImprovement.logH(-3 - 1e-9);
    double above = ExpectedImprovement.logH(-3 + 1e-9);

    assertThat(above - below).isCloseTo(2e-9 * ExpectedImprovement.logHSlope(-3), within(1e-12));
    assertThat(ExpectedImprovement.logHSlope(-3 - 1e-9)).isCloseTo(ExpectedImprovement.logHSlope(-3 + 1e-9),
        within(1e-8));
  }

  @Test
  void rewardsALowerMeanAndMoreUncertainty() {
    assertThat(ExpectedImprovement.log(0.5, 0.1, 1)).isGreaterThan(ExpectedImprovement.log(0.9, 0.1, 1));
    assertThat(ExpectedImprovement.log(1.5, 0.5, 1)).isGreaterThan(ExpectedImprovement.log(1.5, 0.1, 1));
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    double[] meanGradient = {0.7, -1.3};
    double[] varianceGradient = {-0.2, 0.05};
    double mean = 1.2;
    double variance = 0.09;
    double[] gradient = new double[2];

    ExpectedImprovement.logWithGradient(mean, variance, 1.0, meanGradient, varianceGradient, gradient);

    double h = 1e-6;
    for (int j = 0; j < 2; j++) {
      double up = ExpectedImprovement.log(mean + h * meanGradient[j], Math.sqrt(variance + h * varianceGradient[j]), 1);
      double down = ExpectedImprovement.log(mean - h * meanGradient[j], Math.sqrt(variance - h * varianceGradient[j]),
          1);
      assertThat(gradient[j]).isCloseTo((up - down) / (2 * h), within(1e-6));
    }
  }
}
