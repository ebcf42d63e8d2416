package io.kiln.tuning.spec;

import io.kiln.spi.KilnException;

/**
 * SageMaker's ResourceLimits. Limits that depend on the strategy (how many jobs Grid runs, the
 * most each strategy allows) are checked by {@link TuningJobSpec}.
 *
 * @param maxTrainingJobs MaxNumberOfTrainingJobs: the most trials the tuning job starts; null only
 *     before a {@link TuningJobSpec} is built for Grid search, which sets it to the number of
 *     combinations
 * @param maxParallelTrainingJobs MaxParallelTrainingJobs: the most trials running at once
 * @param maxRuntimeSeconds MaxRuntimeInSeconds: the longest the whole tuning job may run, or null
 */
public record ResourceLimits(Integer maxTrainingJobs, int maxParallelTrainingJobs, Long maxRuntimeSeconds) {
  /** SageMaker's bounds on a tuning job's MaxRuntimeInSeconds. */
  public static final long MIN_RUNTIME_SECONDS = 120;
  public static final long MAX_RUNTIME_SECONDS = 15_768_000;

  public ResourceLimits {
    if (maxTrainingJobs != null && maxTrainingJobs < 1) {
      throw KilnException.user("maxTrainingJobs (ResourceLimits.MaxNumberOfTrainingJobs) is " + maxTrainingJobs
          + "; expected at least 1");
    }
    if (maxParallelTrainingJobs < 1) {
      throw KilnException.user("maxParallelTrainingJobs (ResourceLimits.MaxParallelTrainingJobs) is "
          + maxParallelTrainingJobs + "; expected at least 1");
    }
    if (maxRuntimeSeconds != null
        && (maxRuntimeSeconds < MIN_RUNTIME_SECONDS || maxRuntimeSeconds > MAX_RUNTIME_SECONDS)) {
      throw KilnException.user("maxRuntimeSeconds (ResourceLimits.MaxRuntimeInSeconds) is " + maxRuntimeSeconds
          + "; expected " + MIN_RUNTIME_SECONDS + " to " + MAX_RUNTIME_SECONDS + " seconds");
    }
  }

  /** The same limits with MaxNumberOfTrainingJobs set. */
  public ResourceLimits withMaxTrainingJobs(int newMaxTrainingJobs) {
    return new ResourceLimits(newMaxTrainingJobs, maxParallelTrainingJobs, maxRuntimeSeconds);
  }
}
