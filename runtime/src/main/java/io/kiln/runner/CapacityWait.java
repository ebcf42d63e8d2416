package io.kiln.runner;

import io.kiln.record.AwsTime;
import io.kiln.record.SecondaryStatus;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.time.Instant;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * Waits, after lost capacity, until the cluster again has a task slot for every worker. Spot jobs
 * wait until MaxWaitTimeInSeconds (counted from the job's creation) and then stop with
 * MaxWaitTimeExceeded; other jobs wait MaxPendingTimeInSeconds (or {@code
 * spark.kiln.capacity.max-pending-seconds}) and then fail. A fallback in the spec (fewer workers,
 * another master) is used once the wait has lasted {@code spark.kiln.capacity.fallback-after-seconds}.
 * The wait is neither training time nor billed for spot jobs.
 */
final class CapacityWait {
  /** How a wait ended. */
  enum Status { BACK, FEWER_WORKERS, OTHER_MASTER, STOP }

  /**
   * How a wait ended, with the workers to go on with and a line for the record.
   *
   * @param status how it ended
   * @param workers the workers of the next attempt
   * @param message the Starting transition's message (or why the job stops)
   */
  record Outcome(Status status, int workers, String message) {}

  private final TrainingJobRunner runner;
  private final RunningJob job;
  private final KilnConf conf;
  private final boolean barrier;

  CapacityWait(TrainingJobRunner runner, RunningJob job, KilnConf conf, boolean barrier) {
    this.runner = runner;
    this.job = job;
    this.conf = conf;
    this.barrier = barrier;
  }

  /**
   * Waits for {@code workers} task slots.
   *
   * @throws KilnException CAPACITY when a job that is not spot reaches its pending limit
   */
  Outcome await(int workers, Billing billing) {
    TrainingJobSpec spec = job.spec();
    SparkSession spark = runner.spark();
    Instant start = Instant.now();
    Instant deadline;
    SecondaryStatus onDeadline;
    String deadlineMessage;
    if (spec.managedSpot()) {
      deadline = job.record().creationTime().plusSeconds(spec.stoppingCondition().maxWaitSeconds());
      onDeadline = SecondaryStatus.MaxWaitTimeExceeded;
      deadlineMessage = "Training job reached MaxWaitTimeInSeconds (" + spec.stoppingCondition().maxWaitSeconds()
          + " s) waiting for capacity";
    } else {
      long pending = spec.stoppingCondition().maxPendingSeconds() != null
          ? spec.stoppingCondition().maxPendingSeconds()
          : conf.sparkConf().getLong(TrainingJobRunner.MAX_PENDING,
              TrainingJobRunner.MAX_PENDING_DEFAULT);
      deadline = start.plusSeconds(pending);
      onDeadline = SecondaryStatus.Failed;
      deadlineMessage = "Capacity did not come back within MaxPendingTimeInSeconds (" + pending + " s)";
    }
    Integer minWorkers = spec.resources().minWorkers();
    String fallbackMaster = spec.resources().fallbackMaster();
    boolean hasFallback = minWorkers != null && minWorkers < workers || fallbackMaster != null;
    Instant fallbackAt = start.plusSeconds(conf.sparkConf().getLong(TrainingJobRunner.FALLBACK_AFTER,
        TrainingJobRunner.FALLBACK_AFTER_DEFAULT));
    if (fallbackAt.isAfter(deadline)) {
      fallbackAt = deadline;
    }
    job.beginWait(start);
    job.log("Waiting for capacity: " + workers + " task slot(s) needed, " + Preflight.slots(spark.sparkContext())
        + " available; waiting until " + AwsTime.format(hasFallback ? fallbackAt : deadline));
    try {
      while (true) {
        Instant now = Instant.now();
        int slots = Preflight.slots(spark.sparkContext());
        if (slots >= workers) {
          return new Outcome(Status.BACK, workers, "Capacity is back (" + slots + " task slots); restarting "
              + "training from the newest checkpoint");
        }
        if (job.stopReason() != null) {
          return new Outcome(Status.STOP, workers, job.stopMessage());
        }
        if (hasFallback && !now.isBefore(fallbackAt)) {
          if (minWorkers != null && slots >= minWorkers && slots < workers) {
            return new Outcome(Status.FEWER_WORKERS, slots, "Continuing on " + slots + " worker(s) from "
                + "the newest checkpoint");
          }
          if (fallbackMaster != null) {
            Optional<SparkSession> moved = runner.moveTo(fallbackMaster);
            if (moved.isPresent()) {
              Preflight.check(moved.get().sparkContext(), spec, conf.slotWaitSeconds(), barrier);
              return new Outcome(Status.OTHER_MASTER, workers, "Moved to the fallback master "
                  + fallbackMaster + "; restarting training from the newest checkpoint");
            }
            job.log("WARN cannot move to the fallback master " + fallbackMaster
                + " (this session was not started by Kiln)");
            fallbackMaster = null;
          }
          hasFallback = false;
        }
        if (!now.isBefore(deadline)) {
          job.requestStop(onDeadline, deadlineMessage);
          if (onDeadline == SecondaryStatus.Failed) {
            throw new KilnException(ErrorType.CAPACITY, deadlineMessage);
          }
          return new Outcome(Status.STOP, workers, deadlineMessage);
        }
        sleep(1000);
      }
    } finally {
      Instant end = Instant.now();
      job.endWait(end);
      billing.waited(start, end);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw KilnException.internal("Interrupted while waiting for capacity", e);
    }
  }
}
