package io.kiln.runner;

import io.kiln.record.JobRecord;
import io.kiln.record.JobStore;
import io.kiln.record.SecondaryStatus;
import io.kiln.record.TrainingJobStatus;
import io.kiln.spi.Algorithm;
import io.kiln.spi.CheckpointIdentity;
import io.kiln.spi.CheckpointStore;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.TrainingOutcome;
import io.kiln.storage.StorageRetry;
import io.kiln.storage.Uris;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Ends a training job: publishes its outputs (Uploading), records final metrics, times and billing,
 * and writes the terminal status (Completed, Stopped with the model so far, or Failed with
 * SageMaker's FailureReason). Also ends a job stopped while no training ran, with the model of its
 * newest own checkpoint.
 */
final class JobFinisher {
  private final JobStore store;
  private final RunningJob job;
  private final Billing billing;
  private final String artifact;
  private String outputArchive;
  private boolean artifactWritten;

  JobFinisher(JobStore store, RunningJob job, Billing billing) {
    this.store = store;
    this.job = job;
    this.billing = billing;
    this.artifact = Uris.join(job.spec().outputPath(), job.spec().name(), "output", "model.tar.gz");
  }

  /** Where the job's model.tar.gz goes. */
  String artifact() {
    return artifact;
  }

  /** Uploading, then Completed (or Stopped, keeping the model): the model and output archives, final metrics. */
  JobResult trained(TrainingOutcome outcome, JobOutputs.Staged staged, Path modelDirectory) {
    // roundsCompleted counts the model's rounds, fewer than ran when early stopping kept the best one's
    job.log("Training ended" + (outcome.stoppedEarly() ? " (stopped early)" : "")
        + (outcome.roundsCounted() ? "; the model holds " + outcome.roundsCompleted() + " round(s)" : ""));
    job.transition(SecondaryStatus.Uploading, "Uploading generated training model");
    StorageRetry.run(job.retryWindow(), "the model " + artifact, job::log,
        () -> JobOutputs.publishModel(store.store(), staged, modelDirectory, artifact, job::log));
    artifactWritten = true;
    String output = Uris.join(job.spec().outputPath(), job.spec().name(), "output", JobOutputs.OUTPUT_ARCHIVE);
    outputArchive = StorageRetry.call(job.retryWindow(), "the output archive " + output, job::log,
        () -> JobOutputs.publishOutput(store.store(), staged, output)).orElse(null);
    if (outputArchive != null) {
      job.log("Wrote " + outputArchive + " from rank 0's output/data directory");
    }
    Map<String, Double> finals = new LinkedHashMap<>(outcome.finalMetrics());
    finals.putAll(job.definedMetrics());
    Map<String, Instant> times = job.definedMetricTimes(); // SageMaker's Timestamp: when the metric was emitted
    // FinalMetricDataList holds numbers (SageMaker's metrics go through CloudWatch, which stores no NaN)
    finals.entrySet().removeIf(e -> {
      if (e.getValue() == null || !Double.isFinite(e.getValue())) {
        job.log("Final metric " + e.getKey() + " is " + e.getValue() + ": not a number, so it is left out of "
            + "FinalMetricDataList (the metric history keeps it)");
        return true;
      }
      return false;
    });
    Instant end = Instant.now();
    List<JobRecord.MetricData> metricData = finals.entrySet().stream()
        .map(e -> new JobRecord.MetricData(e.getKey(), e.getValue(), times.getOrDefault(e.getKey(), end))).toList();
    Integer rounds = outcome.roundsCounted() ? outcome.roundsCompleted() : null; // not shown when not counted
    job.update(r -> r.toBuilder().modelArtifacts(new JobRecord.ModelArtifacts(artifact)).finalMetrics(metricData)
        .kiln(r.kilnBuilder().roundsCompleted(rounds).build()).build());
    return finish(artifact, true);
  }

  /** Ends a job that was stopped with no training running: the model is the newest own checkpoint's. */
  JobResult fromCheckpoint(Algorithm<?> algorithm, CheckpointStore checkpoints, CheckpointIdentity identity)
      throws IOException {
    if (job.stopReason() != SecondaryStatus.Failed && job.record().secondaryStatus() != SecondaryStatus.Stopping) {
      job.transition(SecondaryStatus.Stopping, job.stopMessage());
    }
    Optional<CheckpointStore.Info> latest = checkpoints == null ? Optional.empty()
        : JobCheckpoints.own(checkpoints, identity);
    if (latest.isPresent() && job.stopReason() != SecondaryStatus.Failed) {
      Path dir = Files.createTempDirectory("kiln-model-" + job.spec().name() + "-");
      Path state = Files.createTempDirectory("kiln-checkpoint-" + job.spec().name() + "-");
      try {
        if (checkpoints.restore(latest.get(), state) && algorithm.modelFromCheckpoint(state, dir)) {
          job.transition(SecondaryStatus.Uploading, "Uploading the model of the checkpoint after round "
              + latest.get().round());
          StorageRetry.run(job.retryWindow(), "the model " + artifact, job::log,
              () -> ModelArchive.write(dir, store.store(), artifact));
          int round = latest.get().round();
          job.update(r -> r.toBuilder().modelArtifacts(new JobRecord.ModelArtifacts(artifact))
              .kiln(r.kilnBuilder().roundsCompleted(round).build()).build());
          return finish(artifact, true);
        }
      } finally {
        deleteQuietly(dir);
        deleteQuietly(state);
      }
    }
    return finish(null, false);
  }

  private JobResult finish(String artifact, boolean trained) {
    Instant end = Instant.now();
    SecondaryStatus finalStatus = job.stopReason() == null ? SecondaryStatus.Completed : job.stopReason();
    String message = job.stopReason() == null ? "Training job completed"
        : job.stopMessage() + (trained ? "; the model so far was kept" : "");
    if (finalStatus == SecondaryStatus.Failed) {
      return failed(new KilnException(ErrorType.CAPACITY, job.stopMessage()), 1);
    }
    // a Stopped job has no FailureReason (SageMaker's DescribeTrainingJob gives one for Failed jobs
    // only): why it stopped is the Stopped transition's StatusMessage, and in the job log
    job.update(r -> times(r, end).build());
    job.transition(finalStatus, message, end);
    JobRecord r = job.record();
    return new JobResult(r.trainingJobName(), r.trainingJobStatus(), r.secondaryStatus(),
        finalStatus == SecondaryStatus.Completed ? null : message, artifact, r.trainingJobStatus().exitCode(), null);
  }

  /**
   * Fails the job with {@code e}'s FailureReason; removes the archives this job already published,
   * so a failed job leaves no model.
   */
  JobResult failed(KilnException e, int exitCode) {
    if (artifactWritten) {
      deleteOrWarn(artifact);
    }
    if (outputArchive != null) {
      deleteOrWarn(outputArchive);
    }
    if (e instanceof StorageRetry.Outage outage) {
      e = new StorageRetry.Outage(outage.what(), outage.getMessage() + "; " + resumeHint(), outage.getCause());
    }
    String reason = job.show(failureReason(e));
    Instant end = Instant.now();
    job.log("ERROR " + reason);
    if (e.type() != ErrorType.USER && e.type() != ErrorType.CAPACITY && !(e instanceof StorageRetry.Outage)) {
      job.log("ERROR cause: " + stackTrace(e));
    }
    job.update(r -> times(r, end).failureReason(reason).build());
    job.transition(SecondaryStatus.Failed, reason, end);
    return new JobResult(job.spec().name(), TrainingJobStatus.Failed, SecondaryStatus.Failed, reason, null, exitCode,
        e.type());
  }

  /** What a user can do about a job that failed because storage was out. */
  String resumeHint() {
    return job.spec().checkpoint() != null
        ? "the job can be resumed from its newest checkpoint with `kiln train --resume " + job.spec().name()
            + "` once storage is back"
        : "the job has no checkpoint location to resume from; run it again once storage is back";
  }

  private void deleteOrWarn(String uri) {
    try {
      store.store().delete(uri, false);
    } catch (RuntimeException e) {
      job.log("WARN cannot remove " + uri + " of the failed job: " + e.getMessage());
    }
  }

  private JobRecord.Builder times(JobRecord r, Instant end) {
    JobRecord.Builder b = r.toBuilder().trainingEndTime(end);
    if (r.trainingStartTime() != null) {
      long seconds = RunningJob.seconds(r.trainingStartTime(), end);
      b.trainingTime(seconds).billableTime(billing.billableSeconds(seconds))
          .kiln(r.kilnBuilder().billing(billing.toJson(seconds, r.kiln().workers())).build());
    }
    return b;
  }

  /**
   * SageMaker's FailureReason for {@code e}: its error code ({@link JobResult#errorCode}), a colon,
   * and the message without native backtraces or library paths ({@link FailureText}), on one line
   * (line breaks and other control characters escaped, see {@link io.kiln.spi.Messages#oneLine}),
   * at most 1024 characters: a longer one keeps its first 700 and last 300 characters, since the
   * cause is often at the end.
   */
  static String failureReason(KilnException e) {
    String reason = io.kiln.spi.Messages.oneLine(JobResult.errorCode(e.type()) + ": "
        + FailureText.clean(String.valueOf(e.getMessage())).strip());
    return reason.length() > 1024 ? reason.substring(0, 700) + " … " + reason.substring(reason.length() - 300)
        : reason;
  }

  private static String stackTrace(Throwable e) {
    java.io.StringWriter w = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(w));
    return w.toString();
  }

  static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp directory; the OS cleans what is left
    }
  }
}
