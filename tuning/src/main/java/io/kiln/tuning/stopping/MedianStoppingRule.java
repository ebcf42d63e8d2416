package io.kiln.tuning.stopping;

import io.kiln.tuning.strategy.TrialState;
import io.kiln.tuning.strategy.TrialView;
import java.util.ArrayList;
import java.util.List;

/**
 * SageMaker's early stopping (TrainingJobEarlyStoppingType Auto): after each round r, a trial
 * stops when its objective is worse than the median, over earlier trials that reached round r, of
 * their running averages of the objective up to r.
 *
 * <p>A trial whose objective was not a number (NaN) up to round r does not count; a running
 * trial's NaN never stops it.
 *
 * <p>Only trials that have finished (completed or stopped) count as earlier trials, and a rule
 * needs {@code minTrials} of them before it stops anything; a trial is never stopped before
 * {@code minRounds} rounds.
 */
public final class MedianStoppingRule implements EarlyStoppingRule {
  private final int minTrials;
  private final int minRounds;

  public MedianStoppingRule(int minTrials, int minRounds) {
    this.minTrials = minTrials;
    this.minRounds = minRounds;
  }

  /** SageMaker-like defaults: at least three finished trials, at least one round. */
  public static MedianStoppingRule defaults() {
    return new MedianStoppingRule(3, 1);
  }

  @Override
  public boolean shouldStop(TrialView running, List<TrialView> others) {
    int round = running.curve().size();
    if (round < minRounds || round == 0) {
      return false;
    }
    List<Double> averages = new ArrayList<>();
    for (TrialView t : others) {
      if (t.number() == running.number() || t.curve().size() < round
          || !(t.state() == TrialState.COMPLETED || t.state() == TrialState.STOPPED)) {
        continue;
      }
      double sum = 0;
      for (int i = 0; i < round; i++) {
        sum += t.curve().get(i);
      }
      if (Double.isFinite(sum)) {
        // a trial whose objective was NaN (e.g. auc of one class only) says nothing about the median
        averages.add(sum / round);
      }
    }
    if (averages.size() < minTrials) {
      return false;
    }
    averages.sort(Double::compare);
    int n = averages.size();
    double median = n % 2 == 1 ? averages.get(n / 2) : (averages.get(n / 2 - 1) + averages.get(n / 2)) / 2;
    // a NaN objective is not worse than the median: it is no objective at all
    return running.curve().get(round - 1) > median;
  }
}
