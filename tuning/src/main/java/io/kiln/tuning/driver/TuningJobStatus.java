package io.kiln.tuning.driver;

/** SageMaker's HyperParameterTuningJobStatus. */
public enum TuningJobStatus {
  InProgress,
  Completed,
  Failed,
  Stopping,
  Stopped;

  public boolean terminal() {
    return this == Completed || this == Failed || this == Stopped;
  }

  /** The exit code of {@code kiln tune}: 0 Completed, 1 Failed, 3 Stopped. */
  public int exitCode() {
    return switch (this) {
      case Completed -> 0;
      case Stopped, Stopping -> 3;
      default -> 1;
    };
  }
}
