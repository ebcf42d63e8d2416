package io.kiln.runner;

import io.kiln.record.SecondaryStatus;
import io.kiln.barrier.ControlServer;
import io.kiln.barrier.HadoopConf;
import io.kiln.channel.AugmentedManifestReader;
import io.kiln.channel.ChannelLister;
import io.kiln.channel.InputSplit;
import io.kiln.channel.SplitPlanner;
import io.kiln.spec.ChannelSpec;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelData;
import io.kiln.spi.CheckpointIdentity;
import io.kiln.spi.CheckpointStore;
import io.kiln.spi.ContentType;
import io.kiln.spi.Directive;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MediaType;
import io.kiln.spi.S3DataType;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.TrainingOutcome;
import io.kiln.storage.Uris;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * The attempt and recovery policy of one training job: Downloading (list and plan the channels),
 * Training (an attempt), and what follows a failed attempt. A user error ends the job; an algorithm
 * or internal error is retried while RetryStrategy allows (Restarting); lost capacity is recorded
 * as SageMaker records a spot interruption (Interrupted, then a wait for capacity bounded by
 * MaxWaitTimeInSeconds for spot jobs or MaxPendingTimeInSeconds otherwise, a fallback to fewer
 * workers or another master when the spec allows, then Starting and the next attempt, whose workers
 * restore the newest checkpoint themselves). A job stopped while no attempt runs ends with the
 * model of its newest own checkpoint.
 */
final class Attempts {
  private final TrainingJobRunner runner;
  private final RunningJob job;
  private final KilnConf conf;
  private final Admission.Validated validated;
  private final CheckpointStore checkpoints;
  private final Billing billing;
  private final JobFinisher finisher;
  private boolean stagingHandedOut;

  Attempts(TrainingJobRunner runner, RunningJob job, KilnConf conf, Admission.Validated validated,
      CheckpointStore checkpoints, Billing billing, JobFinisher finisher) {
    this.runner = runner;
    this.job = job;
    this.conf = conf;
    this.validated = validated;
    this.checkpoints = checkpoints;
    this.billing = billing;
    this.finisher = finisher;
  }

  /** Whether an attempt was given staging locations (which the runner removes when the job ends). */
  boolean stagingHandedOut() {
    return stagingHandedOut;
  }

  /** A job stopped before any attempt started: it ends with its newest own checkpoint's model. */
  JobResult stoppedBeforeTraining() throws IOException {
    CheckpointIdentity identity = checkpoints == null ? null
        : JobCheckpoints.identityOrNull(job, validated, runner.spark().sparkContext().hadoopConfiguration());
    return finisher.fromCheckpoint(validated.algorithm(), checkpoints, identity);
  }

  /**
   * Runs attempts until one trains to its end, the job is stopped, or an error ends it.
   *
   * @throws KilnException the error that ends the job (a user error, or one not retried)
   */
  JobResult run(Preflight.Cluster cluster, Path modelDirectory, String stagingRoot) throws IOException {
    TrainingJobSpec spec = job.spec();
    Algorithm<?> algorithm = validated.algorithm();
    Instant trainingStart = job.record().trainingStartTime();
    int workers = spec.resources().workers();
    int threads = cluster.threadsPerWorker();
    int retries = 0;
    CheckpointIdentity identity = null;
    int attempt = job.record().kiln().attempts() == null ? 0 : job.record().kiln().attempts();
    while (true) {
      SparkSession spark = runner.spark();
      Instant downloading = job.transition(SecondaryStatus.Downloading, "Listing and assigning input data");
      if (trainingStart == null) {
        trainingStart = downloading;
        Instant start = downloading;
        job.update(r -> r.toBuilder().trainingStartTime(start).build());
      }
      Map<String, ChannelData> channels = new LinkedHashMap<>();
      Map<String, List<List<InputSplit>>> splits = new LinkedHashMap<>();
      listAndPlan(workers, spark.sparkContext().hadoopConfiguration(), channels, splits);
      CheckpointIdentity previous = identity;
      identity = CheckpointIdentities.of(spec, algorithm.name(), algorithm.resourceHyperparameter(), channels);
      if (checkpoints != null && previous == null) {
        JobCheckpoints.noticeForeign(job, checkpoints, identity);
      }
      if (job.stopReason() != null) {
        return finisher.fromCheckpoint(algorithm, checkpoints, identity);
      }
      Instant attemptStart = job.transition(SecondaryStatus.Training, "Training with " + workers + " worker(s) x "
          + threads + " thread(s)" + (attempt > 0 ? " (attempt " + (attempt + 1) + ")" : ""));
      int thisAttempt = attempt++;
      job.update(r -> r.toBuilder().kiln(r.kilnBuilder().attempts(thisAttempt + 1).build()).build());
      try (ControlServer control = new ControlServer(conf.controlHost(), handler(job))) {
        // per attempt, so a failed attempt's files are never another's; Hadoop's form (s3a://) so
        // Spark's own writers (a driver-side estimator's save) accept it
        String staging = Uris.toHadoopUri(Uris.join(stagingRoot, "attempt-" + thisAttempt),
            spark.sparkContext().hadoopConfiguration());
        stagingHandedOut = true;
        RunnerContext context = new RunnerContext(spark, job, workers, channels, splits, threads, modelDirectory,
            control, new HadoopConf(spark.sparkContext().hadoopConfiguration()), checkpoints, thisAttempt, null,
            Uris.join(staging, "worker"), Uris.join(staging, "model"), identity);
        TrainingOutcome outcome;
        try (DecommissionWatcher watcher = new DecommissionWatcher(spark.sparkContext(), context.barrier, job)) {
          outcome = train(algorithm, context, validated.hyperparameters());
        } finally {
          context.close();
        }
        JobOutputs.Staged staged = new JobOutputs.Staged(Uris.join(staging, "worker"),
            context.barrier.stagedArchives(), context.modelStagingUri());
        billing.ran(workers, attemptStart, Instant.now());
        return finisher.trained(outcome, staged, modelDirectory);
      } catch (KilnException e) {
        Instant at = Instant.now();
        billing.ran(workers, attemptStart, at);
        if (e.type() == ErrorType.USER) {
          throw e;
        }
        if (e.type() != ErrorType.CAPACITY) {
          if (retries >= spec.maxRetryAttempts()) {
            throw e;
          }
          retries++;
          job.transition(SecondaryStatus.Restarting, "Retrying (" + retries + " of "
              + spec.maxRetryAttempts() + ") after: " + JobFinisher.failureReason(e));
          continue;
        }
        billing.interrupted(workers, JobCheckpoints.restorePoint(job, checkpoints, identity, attemptStart), at);
        job.transition(SecondaryStatus.Interrupted, e.getMessage());
        if (job.stopReason() != null) {
          return finisher.fromCheckpoint(algorithm, checkpoints, identity);
        }
        CapacityWait.Outcome capacity = new CapacityWait(runner, job, conf, validated.barrier()).await(workers,
            billing);
        if (capacity.status() == CapacityWait.Status.STOP) {
          return finisher.fromCheckpoint(algorithm, checkpoints, identity);
        }
        if (capacity.status() == CapacityWait.Status.FEWER_WORKERS) {
          job.log("Capacity did not come back in time: continuing on " + capacity.workers() + " worker(s) instead of "
              + workers + " (the model will differ from a " + workers + "-worker run)");
          workers = capacity.workers();
          job.update(r -> r.toBuilder().kiln(r.kilnBuilder().workers(capacity.workers()).build()).build());
        } else if (capacity.status() == CapacityWait.Status.OTHER_MASTER) {
          SparkSession moved = runner.spark();
          job.log("Capacity did not come back in time: moved to master " + moved.sparkContext().master());
          job.update(r -> r.toBuilder().kiln(r.kilnBuilder().sparkMaster(moved.sparkContext().master())
              .applicationId(moved.sparkContext().applicationId()).build()).build());
        }
        job.transition(SecondaryStatus.Starting, capacity.message());
      }
    }
  }

