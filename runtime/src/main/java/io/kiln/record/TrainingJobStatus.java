package io.kiln.record;

/** SageMaker's TrainingJobStatus. */
public enum TrainingJobStatus {
  InProgress,
  Completed,
  Failed,
  Stopping,
  Stopped;

  public boolean terminal() {
    return this == Completed || this == Failed || this == Stopped;
  }

  /** The exit code of {@code kiln train} for a job that ended in this status. */
  public int exitCode() {
    return switch (this) {
      case Completed -> 0;
      case Stopped, Stopping -> 3;
      default -> 1;
    };
  }
}
