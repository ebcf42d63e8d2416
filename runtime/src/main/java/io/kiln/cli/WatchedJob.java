package io.kiln.cli;

import io.kiln.record.JobStore;
import io.kiln.record.ResourceNotFoundException;
import io.kiln.record.TrainingJobStatus;
import java.util.Optional;

/**
 * A training or tuning job by name, as the commands that follow one ({@code logs -f}, {@code wait})
 * read it: its status as a reader sees it now (a lost driver's job is Failed) and its log. Training
 * jobs and tuning jobs share the statuses and their exit codes.
 *
 * @param store the job root
 * @param name the job
 * @param tuning whether it is a tuning job
 */
record WatchedJob(JobStore store, String name, boolean tuning) {

  /**
   * The job of that name: a training job, else a tuning job.
   *
   * @throws ResourceNotFoundException when neither exists (exit code 4)
   */
  static WatchedJob find(JobStore store, String name) {
    if (store.load(name).isPresent()) {
      return new WatchedJob(store, name, false);
    }
    if (TuningJobs.exists(store, name)) {
      return new WatchedJob(store, name, true);
    }
    throw ResourceNotFoundException.of("training or tuning job", name, store.shownRoot());
  }

  /** The status now: InProgress, Completed, Failed, Stopping or Stopped. */
  TrainingJobStatus status() {
    if (tuning) {
      String s = TuningJobs.status(store, name)
          .orElseThrow(() -> ResourceNotFoundException.of("tuning job", name, store.shownRoot()));
      return TrainingJobStatus.valueOf(s);
    }
    return StoreCommand.load(store, name).trainingJobStatus();
  }

  /**
   * Why the job failed or stopped, when it says: a training job's FailureReason when it Failed, the
   * StatusMessage of its last transition when it Stopped (it has no FailureReason then, as on SageMaker).
   */
  Optional<String> failureReason() {
    if (tuning) {
      return TuningJobs.records(store).load(name).map(n -> n.path("FailureReason").asText(null));
    }
    io.kiln.record.JobRecord r = StoreCommand.load(store, name);
    if (r.trainingJobStatus() == TrainingJobStatus.Stopped && !r.secondaryStatusTransitions().isEmpty()) {
      return Optional.ofNullable(r.secondaryStatusTransitions().get(r.secondaryStatusTransitions().size() - 1)
          .statusMessage());
    }
    return Optional.ofNullable(r.failureReason());
  }

  /** The job's log so far, or empty before its driver wrote one. */
  Optional<String> log() {
    return tuning ? TuningJobs.readLog(store, name) : store.readLog(name);
  }

  /** What the job is called in messages. */
  String what() {
    return (tuning ? "tuning job " : "training job ") + name;
  }
}
