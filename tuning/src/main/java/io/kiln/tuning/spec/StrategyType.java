package io.kiln.tuning.spec;

/** SageMaker's HyperParameterTuningJobStrategyType: how the next trial's hyperparameters are chosen. */
public enum StrategyType {
  /** A Gaussian-process model of the objective picks the most promising point. */
  Bayesian(750),
  /** Independent uniform draws from the search space. */
  Random(10_000),
  /** Every combination of categorical values, once each. */
  Grid(750),
  /** Many short trials; the best are continued with more resource (rounds, epochs). */
  Hyperband(750);

  private final int maxTrainingJobsLimit;

  StrategyType(int maxTrainingJobsLimit) {
    this.maxTrainingJobsLimit = maxTrainingJobsLimit;
  }

  /** SageMaker's limit on MaxNumberOfTrainingJobs for this strategy (Random's is the raised limit). */
  public int maxTrainingJobsLimit() {
    return maxTrainingJobsLimit;
  }
}
