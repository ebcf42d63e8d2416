package io.kiln.tuning.spec;

/** SageMaker's TrainingJobEarlyStoppingType. */
public enum EarlyStoppingType {
  /** Every trial trains to the end. */
  Off,
  /** Trials doing worse than the median of earlier trials at the same round are stopped. */
  Auto
}
