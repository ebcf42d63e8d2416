package io.kiln.tuning.strategy;

import io.kiln.tuning.space.SearchSpace;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The trials a strategy has been shown, in its search space's terms: the observations (trials that
 * finished with a loss, as cube points), the pending points (running trials), and every configuration
 * already tried in any state, so none is proposed twice. Trials whose hyperparameters do not fit the
 * space (a warm-start parent with other ranges) count as tried but are not modelled.
 */
final class History {
  private final SearchSpace space;
  private final List<double[]> points = new ArrayList<>();
  private final List<Double> losses = new ArrayList<>();
  private final List<double[]> pending = new ArrayList<>();
  private final Set<Map<String, String>> taken = new HashSet<>();
  private final int size;

  private History(SearchSpace space, List<TrialView> trials) {
    this.space = space;
    this.size = trials.size();
    for (TrialView trial : trials) {
      Map<String, String> own = new LinkedHashMap<>();
      for (String name : space.names()) {
        String value = trial.hyperparameters().get(name);
        if (value != null) {
          own.put(name, value);
        }
      }
      double[] point = encode(own);
      taken.add(point == null ? own : space.decode(point));
      if (point == null) {
        continue;
      }
      if (trial.state() == TrialState.RUNNING) {
        pending.add(point);
      } else if ((trial.state() == TrialState.COMPLETED || trial.state() == TrialState.STOPPED)
          && Double.isFinite(trial.loss())) {
        points.add(point);
        losses.add(trial.loss());
      }
    }
  }

  static History of(SearchSpace space, List<TrialView> trials) {
    return new History(space, trials);
  }

  /** Cube coordinates of a configuration, or null when it does not fit the space. */
  private double[] encode(Map<String, String> values) {
    try {
      double[] point = space.encode(values);
      for (double v : point) {
        if (!Double.isFinite(v)) {
          return null;
        }
      }
      return point;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Trials shown, in any state. */
  int size() {
    return size;
  }

  /** Trials that finished with a finite loss. */
  int observed() {
    return losses.size();
  }

  double[][] points() {
    return points.toArray(double[][]::new);
  }

  double[] losses() {
    return losses.stream().mapToDouble(Double::doubleValue).toArray();
  }

  double bestLoss() {
    return losses.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  double[][] pending() {
    return pending.toArray(double[][]::new);
  }

  /** True when this configuration (as the space decodes it) was tried before, in any state. */
  boolean taken(Map<String, String> hyperparameters) {
    double[] point = encode(hyperparameters);
    return taken.contains(point == null ? hyperparameters : space.decode(point));
  }

  /** True when the cube point decodes to a configuration tried before. */
  boolean taken(double[] point) {
    return taken.contains(space.decode(point));
  }
}