  private void listAndPlan(int workers, Configuration hadoop, Map<String, ChannelData> channels,
      Map<String, List<List<InputSplit>>> splits) {
    ChannelLister lister = new ChannelLister(hadoop);
    SplitPlanner planner = new SplitPlanner(hadoop);
    for (ChannelSpec c : job.spec().channels()) {
      ChannelData data = lister.list(c, validated.formats().get(c.name()),
          validated.contentTypes().get(c.name()).parameters(), job::notice);
      channels.put(c.name(), data);
      if (data.augmentedManifest()) {
        splits.put(c.name(), AugmentedManifestReader.plan(planner, data, workers));
      } else if (data.contentType().split() == ContentType.Split.OBJECTS) {
        splits.put(c.name(), java.util.Collections.nCopies(workers, List.of()));
      } else {
        splits.put(c.name(), planner.plan(data, workers));
      }
      job.log("Channel " + c.name() + ": " + (data.augmentedManifest()
          ? "augmented manifest " + c.uri() + " (" + data.totalBytes() + " bytes), attributes "
              + String.join(", ", data.attributeNames())
          : data.objects().size() + " object(s), " + data.totalBytes() + " bytes")
          + (data.dataType() == S3DataType.ManifestFile ? " listed by manifest " + c.uri() : "") + ", "
          + (data.contentType() == ContentType.ANY ? validated.contentTypes().get(c.name()) // as written
              : new MediaType(data.contentType().mime(), data.contentTypeParameters())) + ", " + data.distribution());
    }
  }

  @SuppressWarnings("unchecked")
  private static <H> TrainingOutcome train(Algorithm<H> algorithm, TrainingContext context, Object hyperparameters) {
    return algorithm.train(context, (H) hyperparameters);
  }

  /** The driver's answers on the control line: directives for rounds and polls, metrics and log lines. */
  static ControlServer.Handler handler(RunningJob job) {
    return new ControlServer.Handler() {
      @Override
      public Directive decide(int attempt, int round) {
        if (job.stopReason() != null) {
          return Directive.STOP;
        }
        return job.takeCheckpointRequest() ? Directive.CHECKPOINT : Directive.CONTINUE;
      }

      @Override
      public void onRound(int attempt, int round, Map<String, Double> metrics) {
        job.onRound(round, metrics);
      }

      @Override
      public void onLog(int rank, String line) {
        job.log("[worker " + rank + "] " + line);
      }

      @Override
      public void onLines(int rank, String source, List<String> lines) {
        job.workerLines(rank, source, lines);
      }

      @Override
      public Directive poll(int attempt, int rank) {
        if (job.stopReason() != null) {
          return Directive.STOP;
        }
        return job.pollCheckpointRequest(rank) ? Directive.CHECKPOINT : Directive.CONTINUE;
      }
    };
  }
}
