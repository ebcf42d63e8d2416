package io.kiln.record;

/** SageMaker's SecondaryStatus, the detailed step a job is in. */
public enum SecondaryStatus {
  Starting,
  Pending,
  Downloading,
  Training,
  Interrupted,
  Restarting,
  Uploading,
  Stopping,
  Stopped,
  MaxRuntimeExceeded,
  MaxWaitTimeExceeded,
  Completed,
  Failed;

  /** The primary status a job shows while in this step. */
  public TrainingJobStatus primary() {
    return switch (this) {
      case Completed -> TrainingJobStatus.Completed;
      case Failed -> TrainingJobStatus.Failed;
      case Stopped, MaxRuntimeExceeded, MaxWaitTimeExceeded -> TrainingJobStatus.Stopped;
      case Stopping -> TrainingJobStatus.Stopping;
      default -> TrainingJobStatus.InProgress;
    };
  }
}
