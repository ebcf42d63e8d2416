package io.kiln.spec;

import io.kiln.spi.KilnException;

/**
 * SageMaker's StoppingCondition.
 *
 * @param maxRuntimeSeconds longest the job may train (default one day)
 * @param maxWaitSeconds for managed spot: longest the job may take, waiting included, or null
 * @param maxPendingSeconds longest the job may wait for capacity when not on spot, or null
 */
public record StoppingCondition(long maxRuntimeSeconds, Long maxWaitSeconds, Long maxPendingSeconds) {
  public static final long DEFAULT_MAX_RUNTIME_SECONDS = 86_400;
  /** SageMaker's limit: 28 days. */
  public static final long MAX_RUNTIME_LIMIT_SECONDS = 28L * 86_400;

  public StoppingCondition {
    if (maxRuntimeSeconds < 1 || maxRuntimeSeconds > MAX_RUNTIME_LIMIT_SECONDS) {
      throw KilnException.user("MaxRuntimeInSeconds is " + maxRuntimeSeconds + "; expected 1 to "
          + MAX_RUNTIME_LIMIT_SECONDS + " (28 days)");
    }
    if (maxWaitSeconds != null && maxWaitSeconds < 1) {
      throw KilnException.user("MaxWaitTimeInSeconds is " + maxWaitSeconds + "; expected at least 1");
    }
    if (maxPendingSeconds != null && maxPendingSeconds < 1) {
      throw KilnException.user("MaxPendingTimeInSeconds is " + maxPendingSeconds + "; expected at least 1");
    }
  }

  public static StoppingCondition defaults() {
    return new StoppingCondition(DEFAULT_MAX_RUNTIME_SECONDS, null, null);
  }
}
