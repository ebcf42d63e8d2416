package io.kiln.job;

import io.kiln.barrier.ControlServer;
import io.kiln.barrier.HadoopConf;
import io.kiln.channel.ChannelLister;
import io.kiln.channel.InputSplit;
import io.kiln.channel.SplitPlanner;
import io.kiln.checkpoint.HadoopCheckpointStore;
import io.kiln.spec.ChannelSpec;
import io.kiln.spec.Names;
import io.kiln.spec.SpecJson;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.CheckpointStore;
import io.kiln.spi.ContentType;
import io.kiln.spi.MediaType;
import io.kiln.spi.Directive;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.TrainingOutcome;
import io.kiln.storage.StorageProbe;
import io.kiln.storage.Uris;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Runs one training job on a SparkSession, end to end: record, checks, channel listing, training
 * on the workers, model.tar.gz, final status. The CLI and notebooks both come here.
 *
 * <p>Training runs in attempts. An attempt that loses capacity (an executor lost, a spot reclaim)
 * is recorded as SageMaker records a spot interruption (Interrupted, then Starting / Downloading /
 * Training again); the runner waits for capacity, bounded by MaxWaitTimeInSeconds for spot jobs
 * and MaxPendingTimeInSeconds otherwise, then starts a new attempt, whose workers restore the
 * newest checkpoint themselves. When capacity does not return in time the job falls back to fewer
 * workers or another master if the spec allows, else it ends.
 */
public final class TrainingJobRunner {
  /** Exit code for a job that failed because its spec was bad (unknown algorithm, bad hyperparameter). */
  public static final int EXIT_BAD_SPEC = 2;
  /** How long a job without MaxPendingTimeInSeconds waits for lost capacity. */
  public static final String MAX_PENDING = "spark.kiln.capacity.max-pending-seconds";
  public static final long MAX_PENDING_DEFAULT = 600;
  /** How long to wait for lost capacity before a fallback (fewer workers, another master) is used. */
  public static final String FALLBACK_AFTER = "spark.kiln.capacity.fallback-after-seconds";
  public static final long FALLBACK_AFTER_DEFAULT = 120;
  /** Checkpoints kept per job. */
  public static final String CHECKPOINTS_KEPT = "spark.kiln.checkpoint.keep";
  public static final int CHECKPOINTS_KEPT_DEFAULT = 3;

  /** Moves a job to another Spark master: a new session there, or empty when not possible. */
  @FunctionalInterface
  public interface MasterSwitch {
    Optional<SparkSession> switchTo(String master);
  }

  private SparkSession spark;
  private final JobStore store;
  private final Algorithms algorithms;
  private final KilnConf conf;
  private final MasterSwitch masterSwitch;
  private final Map<String, RunningJob> active = new java.util.concurrent.ConcurrentHashMap<>();

  public TrainingJobRunner(SparkSession spark, JobStore store, Algorithms algorithms) {
    this(spark, store, algorithms, master -> Optional.empty());
  }

  public TrainingJobRunner(SparkSession spark, JobStore store, Algorithms algorithms, MasterSwitch masterSwitch) {
    this.spark = spark;
    this.store = store;
    this.algorithms = algorithms;
    this.conf = new KilnConf(spark.sparkContext().getConf());
    this.masterSwitch = masterSwitch;
  }

  /** A runner on the session's own settings: job root from {@code spark.kiln.job-root}. */
  public static TrainingJobRunner on(SparkSession spark) {
    return on(spark, master -> Optional.empty());
  }

  /** A runner that may move jobs to a fallback master through {@code masterSwitch}. */
  public static TrainingJobRunner on(SparkSession spark, MasterSwitch masterSwitch) {
    KilnConf kc = new KilnConf(spark.sparkContext().getConf());
    return new TrainingJobRunner(spark, new JobStore(kc.jobRoot(), spark.sparkContext().hadoopConfiguration()),
        Algorithms.load(), masterSwitch);
  }

  public JobStore store() {
    return store;
  }

  /** The session the runner works on now (another one after a move to a fallback master). */
  public SparkSession spark() {
    return spark;
  }

  public JobResult run(TrainingJobSpec spec) {
    return run(spec, JobListener.NONE);
  }

