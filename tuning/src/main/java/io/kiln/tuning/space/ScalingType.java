package io.kiln.tuning.space;

/** SageMaker's ScalingType for Integer and Continuous ranges. */
public enum ScalingType {
  /** Let the tuner choose: linear, as SageMaker starts out. */
  Auto,
  Linear,
  /** Search log(x): for ranges spanning orders of magnitude; values must be > 0. */
  Logarithmic,
  /** Search log(1 - x): for values close to 1; continuous ranges within [0, 1) only. */
  ReverseLogarithmic
}
