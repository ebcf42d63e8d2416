package io.kiln.tuning.strategy;

import java.util.List;
import java.util.Map;

/**
 * A read-only snapshot of one trial, all a strategy or a stopping rule sees.
 *
 * @param number the trial's sequence number, from 1
 * @param hyperparameters the tuned hyperparameters' values
 * @param state where the trial is
 * @param loss the final objective as a loss (smaller is better: the objective for Minimize, its
 *     negation for Maximize), or NaN while running or after failing
 * @param curve the objective as a loss after each round reported so far
 * @param resource the rounds (epochs) it was given, 0 when not set by the strategy
 * @param parent the trial it continued from (Hyperband promotions), or 0
 */
public record TrialView(int number, Map<String, String> hyperparameters, TrialState state, double loss,
    List<Double> curve, int resource, int parent) {

  public TrialView {
    hyperparameters = Map.copyOf(hyperparameters);
    curve = List.copyOf(curve);
  }

  public boolean hasLoss() {
    return !Double.isNaN(loss);
  }
}
