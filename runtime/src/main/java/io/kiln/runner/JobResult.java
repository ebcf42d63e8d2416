package io.kiln.runner;

import io.kiln.record.SecondaryStatus;
import io.kiln.record.TrainingJobStatus;
import io.kiln.spi.ErrorType;

/**
 * How a job ended.
 *
 * @param name the job
 * @param status its final status
 * @param secondaryStatus its final secondary status
 * @param failureReason why it failed or stopped, or null
 * @param modelArtifacts the model.tar.gz URI, or null when none was written
 * @param exitCode what {@code kiln train} exits with: 0 Completed, 1 Failed, 2 bad spec, 3 Stopped
 * @param errorType what kind of error failed the job; null unless it Failed
 */
public record JobResult(String name, TrainingJobStatus status, SecondaryStatus secondaryStatus, String failureReason,
    String modelArtifacts, int exitCode, ErrorType errorType) {

  /** A result with no error type (jobs that did not fail). */
  public JobResult(String name, TrainingJobStatus status, SecondaryStatus secondaryStatus, String failureReason,
      String modelArtifacts, int exitCode) {
    this(name, status, secondaryStatus, failureReason, modelArtifacts, exitCode, null);
  }

  /**
   * The SageMaker-style error code of a failed job, the prefix of its FailureReason ({@code
   * ClientError}, {@code AlgorithmError}, {@code CapacityError}, {@code InternalServerError}); null
   * unless it Failed.
   */
  public String errorCode() {
    return errorType == null ? null : errorCode(errorType);
  }

  /** The SageMaker-style error code of an error type. */
  public static String errorCode(ErrorType type) {
    return switch (type) {
      case USER -> "ClientError";
      case CAPACITY -> "CapacityError";
      case ALGORITHM -> "AlgorithmError";
      case INTERNAL -> "InternalServerError";
    };
  }

  /** Whether retrying the same job could end otherwise: false for a user's mistake (SageMaker's NonRetryableError). */
  public boolean retryable() {
    return errorType != ErrorType.USER;
  }
}
