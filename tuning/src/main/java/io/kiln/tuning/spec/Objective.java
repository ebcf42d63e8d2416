package io.kiln.tuning.spec;

import io.kiln.spi.KilnException;

/**
 * SageMaker's HyperParameterTuningJobObjective: the metric trials are compared by.
 *
 * @param type whether larger or smaller values are better
 * @param metricName the metric as the algorithm reports it ({@code validation:auc})
 */
public record Objective(Type type, String metricName) {
  /** SageMaker's MetricName limit. */
  public static final int MAX_METRIC_NAME_LENGTH = 255;

  public Objective {
    if (type == null) {
      throw KilnException.user("objective.type (HyperParameterTuningJobObjective.Type) is missing; "
          + "give Maximize or Minimize");
    }
    if (metricName == null || metricName.isBlank()) {
      throw KilnException.user("objective.metric (HyperParameterTuningJobObjective.MetricName) is empty; "
          + "name the metric trials are compared by, e.g. validation:auc");
    }
    if (metricName.length() > MAX_METRIC_NAME_LENGTH) {
      throw KilnException.user("objective.metric (HyperParameterTuningJobObjective.MetricName) has "
          + metricName.length() + " characters; at most " + MAX_METRIC_NAME_LENGTH + " are allowed");
    }
  }

  /** SageMaker's HyperParameterTuningJobObjectiveType. */
  public enum Type {
    Maximize,
    Minimize
  }
}
