package io.kiln.tuning.spec;

import io.kiln.spi.KilnException;

/**
 * SageMaker's TuningJobCompletionCriteria: when the tuning job may end before it has run all its
 * trials. Any criterion that is met ends it.
 *
 * @param targetObjectiveValue TargetObjectiveMetricValue: end once a trial's objective is this good,
 *     or null
 * @param maxJobsNotImproving BestObjectiveNotImproving.MaxNumberOfTrainingJobsNotImproving: end after
 *     this many trials in a row that do not improve the best objective, or null
 * @param completeOnConvergence ConvergenceDetected.CompleteOnConvergence: end when the search has
 *     converged (Enabled)
 */
public record CompletionCriteria(Double targetObjectiveValue, Integer maxJobsNotImproving,
    boolean completeOnConvergence) {
  /** SageMaker's least MaxNumberOfTrainingJobsNotImproving. */
  public static final int MIN_JOBS_NOT_IMPROVING = 3;

  public CompletionCriteria {
    if (targetObjectiveValue != null && !Double.isFinite(targetObjectiveValue)) {
      throw KilnException.user("completion.targetObjectiveValue (TuningJobCompletionCriteria."
          + "TargetObjectiveMetricValue) is " + targetObjectiveValue + "; expected a finite number");
    }
    if (maxJobsNotImproving != null && maxJobsNotImproving < MIN_JOBS_NOT_IMPROVING) {
      throw KilnException.user("completion.maxJobsNotImproving (BestObjectiveNotImproving."
          + "MaxNumberOfTrainingJobsNotImproving) is " + maxJobsNotImproving + "; expected at least "
          + MIN_JOBS_NOT_IMPROVING);
    }
  }

  /** No criteria: the tuning job runs until its trials or its time are used up. */
  public static CompletionCriteria none() {
    return new CompletionCriteria(null, null, false);
  }

  public boolean isNone() {
    return equals(none());
  }
}
