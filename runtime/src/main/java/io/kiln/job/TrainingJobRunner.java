package io.kiln.job;

import io.kiln.barrier.BarrierRunner;
import io.kiln.barrier.ControlServer;
import io.kiln.barrier.HadoopConf;
import io.kiln.barrier.WorkerPlan;
import io.kiln.channel.ChannelLister;
import io.kiln.channel.InputSplit;
import io.kiln.channel.SplitPlanner;
import io.kiln.spec.ChannelSpec;
import io.kiln.spec.Names;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.CheckpointStore;
import io.kiln.spi.ContentType;
import io.kiln.spi.Directive;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.TrainingOutcome;
import io.kiln.spi.WorkerFunction;
import io.kiln.storage.StorageProbe;
import io.kiln.storage.Uris;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Runs one training job on a SparkSession, end to end: record, checks, channel listing, training
 * on the workers, model.tar.gz, final status. The CLI and notebooks both come here.
 */
public final class TrainingJobRunner {
  /** Exit code for a job that failed because its spec was bad (unknown algorithm, bad hyperparameter). */
  public static final int EXIT_BAD_SPEC = 2;

  private final SparkSession spark;
  private final JobStore store;
  private final Algorithms algorithms;
  private final KilnConf conf;

  public TrainingJobRunner(SparkSession spark, JobStore store, Algorithms algorithms) {
    this.spark = spark;
    this.store = store;
    this.algorithms = algorithms;
    this.conf = new KilnConf(spark.sparkContext().getConf());
  }

  /** A runner on the session's own settings: job root from {@code spark.kiln.job-root}. */
  public static TrainingJobRunner on(SparkSession spark) {
    KilnConf kc = new KilnConf(spark.sparkContext().getConf());
    return new TrainingJobRunner(spark, new JobStore(kc.jobRoot(), spark.sparkContext().hadoopConfiguration()),
        Algorithms.load());
  }

  public JobStore store() {
    return store;
  }

  public JobResult run(TrainingJobSpec spec) {
    return run(spec, JobListener.NONE);
  }

