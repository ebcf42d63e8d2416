package io.kiln.tuning.driver;

import io.kiln.record.TrainingJobStatus;

/**
 * SageMaker's HyperParameterTuningJobStatus. Its values are those of TrainingJobStatus, and so
 * are its terminal states and exit codes.
 */
public enum TuningJobStatus {
  InProgress,
  Completed,
  Failed,
  Stopping,
  Stopped;

  public boolean terminal() {
    return asTrainingStatus().terminal();
  }

  /** The exit code of {@code kiln tune}: 0 Completed, 1 Failed, 3 Stopped. */
  public int exitCode() {
    return asTrainingStatus().exitCode();
  }

  private TrainingJobStatus asTrainingStatus() {
    return TrainingJobStatus.valueOf(name());
  }
}