  /**
   * Runs the job and returns how it ended. Throws only when the job could not even be created
   * (a job of that name exists): then no record was written.
   */
  public JobResult run(TrainingJobSpec spec, JobListener listener) {
    return run(spec, listener, null);
  }

  /**
   * Runs a job that belongs to a tuning job (a trial): like {@link #run(TrainingJobSpec, JobListener)},
   * with the tuning job named in the record.
   */
  public JobResult run(TrainingJobSpec spec, JobListener listener, String tuningJobName) {
    SparkContext sc = spark.sparkContext();
    Instant created = Instant.now();
    JobRecord record = JobRecords.created(spec, created, sc.master(), sc.applicationId(), conf.controlHost(),
        conf.heartbeatIntervalSeconds(), conf.heartbeatLapseSeconds());
    String owner = UUID.randomUUID().toString();
    record = record.toBuilder().kiln(record.kilnBuilder().leaseEpoch(0).leaseOwner(owner).tuningJobName(tuningJobName)
        .build()).build();
    store.create(record);
    RunningJob job = new RunningJob(store, spec, record, listener);
    job.log("Created training job " + spec.name() + " (algorithm " + spec.algorithm().name() + ", "
        + spec.resources().workers() + " worker(s), Spark " + sc.version() + ", master " + sc.master() + ")");
    spec.notices().forEach(job::notice);
    return execute(job, 0, false);
  }

  /**
   * Takes over a job whose driver died ({@code kiln train --resume}): only once its heartbeat has
   * lapsed, and only one of several resuming drivers wins. Training continues from the newest
   * checkpoint.
   */
  public JobResult resume(String name, JobListener listener) {
    JobRecord record = store.load(name).orElseThrow(() -> KilnException.user(
        "ResourceNotFound: no training job named '" + name + "' in " + store.root()));
    if (record.trainingJobStatus().terminal()) {
      throw KilnException.user("Training job '" + name + "' already ended (" + record.trainingJobStatus()
          + "); nothing to resume");
    }
    if (!record.driverLost(Instant.now())) {
      throw KilnException.user("Training job '" + name + "' still has a live driver (" + record.kiln().driverHost()
          + ", pid " + record.kiln().driverPid() + ", heartbeat " + AwsTime.format(record.kiln().heartbeatTime())
          + "); resume it only after its heartbeat has lapsed");
    }
    int epoch = (record.kiln().leaseEpoch() == null ? 0 : record.kiln().leaseEpoch()) + 1;
    String owner = UUID.randomUUID().toString();
    if (!Lease.claim(store.store(), store.jobDirectory(name), epoch, owner)) {
      throw KilnException.user("Training job '" + name + "' was taken over by another driver (lease epoch "
          + epoch + "); not resuming it twice");
    }
    TrainingJobSpec spec = SpecJson.fromKilnSpec(record.kiln().spec(), "the record of " + name);
    SparkContext sc = spark.sparkContext();
    JobRecord taken = record.toBuilder().kiln(record.kilnBuilder().leaseEpoch(epoch).leaseOwner(owner)
        .driverHost(conf.controlHost()).driverPid(ProcessHandle.current().pid()).sparkMaster(sc.master())
        .applicationId(sc.applicationId()).heartbeatTime(Instant.now())
        .heartbeatIntervalSeconds(conf.heartbeatIntervalSeconds())
        .heartbeatLapseSeconds(conf.heartbeatLapseSeconds()).build()).build();
    store.save(taken);
    RunningJob job = new RunningJob(store, spec, taken, listener);
    job.log("Resumed by a new driver on " + conf.controlHost() + " (pid " + ProcessHandle.current().pid()
        + ", lease epoch " + epoch + ")");
    return execute(job, epoch, true);
  }

  /**
   * Asks a job this runner is running to stop at its next round boundary, keeping the model so far
   * (the tuner's early stopping, a tuning job being stopped). Returns false when no such job runs
   * here.
   */
  public boolean requestStop(String name, String reason) {
    RunningJob job = active.get(name);
    if (job == null) {
      return false;
    }
    job.stopWith(SecondaryStatus.Stopped, reason, "Stopping the training job (" + reason + ")");
    return true;
  }

