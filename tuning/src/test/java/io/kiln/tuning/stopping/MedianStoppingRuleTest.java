package io.kiln.tuning.stopping;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.tuning.strategy.TrialState;
import io.kiln.tuning.strategy.TrialView;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SageMaker's median rule on hand-made learning curves (losses: smaller is better). */
class MedianStoppingRuleTest {
  static TrialView trial(int n, TrialState state, Double... curve) {
    return new TrialView(n, Map.of("x", Integer.toString(n)), state,
        state == TrialState.RUNNING ? Double.NaN : curve[curve.length - 1], List.of(curve), 0, 0);
  }

  // running averages at round 2: t1 (1.0+0.8)/2 = 0.9, t2 (0.6+0.5)/2 = 0.55, t3 (0.9+0.7)/2 = 0.8 -> median 0.8
  static final List<TrialView> DONE = List.of(
      trial(1, TrialState.COMPLETED, 1.0, 0.8, 0.7),
      trial(2, TrialState.COMPLETED, 0.6, 0.5, 0.4),
      trial(3, TrialState.STOPPED, 0.9, 0.7));

  @Test
  void stopsATrialWorseThanTheMedianOfEarlierRunningAverages() {
    TrialView worse = trial(4, TrialState.RUNNING, 0.95, 0.85);
    assertThat(MedianStoppingRule.defaults().shouldStop(worse, DONE)).isTrue();
  }

  @Test
  void keepsATrialAtOrBetterThanTheMedian() {
    assertThat(MedianStoppingRule.defaults().shouldStop(trial(4, TrialState.RUNNING, 0.95, 0.8), DONE)).isFalse();
    assertThat(MedianStoppingRule.defaults().shouldStop(trial(4, TrialState.RUNNING, 0.95, 0.6), DONE)).isFalse();
  }

  @Test
  void comparesAtTheSameRoundOnlyWithTrialsThatReachedIt() {
    // at round 3 only t1 and t2 reached it: fewer than three earlier trials, so nothing stops
    TrialView t = trial(4, TrialState.RUNNING, 5.0, 5.0, 5.0);
    assertThat(MedianStoppingRule.defaults().shouldStop(t, DONE)).isFalse();
    assertThat(new MedianStoppingRule(2, 1).shouldStop(t, DONE)).isTrue();
  }

  @Test
  void runningAndFailedTrialsDoNotCount() {
    List<TrialView> others = List.of(trial(1, TrialState.COMPLETED, 0.1, 0.1), trial(2, TrialState.RUNNING, 0.1, 0.1),
        trial(3, TrialState.FAILED, 0.1, 0.1));
    assertThat(new MedianStoppingRule(2, 1).shouldStop(trial(4, TrialState.RUNNING, 1.0, 1.0), others)).isFalse();
  }

  @Test
  void neverStopsBeforeTheMinimumRounds() {
    assertThat(new MedianStoppingRule(3, 3).shouldStop(trial(4, TrialState.RUNNING, 9.0, 9.0), DONE)).isFalse();
  }

  @Test
  void aNanObjectiveNeitherStopsATrialNorCountsTowardsTheMedian() {
    // issue 9: auc of a channel with one class only is NaN; NaN is no objective, never a reason to stop
    assertThat(MedianStoppingRule.defaults().shouldStop(trial(4, TrialState.RUNNING, 0.95, Double.NaN), DONE))
        .isFalse();
    // a finished trial whose curve is NaN says nothing: with it ignored, two trials are too few to stop
    List<TrialView> nan = List.of(trial(1, TrialState.COMPLETED, 1.0, 0.8), trial(2, TrialState.COMPLETED, 0.6, 0.5),
        trial(3, TrialState.COMPLETED, Double.NaN, Double.NaN));
    assertThat(MedianStoppingRule.defaults().shouldStop(trial(4, TrialState.RUNNING, 5.0, 5.0), nan)).isFalse();
    assertThat(new MedianStoppingRule(2, 1).shouldStop(trial(4, TrialState.RUNNING, 5.0, 5.0), nan)).isTrue();
  }
}
