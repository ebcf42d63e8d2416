package io.kiln.tuning.strategy.gp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class OutputWarpingTest {

  @Test
  void putsALongTailOfBadLossesOnALogScaleKeepingTheOrder() {
    double[] losses = {0.3, 0.35, 0.4, 0.5, 0.45, 0.38, 12, 250};

    double[] warped = OutputWarping.warp(losses);

    for (int i = 0; i < losses.length; i++) {
      for (int j = 0; j < losses.length; j++) {
        assertThat(Double.compare(warped[i], warped[j])).isEqualTo(Double.compare(losses[i], losses[j]));
      }
    }
    // The six good losses span 0.08% of the range before, and over 5% after.
    assertThat(spreadOfTheGoodSix(warped)).isGreaterThan(50 * spreadOfTheGoodSix(losses));
  }

  private static double spreadOfTheGoodSix(double[] y) {
    double[] sorted = y.clone();
    Arrays.sort(sorted);
    return (sorted[5] - sorted[0]) / (sorted[7] - sorted[0]);
  }

  @Test
  void leavesSymmetricAndLeftSkewedLossesAlone() {
    double[] symmetric = {1, 2, 3, 4, 5};
    double[] leftSkewed = {-3.3, -0.2, -0.1, -0.05, 0};

    assertThat(OutputWarping.warp(symmetric)).containsExactly(symmetric);
    assertThat(OutputWarping.warp(leftSkewed)).containsExactly(leftSkewed);
  }
}
