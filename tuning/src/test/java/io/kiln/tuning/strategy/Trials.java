package io.kiln.tuning.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** Trial snapshots for strategy tests, and a loop that runs a strategy against a known function. */
final class Trials {
  private Trials() {
  }

  static TrialView completed(int number, Map<String, String> hyperparameters, double loss) {
    return new TrialView(number, hyperparameters, TrialState.COMPLETED, loss, List.of(), 0, 0);
  }

  static TrialView running(int number, Map<String, String> hyperparameters) {
    return new TrialView(number, hyperparameters, TrialState.RUNNING, Double.NaN, List.of(), 0, 0);
  }

  static TrialView failed(int number, Map<String, String> hyperparameters) {
    return new TrialView(number, hyperparameters, TrialState.FAILED, Double.NaN, List.of(), 0, 0);
  }

  /** Runs {@code trials} sequential trials, each completed with the function's value; returns the history. */
  static List<TrialView> run(SearchStrategy strategy, ToDoubleFunction<Map<String, String>> loss, int trials) {
    List<TrialView> history = new ArrayList<>();
    return run(strategy, loss, trials, history);
  }

  static List<TrialView> run(SearchStrategy strategy, ToDoubleFunction<Map<String, String>> loss, int trials,
      List<TrialView> history) {
    for (int t = 0; t < trials; t++) {
      Map<String, String> next = strategy.suggest(history).orElseThrow().hyperparameters();
      history.add(completed(history.size() + 1, next, loss.applyAsDouble(next)));
    }
    return history;
  }

  static double best(List<TrialView> history) {
    return history.stream().filter(TrialView::hasLoss).mapToDouble(TrialView::loss).min().orElseThrow();
  }
}
