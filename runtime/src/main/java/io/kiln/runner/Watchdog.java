package io.kiln.runner;

import io.kiln.record.Heartbeat;
import io.kiln.record.JobRecord;
import io.kiln.record.JobStore;
import io.kiln.record.SecondaryStatus;
import io.kiln.spec.TrainingJobSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Watches a running training job from its own thread, every {@code
 * spark.kiln.heartbeat.interval-seconds}: writes the heartbeat other processes read, turns a stop
 * request (from {@code kiln stop}) and the time limits (MaxRuntimeInSeconds counted without capacity
 * waits, MaxWaitTimeInSeconds for spot jobs) into a stop at the next round, and steps aside when
 * another driver took the job over (a higher lease epoch in the record), cancelling the attempt's
 * Spark jobs. It never shares a thread with training or with user-supplied work.
 */
final class Watchdog implements AutoCloseable {
  private final JobStore store;
  private final RunningJob job;
  private final int leaseEpoch;
  private final Consumer<String> cancelJobGroup;
  private final Heartbeat.Schedule schedule;

  /**
   * Starts watching.
   *
   * @param leaseEpoch the epoch this driver holds
   * @param cancelJobGroup cancels a Spark job group (the attempt's, when fenced off)
   */
  Watchdog(JobStore store, RunningJob job, int leaseEpoch, long intervalSeconds, Consumer<String> cancelJobGroup) {
    this.store = store;
    this.job = job;
    this.leaseEpoch = leaseEpoch;
    this.cancelJobGroup = cancelJobGroup;
    this.schedule = Heartbeat.every(intervalSeconds, "kiln-heartbeat-" + job.spec().name(), this::beat);
  }

  /** One look: the heartbeat, stop requests, limits and the lease. */
  void beat() {
    try {
      Instant now = Instant.now();
      TrainingJobSpec spec = job.spec();
      Optional<JobRecord> stored = store.load(spec.name());
      if (stored.isPresent() && stored.get().kiln() != null && stored.get().kiln().leaseEpoch() != null
          && stored.get().kiln().leaseEpoch() > leaseEpoch) {
        job.fence("Another driver took the job over (lease epoch " + stored.get().kiln().leaseEpoch() + ")");
        cancelJobGroup.accept(RunnerContext.jobGroup(spec.name(), job.record().kiln().attempts() - 1));
        return;
      }
      if (job.stopReason() == null) {
        store.stopRequest(spec.name()).ifPresent(req -> job.stopWith(SecondaryStatus.Stopped,
            "Stopped by request: " + req.reason(), "Stopping the training job (" + req.reason() + ")"));
      }
      Instant start = job.record().trainingStartTime();
      long limit = spec.stoppingCondition().maxRuntimeSeconds();
      // run time: time waiting for capacity does not count (MaxWaitTimeInSeconds bounds that)
      if (job.stopReason() == null && start != null
          && Duration.between(start, now).getSeconds() - job.waitedSeconds(now) >= limit) {
        job.stopWith(SecondaryStatus.MaxRuntimeExceeded, "Training job reached MaxRuntimeInSeconds (" + limit + " s)",
            "Stopping: MaxRuntimeInSeconds (" + limit + " s) reached");
      }
      if (job.stopReason() == null && spec.managedSpot()) {
        long maxWait = spec.stoppingCondition().maxWaitSeconds();
        if (Duration.between(job.record().creationTime(), now).getSeconds() >= maxWait) {
          job.stopWith(SecondaryStatus.MaxWaitTimeExceeded, "Training job reached MaxWaitTimeInSeconds (" + maxWait
              + " s)", "Stopping: MaxWaitTimeInSeconds (" + maxWait + " s) reached");
        }
      }
      job.heartbeat(now);
    } catch (RuntimeException e) {
      job.log("WARN heartbeat failed: " + e);
    }
  }

  /** Stops watching; a beat under way finishes first, so nothing follows the final status. */
  @Override
  public void close() {
    schedule.close();
  }
}