  private JobResult execute(RunningJob job, int leaseEpoch, boolean resumed) {
    active.put(job.spec().name(), job);
    try {
      return executeAttempts(job, leaseEpoch, resumed);
    } finally {
      active.remove(job.spec().name());
    }
  }

  private JobResult executeAttempts(RunningJob job, int leaseEpoch, boolean resumed) {
    TrainingJobSpec spec = job.spec();
    ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kiln-heartbeat-" + spec.name());
      t.setDaemon(true);
      return t;
    });
    heartbeat.scheduleWithFixedDelay(() -> beat(job, leaseEpoch), conf.heartbeatIntervalSeconds(),
        conf.heartbeatIntervalSeconds(), TimeUnit.SECONDS);
    Path modelDirectory = null;
    String artifact = Uris.join(spec.outputPath(), spec.name(), "output", "model.tar.gz");
    boolean artifactWritten = false;
    Billing billing = new Billing(spec.managedSpot(), spark.sparkContext().getConf());
    try {
      Algorithm<?> algorithm;
      Object hyperparameters;
      Map<String, MediaType> contentTypes;
      Map<String, ContentType> formats;
      try {
        algorithm = algorithms.resolve(spec.algorithm());
        hyperparameters = algorithm.hyperparameters(spec.hyperparameters());
        contentTypes = ChannelFormats.mediaTypes(spec, algorithm);
        formats = ChannelFormats.formats(spec, algorithm, contentTypes);
        Uris.requireSupported(spec.outputPath(), "outputPath");
      } catch (KilnException e) {
        return fail(job, e, EXIT_BAD_SPEC, billing);
      }
      algorithm.resourceHyperparameter().map(spec.hyperparameters()::get).ifPresent(v -> {
        try {
          job.setPlannedRounds(Integer.parseInt(v.trim()));
        } catch (NumberFormatException ignored) {
          // validated by the algorithm already
        }
      });
      Preflight.Cluster cluster = Preflight.check(spark.sparkContext(), spec, conf.slotWaitSeconds());
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      if (conf.storageProbe()) {
        probeStorage(spec, hadoop);
      }
      CheckpointStore checkpoints = spec.checkpoint() == null ? null
          : new HadoopCheckpointStore(spec.checkpoint().uri(), spark.sparkContext().getConf()
              .getInt(CHECKPOINTS_KEPT, CHECKPOINTS_KEPT_DEFAULT), new HadoopConf(hadoop));
      if (resumed) {
        job.transition(SecondaryStatus.Restarting, "A new driver took over the job; restarting training");
      }
      if (stopped(job)) {
        return finishFromCheckpoint(job, algorithm, checkpoints, artifact, billing);
      }
      Instant trainingStart = job.record().trainingStartTime();
      modelDirectory = Files.createTempDirectory("kiln-model-" + spec.name() + "-");
      int workers = spec.resources().workers();
      int threads = cluster.threadsPerWorker();
      int retries = 0;
      int attempt = job.record().kiln().attempts() == null ? 0 : job.record().kiln().attempts();
      String pool = null;
      TrainingOutcome outcome;
      while (true) {
        Instant downloading = job.transition(SecondaryStatus.Downloading, "Listing and assigning input data");
        if (trainingStart == null) {
          trainingStart = downloading;
          Instant start = downloading;
          job.update(r -> r.toBuilder().trainingStartTime(start).build());
        }
        Map<String, ChannelData> channels = new LinkedHashMap<>();
        Map<String, List<List<InputSplit>>> splits = new LinkedHashMap<>();
        listAndPlan(job, contentTypes, formats, workers, spark.sparkContext().hadoopConfiguration(), channels,
            splits);
        if (stopped(job)) {
          return finishFromCheckpoint(job, algorithm, checkpoints, artifact, billing);
        }
        Instant attemptStart = job.transition(SecondaryStatus.Training, "Training with " + workers + " worker(s) x "
            + threads + " thread(s)" + (attempt > 0 ? " (attempt " + (attempt + 1) + ")" : ""));
        int thisAttempt = attempt++;
        job.update(r -> r.toBuilder().kiln(r.kilnBuilder().attempts(thisAttempt + 1).build()).build());
        try (ControlServer control = new ControlServer(conf.controlHost(), handler(job))) {
          String staging = Uris.join(spec.outputPath(), spec.name(), "output", ".kiln-staging",
              "attempt-" + thisAttempt);
          RunnerContext context = new RunnerContext(spark, job, workers, channels, splits, threads, modelDirectory,
              control, new HadoopConf(spark.sparkContext().hadoopConfiguration()), checkpoints, thisAttempt, pool,
              Uris.join(staging, "worker"), Uris.join(staging, "model"));
          try (DecommissionWatcher watcher = new DecommissionWatcher(spark.sparkContext(), context.barrier, job)) {
            outcome = train(algorithm, context, hyperparameters);
          }
          billing.ran(workers, attemptStart, Instant.now());
          break;
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
                + spec.maxRetryAttempts() + ") after: " + failureReason(e));
            continue;
          }
          billing.interrupted(workers, restorePoint(job, checkpoints, attemptStart), at);
          job.transition(SecondaryStatus.Interrupted, e.getMessage());
          if (stopped(job)) {
            return finishFromCheckpoint(job, algorithm, checkpoints, artifact, billing);
          }
          Capacity capacity = awaitCapacity(job, workers, billing);
          if (capacity.status == Capacity.Status.STOP) {
            return finishFromCheckpoint(job, algorithm, checkpoints, artifact, billing);
          }
          if (capacity.status == Capacity.Status.FEWER_WORKERS) {
            job.log("Capacity did not come back in time: continuing on " + capacity.workers + " worker(s) instead of "
                + workers + " (the model will differ from a " + workers + "-worker run)");
            workers = capacity.workers;
            job.update(r -> r.toBuilder().kiln(r.kilnBuilder().workers(capacity.workers).build()).build());
          } else if (capacity.status == Capacity.Status.OTHER_MASTER) {
            job.log("Capacity did not come back in time: moved to master " + spark.sparkContext().master());
            job.update(r -> r.toBuilder().kiln(r.kilnBuilder().sparkMaster(spark.sparkContext().master())
                .applicationId(spark.sparkContext().applicationId()).build()).build());
          }
          job.transition(SecondaryStatus.Starting, capacity.message);
        }
      }
      job.log("Training ended after " + outcome.roundsCompleted() + " round(s)"
          + (outcome.stoppedEarly() ? " (stopped early)" : ""));
      job.transition(SecondaryStatus.Uploading, "Uploading generated training model");
      ModelArchive.write(modelDirectory, store.store(), artifact);
      artifactWritten = true;
      job.log("Wrote " + artifact);
      Map<String, Double> finals = new LinkedHashMap<>(outcome.finalMetrics());
      finals.putAll(job.definedMetrics());
      Instant end = Instant.now();
      List<JobRecord.MetricData> metricData = finals.entrySet().stream()
          .map(e -> new JobRecord.MetricData(e.getKey(), e.getValue(), end)).toList();
      int rounds = outcome.roundsCompleted();
      job.update(r -> r.toBuilder().modelArtifacts(new JobRecord.ModelArtifacts(artifact)).finalMetrics(metricData)
          .kiln(r.kilnBuilder().roundsCompleted(rounds).build()).build());
      return finish(job, artifact, true, billing);
    } catch (KilnException e) {
      if (artifactWritten) {
        store.store().delete(artifact, false);
      }
      return fail(job, e, 1, billing);
    } catch (Throwable e) {
      // anything else, Errors included (a NoSuchMethodError from a library the cluster puts first):
      // the record says why the job failed instead of going on InProgress until "Driver lost"
      if (artifactWritten) {
        store.store().delete(artifact, false);
      }
      return fail(job, KilnException.internal(internalError(e), e), 1, billing);
    } finally {
      heartbeat.shutdown();
      try {
        // a beat under way finishes before the last save, so nothing follows the final status
        heartbeat.awaitTermination(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      deleteQuietly(modelDirectory);
      job.save();
    }
  }

  private void listAndPlan(RunningJob job, Map<String, MediaType> contentTypes, Map<String, ContentType> formats,
      int workers, Configuration hadoop, Map<String, ChannelData> channels,
      Map<String, List<List<InputSplit>>> splits) {
    ChannelLister lister = new ChannelLister(hadoop);
    SplitPlanner planner = new SplitPlanner(hadoop);
    for (ChannelSpec c : job.spec().channels()) {
      ChannelData data = lister.list(c, formats.get(c.name()), contentTypes.get(c.name()).parameters());
      channels.put(c.name(), data);
      if (data.contentType().split() == ContentType.Split.OBJECTS) {
        splits.put(c.name(), java.util.Collections.nCopies(workers, List.of()));
      } else {
        splits.put(c.name(), planner.plan(data, workers));
      }
      job.log("Channel " + c.name() + ": " + data.objects().size() + " object(s), " + data.totalBytes() + " bytes, "
          + data.contentType().mime() + ", " + data.distribution());
    }
  }

  /** When the work the next attempt keeps was done: the newest checkpoint's round, else the attempt start. */
  private static Instant restorePoint(RunningJob job, CheckpointStore checkpoints, Instant attemptStart) {
    if (checkpoints == null) {
      return attemptStart;
    }
    Optional<Integer> round = checkpoints.latest().map(CheckpointStore.Checkpoint::round);
    if (round.isEmpty() || round.get() == 0) {
      return attemptStart;
    }
    return job.record().kiln().metricHistory().stream()
        .filter(m -> m.round() == round.get() - 1 && !m.timestamp().isBefore(attemptStart))
        .map(JobRecord.RoundMetrics::timestamp).findFirst().orElse(attemptStart);
  }

  /** The outcome of waiting for lost capacity. */
  private record Capacity(Status status, int workers, String message) {
    enum Status { BACK, FEWER_WORKERS, OTHER_MASTER, STOP }
  }

  /**
   * Waits until the cluster again has a task slot for every worker. Spot jobs wait until
   * MaxWaitTimeInSeconds (counted from the job's creation) and then stop with MaxWaitTimeExceeded;
   * other jobs wait MaxPendingTimeInSeconds and then fail. A fallback in the spec (fewer workers,
   * another master) is used once the wait has lasted {@code spark.kiln.capacity.fallback-after-seconds}.
   */
  private Capacity awaitCapacity(RunningJob job, int workers, Billing billing) {
    TrainingJobSpec spec = job.spec();
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
          : spark.sparkContext().getConf().getLong(MAX_PENDING, MAX_PENDING_DEFAULT);
      deadline = start.plusSeconds(pending);
      onDeadline = SecondaryStatus.Failed;
      deadlineMessage = "Capacity did not come back within MaxPendingTimeInSeconds (" + pending + " s)";
    }
    Integer minWorkers = spec.resources().minWorkers();
    String fallbackMaster = spec.resources().fallbackMaster();
    boolean hasFallback = minWorkers != null && minWorkers < workers || fallbackMaster != null;
    Instant fallbackAt = start.plusSeconds(spark.sparkContext().getConf().getLong(FALLBACK_AFTER,
        FALLBACK_AFTER_DEFAULT));
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
          return new Capacity(Capacity.Status.BACK, workers, "Capacity is back (" + slots + " task slots); restarting "
              + "training from the newest checkpoint");
        }
        if (stopped(job)) {
          return new Capacity(Capacity.Status.STOP, workers, job.stopMessage());
        }
        if (hasFallback && !now.isBefore(fallbackAt)) {
          if (minWorkers != null && slots >= minWorkers && slots < workers) {
            return new Capacity(Capacity.Status.FEWER_WORKERS, slots, "Continuing on " + slots + " worker(s) from "
                + "the newest checkpoint");
          }
          if (fallbackMaster != null) {
            Optional<SparkSession> moved = masterSwitch.switchTo(fallbackMaster);
            if (moved.isPresent()) {
              spark = moved.get();
              Preflight.check(spark.sparkContext(), spec, conf.slotWaitSeconds());
              return new Capacity(Capacity.Status.OTHER_MASTER, workers, "Moved to the fallback master "
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
          return new Capacity(Capacity.Status.STOP, workers, deadlineMessage);
        }
        sleep(1000);
      }
    } finally {
      Instant end = Instant.now();
      job.endWait(end);
      billing.waited(start, end);
    }
  }

  @SuppressWarnings("unchecked")
  private static <H> TrainingOutcome train(Algorithm<H> algorithm, TrainingContext context, Object hyperparameters) {
    return algorithm.train(context, (H) hyperparameters);
  }

  private void probeStorage(TrainingJobSpec spec, Configuration hadoop) {
    StorageProbe probe = new StorageProbe(hadoop);
    for (ChannelSpec c : spec.channels()) {
      Uris.requireSupported(c.uri(), "channel '" + c.name() + "' URI");
      probe.checkReadable(c.uri(), "channel '" + c.name() + "'");
    }
    probe.checkWritable(Uris.join(spec.outputPath(), spec.name()), "output path");
    if (spec.checkpoint() != null) {
      Uris.requireSupported(spec.checkpoint().uri(), "checkpoint location");
      probe.checkWritable(spec.checkpoint().uri(), "checkpoint location");
    }
  }

  private static ControlServer.Handler handler(RunningJob job) {
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
    };
  }

  /**
   * Heartbeat: record the driver is alive, act on stop requests and the time limits, and step aside
   * if another driver has taken the job over.
   */
  private void beat(RunningJob job, int leaseEpoch) {
    try {
      Instant now = Instant.now();
      TrainingJobSpec spec = job.spec();
      Optional<JobRecord> stored = store.load(spec.name());
      if (stored.isPresent() && stored.get().kiln() != null && stored.get().kiln().leaseEpoch() != null
          && stored.get().kiln().leaseEpoch() > leaseEpoch) {
        job.fence("Another driver took the job over (lease epoch " + stored.get().kiln().leaseEpoch() + ")");
        spark.sparkContext().cancelJobGroup("kiln-" + spec.name() + "-" + (job.record().kiln().attempts() - 1));
        return;
      }
      if (job.stopReason() == null) {
        store.stopRequest(spec.name()).ifPresent(req -> {
          job.stopWith(SecondaryStatus.Stopped, "Stopped by request: " + req.reason(),
              "Stopping the training job (" + req.reason() + ")");
        });
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

  private static boolean stopped(RunningJob job) {
    return job.stopReason() != null;
  }

  /** Ends a job that was stopped with no training running: the model is the newest checkpoint's. */
  private JobResult finishFromCheckpoint(RunningJob job, Algorithm<?> algorithm, CheckpointStore checkpoints,
      String artifact, Billing billing) throws IOException {
    if (job.stopReason() != SecondaryStatus.Failed && job.record().secondaryStatus() != SecondaryStatus.Stopping) {
      job.transition(SecondaryStatus.Stopping, job.stopMessage());
    }
    Optional<CheckpointStore.Checkpoint> latest = checkpoints == null ? Optional.empty() : checkpoints.latest();
    if (latest.isPresent() && job.stopReason() != SecondaryStatus.Failed) {
      Path dir = Files.createTempDirectory("kiln-model-" + job.spec().name() + "-");
      try {
        if (algorithm.modelFromCheckpoint(latest.get(), dir)) {
          job.transition(SecondaryStatus.Uploading, "Uploading the model of the checkpoint after round "
              + latest.get().round());
          ModelArchive.write(dir, store.store(), artifact);
          int round = latest.get().round();
          job.update(r -> r.toBuilder().modelArtifacts(new JobRecord.ModelArtifacts(artifact))
              .kiln(r.kilnBuilder().roundsCompleted(round).build()).build());
          return finish(job, artifact, true, billing);
        }
      } finally {
        deleteQuietly(dir);
      }
    }
    return finish(job, null, false, billing);
  }

  private JobResult finish(RunningJob job, String artifact, boolean trained, Billing billing) {
    Instant end = Instant.now();
    SecondaryStatus finalStatus = job.stopReason() == null ? SecondaryStatus.Completed : job.stopReason();
    String message = job.stopReason() == null ? "Training job completed"
        : job.stopMessage() + (trained ? "; the model so far was kept" : "");
    if (finalStatus == SecondaryStatus.Failed) {
      return fail(job, new KilnException(ErrorType.CAPACITY, job.stopMessage()), 1, billing);
    }
    job.update(r -> {
      JobRecord.Builder b = times(r, end, billing);
      if (finalStatus != SecondaryStatus.Completed) {
        b.failureReason(message);
      }
      return b.build();
    });
    job.transition(finalStatus, message, end);
    JobRecord r = job.record();
    return new JobResult(r.trainingJobName(), r.trainingJobStatus(), r.secondaryStatus(), r.failureReason(),
        artifact, r.trainingJobStatus().exitCode());
  }

  private JobResult fail(RunningJob job, KilnException e, int exitCode, Billing billing) {
    String reason = failureReason(e);
    Instant end = Instant.now();
    job.log("ERROR " + reason);
    if (e.type() != ErrorType.USER && e.type() != ErrorType.CAPACITY) {
      job.log("ERROR cause: " + stackTrace(e));
    }
    job.update(r -> times(r, end, billing).failureReason(reason).build());
    job.transition(SecondaryStatus.Failed, reason, end);
    return new JobResult(job.spec().name(), TrainingJobStatus.Failed, SecondaryStatus.Failed, reason, null, exitCode);
  }

  private static JobRecord.Builder times(JobRecord r, Instant end, Billing billing) {
    JobRecord.Builder b = r.toBuilder().trainingEndTime(end);
    if (r.trainingStartTime() != null) {
      long seconds = RunningJob.seconds(r.trainingStartTime(), end);
      b.trainingTime(seconds).billableTime(billing.billableSeconds(seconds))
          .kiln(r.kilnBuilder().billing(billing.toJson(seconds, r.kiln().workers())).build());
    }
    return b;
  }

  /** The first 1024 characters of the error's first line, as SageMaker's FailureReason. */
  static String failureReason(KilnException e) {
    String m = String.valueOf(e.getMessage());
    String prefix = switch (e.type()) {
      case USER -> "ClientError: ";
      case CAPACITY -> "CapacityError: ";
      case ALGORITHM -> "AlgorithmError: ";
      case INTERNAL -> "InternalServerError: ";
    };
    String reason = prefix + m.strip();
    return reason.length() > 1024 ? reason.substring(0, 1024) : reason;
  }

  /**
   * The message for a throwable nothing expected ("Internal error: " and the throwable); a
   * {@link LinkageError} (NoSuchMethodError, a loader constraint) also names its likely cause.
   */
  public static String internalError(Throwable e) {
    String m = "Internal error: " + e;
    if (e instanceof LinkageError) {
      m += " (a class on the classpath is not the version Kiln was built against: another copy of that library"
          + " comes first, e.g. the cluster's own)";
    }
    return m;
  }

  private static String stackTrace(Throwable e) {
    java.io.StringWriter w = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(w));
    return w.toString();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw KilnException.internal("Interrupted while waiting for capacity", e);
    }
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

  /**
   * Watches the executors running a job's tasks for decommissioning (a spot reclaim notice turned
   * into a Spark decommission, e.g. SIGPWR to a standalone worker): when one is being
   * decommissioned, the job is asked for an emergency checkpoint at the next round boundary.
   */
  static final class DecommissionWatcher implements AutoCloseable {
    private final ScheduledExecutorService poller;
    private final Set<String> seen = new HashSet<>();

    DecommissionWatcher(SparkContext sc, io.kiln.barrier.BarrierRunner barrier, RunningJob job) {
      poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kiln-decommission-watch");
        t.setDaemon(true);
        return t;
      });
      poller.scheduleWithFixedDelay(() -> {
        try {
          for (String executor : barrier.executorsInUse()) {
            if (!seen.contains(executor) && sc.taskScheduler().getExecutorDecommissionState(executor).isDefined()) {
              seen.add(executor);
              job.log("Executor " + executor + " is being decommissioned: checkpointing at the next round");
              job.requestCheckpoint();
            }
          }
        } catch (RuntimeException e) {
          job.log("WARN decommission watch: " + e);
        }
      }, 500, 500, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
      poller.shutdownNow();
    }
  }
}