  /**
   * Runs the job and returns how it ended. Throws only when the job could not even be created
   * (a job of that name exists): then no record was written.
   */
  public JobResult run(TrainingJobSpec spec, JobListener listener) {
    SparkContext sc = spark.sparkContext();
    Instant created = Instant.now();
    JobRecord record = JobRecords.created(spec, created, sc.master(), sc.applicationId(), conf.controlHost(),
        conf.heartbeatIntervalSeconds());
    store.create(record);
    RunningJob job = new RunningJob(store, spec, record, listener);
    job.log("Created training job " + spec.name() + " (algorithm " + spec.algorithm().name() + ", "
        + spec.resources().workers() + " worker(s), Spark " + sc.version() + ", master " + sc.master() + ")");
    spec.notices().forEach(job::notice);
    ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kiln-heartbeat-" + spec.name());
      t.setDaemon(true);
      return t;
    });
    heartbeat.scheduleWithFixedDelay(() -> beat(job), conf.heartbeatIntervalSeconds(),
        conf.heartbeatIntervalSeconds(), TimeUnit.SECONDS);
    Path modelDirectory = null;
    String artifact = Uris.join(spec.outputPath(), spec.name(), "output", "model.tar.gz");
    boolean artifactWritten = false;
    try {
      Algorithm<?> algorithm;
      Object hyperparameters;
      Map<String, ContentType> contentTypes;
      try {
        algorithm = algorithms.resolve(spec.algorithm());
        hyperparameters = algorithm.hyperparameters(spec.hyperparameters());
        contentTypes = contentTypes(spec, algorithm);
        Uris.requireSupported(spec.outputPath(), "outputPath");
      } catch (KilnException e) {
        return fail(job, e, EXIT_BAD_SPEC);
      }
      algorithm.resourceHyperparameter().map(spec.hyperparameters()::get).ifPresent(v -> {
        try {
          job.setPlannedRounds(Integer.parseInt(v.trim()));
        } catch (NumberFormatException ignored) {
          // validated by the algorithm already
        }
      });
      Preflight.Cluster cluster = Preflight.check(sc, spec, conf.slotWaitSeconds());
      Configuration hadoop = sc.hadoopConfiguration();
      if (conf.storageProbe()) {
        probeStorage(spec, hadoop);
      }
      if (stopped(job)) {
        return finish(job, null, false);
      }
      Instant trainingStart = job.transition(SecondaryStatus.Downloading, "Listing and assigning input data");
      job.update(r -> r.toBuilder().trainingStartTime(trainingStart).build());
      Map<String, ChannelData> channels = new LinkedHashMap<>();
      Map<String, List<List<InputSplit>>> splits = new LinkedHashMap<>();
      ChannelLister lister = new ChannelLister(hadoop);
      SplitPlanner planner = new SplitPlanner(hadoop);
      for (ChannelSpec c : spec.channels()) {
        ChannelData data = lister.list(c, contentTypes.get(c.name()));
        channels.put(c.name(), data);
        splits.put(c.name(), planner.plan(data, spec.resources().workers()));
        job.log("Channel " + c.name() + ": " + data.objects().size() + " object(s), " + data.totalBytes() + " bytes, "
            + data.contentType().mime() + ", " + data.distribution());
      }
      if (stopped(job)) {
        return finish(job, null, false);
      }
      modelDirectory = Files.createTempDirectory("kiln-model-" + spec.name() + "-");
      job.transition(SecondaryStatus.Training, "Training with " + spec.resources().workers() + " worker(s) x "
          + cluster.threadsPerWorker() + " thread(s)");
      TrainingOutcome outcome;
      try (ControlServer control = new ControlServer(conf.controlHost(), handler(job))) {
        RunnerContext context = new RunnerContext(job, channels, splits, cluster.threadsPerWorker(), modelDirectory,
            control, new HadoopConf(hadoop), null);
        outcome = train(algorithm, context, hyperparameters);
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
      job.update(r -> r.toBuilder().modelArtifacts(new JobRecord.ModelArtifacts(artifact)).finalMetrics(metricData)
          .kiln(r.kilnBuilder().roundsCompleted(outcome.roundsCompleted()).build()).build());
      return finish(job, artifact, true);
    } catch (KilnException e) {
      if (artifactWritten) {
        store.store().delete(artifact, false);
      }
      return fail(job, e, 1);
    } catch (Exception e) {
      if (artifactWritten) {
        store.store().delete(artifact, false);
      }
      return fail(job, KilnException.internal("Internal error: " + e, e), 1);
    } finally {
      heartbeat.shutdownNow();
      deleteQuietly(modelDirectory);
      job.save();
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
      probe.checkWritable(spec.checkpoint().uri(), "checkpoint location");
    }
  }

  private static Map<String, ContentType> contentTypes(TrainingJobSpec spec, Algorithm<?> algorithm) {
    Map<String, ChannelRequirement> known = new LinkedHashMap<>();
    algorithm.channels().forEach(r -> known.put(r.name(), r));
    for (ChannelRequirement r : algorithm.channels()) {
      if (r.required() && spec.channel(r.name()).isEmpty()) {
        throw KilnException.user("Job '" + spec.name() + "' has no '" + r.name() + "' channel, which "
            + algorithm.name() + " requires");
      }
    }
    Map<String, ContentType> out = new LinkedHashMap<>();
    for (ChannelSpec c : spec.channels()) {
      ChannelRequirement r = known.get(c.name());
      if (r == null) {
        throw KilnException.user("Channel '" + c.name() + "' is not one " + algorithm.name() + " reads"
            + Names.suggestion(c.name(), known.keySet()) + "; it reads " + String.join(", ", known.keySet()));
      }
      ContentType type = r.defaultContentType();
      if (c.contentType() != null) {
        type = ContentType.parse(c.contentType()).orElseThrow(() -> KilnException.user("Channel '" + c.name()
            + "' has content type '" + c.contentType() + "', which Kiln cannot read; use one of "
            + ContentType.accepted()));
        if (!r.contentTypes().contains(type)) {
          ContentType t = type;
          throw KilnException.user("Channel '" + c.name() + "' has content type " + t.mime() + ", which "
              + algorithm.name() + " does not read; it reads " + String.join(", ",
                  r.contentTypes().stream().map(ContentType::mime).toList()));
        }
      }
      out.put(c.name(), type);
    }
    return out;
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

  /** Heartbeat: record the driver is alive, act on stop requests and the runtime limit. */
  private void beat(RunningJob job) {
    try {
      Instant now = Instant.now();
      if (job.stopReason() == null) {
        store.stopRequest(job.spec().name()).ifPresent(req -> {
          if (job.requestStop(SecondaryStatus.Stopped, "Stopped by request: " + req.reason())) {
            job.transition(SecondaryStatus.Stopping, "Stopping the training job (" + req.reason() + ")");
          }
        });
      }
      Instant start = job.record().trainingStartTime();
      long limit = job.spec().stoppingCondition().maxRuntimeSeconds();
      if (job.stopReason() == null && start != null && Duration.between(start, now).getSeconds() >= limit) {
        if (job.requestStop(SecondaryStatus.MaxRuntimeExceeded,
            "Training job reached MaxRuntimeInSeconds (" + limit + " s)")) {
          job.transition(SecondaryStatus.Stopping, "Stopping: MaxRuntimeInSeconds (" + limit + " s) reached");
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

  private JobResult finish(RunningJob job, String artifact, boolean trained) {
    Instant end = Instant.now();
    SecondaryStatus finalStatus = job.stopReason() == null ? SecondaryStatus.Completed : job.stopReason();
    String message = job.stopReason() == null ? "Training job completed"
        : job.stopMessage() + (trained ? "; the model so far was kept" : "");
    job.update(r -> {
      JobRecord.Builder b = r.toBuilder().trainingEndTime(end);
      if (r.trainingStartTime() != null) {
        long seconds = RunningJob.seconds(r.trainingStartTime(), end);
        b.trainingTime(seconds).billableTime(seconds);
      }
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

  private JobResult fail(RunningJob job, KilnException e, int exitCode) {
    String reason = failureReason(e);
    Instant end = Instant.now();
    job.log("ERROR " + reason);
    if (e.type() != ErrorType.USER) {
      job.log("ERROR cause: " + stackTrace(e));
    }
    job.update(r -> {
      JobRecord.Builder b = r.toBuilder().failureReason(reason).trainingEndTime(end);
      if (r.trainingStartTime() != null) {
        long seconds = RunningJob.seconds(r.trainingStartTime(), end);
        b.trainingTime(seconds).billableTime(seconds);
      }
      return b.build();
    });
    job.transition(SecondaryStatus.Failed, reason, end);
    return new JobResult(job.spec().name(), TrainingJobStatus.Failed, SecondaryStatus.Failed, reason, null, exitCode);
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

  private static String stackTrace(Throwable e) {
    java.io.StringWriter w = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(w));
    return w.toString();
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp directory; the OS cleans what is left
    }
  }

  /** The training context the runner gives an algorithm. */
  private final class RunnerContext implements TrainingContext {
    private final RunningJob job;
    private final Map<String, ChannelData> channels;
    private final Map<String, List<List<InputSplit>>> splits;
    private final int threads;
    private final Path modelDirectory;
    private final ControlServer control;
    private final HadoopConf hadoopConf;
    private final CheckpointStore checkpoints;
    private final AtomicInteger attempts = new AtomicInteger();

    RunnerContext(RunningJob job, Map<String, ChannelData> channels, Map<String, List<List<InputSplit>>> splits,
        int threads, Path modelDirectory, ControlServer control, HadoopConf hadoopConf, CheckpointStore checkpoints) {
      this.job = job;
      this.channels = channels;
      this.splits = splits;
      this.threads = threads;
      this.modelDirectory = modelDirectory;
      this.control = control;
      this.hadoopConf = hadoopConf;
      this.checkpoints = checkpoints;
    }

    @Override
    public String jobName() {
      return job.spec().name();
    }

    @Override
    public SparkSession spark() {
      return spark;
    }

    @Override
    public int workers() {
      return job.spec().resources().workers();
    }

    @Override
    public int threadsPerWorker() {
      return threads;
    }

    @Override
    public Map<String, ChannelData> channels() {
      return channels;
    }

    @Override
    public Path modelDirectory() {
      return modelDirectory;
    }

    @Override
    public Optional<CheckpointStore> checkpoints() {
      return Optional.ofNullable(checkpoints);
    }

    @Override
    public Optional<Integer> checkpointInterval() {
      return job.spec().checkpointSpec().map(c -> c.intervalRounds());
    }

    @Override
    public <T extends Serializable> List<T> runOnWorkers(WorkerFunction<T> function) {
      int attempt = attempts.getAndIncrement();
      job.update(r -> r.toBuilder().kiln(r.kilnBuilder().attempts(attempt + 1).build()).build());
      List<WorkerPlan> plans = new ArrayList<>();
      for (int rank = 0; rank < workers(); rank++) {
        Map<String, WorkerPlan.ChannelShare> shares = new LinkedHashMap<>();
        for (Map.Entry<String, ChannelData> e : channels.entrySet()) {
          shares.put(e.getKey(), new WorkerPlan.ChannelShare(e.getValue().contentType(),
              splits.get(e.getKey()).get(rank)));
        }
        plans.add(new WorkerPlan(rank, workers(), attempt, threads, jobName(), shares, control.client(), checkpoints,
            hadoopConf));
      }
      return new BarrierRunner(spark.sparkContext()).run("kiln-" + jobName() + "-" + attempt,
          "Kiln training job " + jobName() + " (attempt " + (attempt + 1) + ")", plans, function);
    }

    @Override
    public void log(String line) {
      job.log(line);
    }
  }
}
