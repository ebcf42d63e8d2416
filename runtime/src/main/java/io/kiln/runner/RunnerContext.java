package io.kiln.runner;

import io.kiln.barrier.BarrierRunner;
import io.kiln.barrier.ControlServer;
import io.kiln.barrier.HadoopConf;
import io.kiln.barrier.WorkerPlan;
import io.kiln.channel.InputSplit;
import io.kiln.channel.ObjectKeys;
import io.kiln.channel.ObjectRef;
import io.kiln.storage.Uris;
import io.kiln.checkpoint.CheckpointService;
import io.kiln.spi.ChannelData;
import io.kiln.spi.CheckpointIdentity;
import io.kiln.spi.Checkpointing;
import io.kiln.spi.Directive;
import io.kiln.spi.CheckpointStore;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.WorkerFunction;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/** The training context the runner gives an algorithm for one attempt. */
final class RunnerContext implements TrainingContext {
  private final SparkSession spark;
  private final RunningJob job;
  private final int workers;
  private final Map<String, ChannelData> channels;
  private final Map<String, List<List<InputSplit>>> splits;
  private final int threads;
  private final Path modelDirectory;
  private final ControlServer control;
  private final HadoopConf hadoopConf;
  private final CheckpointStore checkpoints;
  private final int attempt;
  private final String pool;
  private final String outputStagingUri;
  private final String modelStagingUri;
  private final CheckpointIdentity identity;
  private CheckpointService checkpointing;
  final BarrierRunner barrier;
  private Map<String, List<ObjectRef>> objectRefs;

  RunnerContext(SparkSession spark, RunningJob job, int workers, Map<String, ChannelData> channels,
      Map<String, List<List<InputSplit>>> splits, int threads, Path modelDirectory, ControlServer control,
      HadoopConf hadoopConf, CheckpointStore checkpoints, int attempt, String pool, String outputStagingUri,
      String modelStagingUri, CheckpointIdentity identity) {
    this.spark = spark;
    this.job = job;
    this.workers = workers;
    this.channels = channels;
    this.splits = splits;
    this.threads = threads;
    this.modelDirectory = modelDirectory;
    this.control = control;
    this.hadoopConf = hadoopConf;
    this.checkpoints = checkpoints;
    this.attempt = attempt;
    this.pool = pool;
    this.outputStagingUri = outputStagingUri;
    this.modelStagingUri = modelStagingUri;
    this.identity = identity;
    this.barrier = new BarrierRunner(spark.sparkContext());
  }

  /** The Spark job group of a job's attempt, which cancelling the attempt names. */
  static String jobGroup(String jobName, int attempt) {
    return "kiln-" + jobName + "-" + attempt;
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
    return workers;
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
  public String modelStagingUri() {
    return modelStagingUri;
  }

  @Override
  public Map<String, String> environment() {
    return job.spec().environment();
  }

  @Override
  public String inputMode() {
    return job.spec().algorithm().inputMode();
  }

  @Override
  public Optional<io.kiln.spi.ScriptSpec> script() {
    return Optional.ofNullable(job.spec().algorithm().script());
  }

  @Override
  public Optional<String> trainingImage() {
    return Optional.ofNullable(job.spec().algorithm().trainingImage()).filter(s -> !s.isBlank());
  }

  @Override
  public Optional<String> contentTypeAsWritten(String channel) {
    return job.spec().channel(channel).map(io.kiln.spec.ChannelSpec::contentType);
  }

  @Override
  public Optional<CheckpointStore> checkpoints() {
    return Optional.ofNullable(checkpoints);
  }

  @Override
  public Optional<io.kiln.spi.CheckpointLocation> checkpointLocation() {
    return job.spec().checkpointSpec().map(c -> new io.kiln.spi.CheckpointLocation(c.uri(), c.localPath()));
  }

  /** Rounds between checkpoints the user asked for, 0 for the adaptive schedule. */
  private int checkpointInterval() {
    return job.spec().checkpointSpec().map(c -> c.intervalRounds()).orElse(0);
  }

  @Override
  public Checkpointing checkpointing() {
    if (checkpointing == null) {
      checkpointing = new CheckpointService(checkpoints, identity, 0, 1, null, this::log, checkpointInterval());
    }
    return checkpointing;
  }

  @Override
  public Directive report(int step, Map<String, Double> metrics) {
    return control.reportLocal(attempt, step, metrics);
  }

  /** Waits for a driver-side checkpoint upload under way and removes local copies. */
  void close() {
    if (checkpointing != null) {
      checkpointing.close();
    }
  }

  @Override
  public <T extends Serializable> List<T> runOnWorkers(WorkerFunction<T> function) {
    List<WorkerPlan> plans = new ArrayList<>();
    Map<String, Broadcast<List<ObjectRef>>> objects = broadcastObjects();
    for (int rank = 0; rank < workers; rank++) {
      Map<String, WorkerPlan.ChannelShare> shares = new LinkedHashMap<>();
      for (Map.Entry<String, ChannelData> e : channels.entrySet()) {
        ChannelData c = e.getValue();
        Integer labelSize = c.contentTypeParameters().containsKey("label_size") ? c.labelSize() : null;
        shares.put(e.getKey(), new WorkerPlan.ChannelShare(c.contentType(), labelSize, c.gzip(),
            splits.get(e.getKey()).get(rank), objects.get(e.getKey()), c.augmentedManifest() ? c.uri() : null,
            c.attributeNames()));
      }
      plans.add(new WorkerPlan(rank, workers, attempt, threads, jobName(), shares, control.client(), checkpoints,
          checkpointInterval(), identity, hadoopConf, job.spec().environment(), outputStagingUri));
    }
    String previousPool = spark.sparkContext().getLocalProperty("spark.scheduler.pool");
    if (pool != null) {
      spark.sparkContext().setLocalProperty("spark.scheduler.pool", pool);
    }
    try {
      return barrier.run(jobGroup(jobName(), attempt), "Kiln training job " + jobName() + " (attempt "
          + (attempt + 1) + ")", plans, function);
    } finally {
      objects.values().forEach(Broadcast::destroy);
      if (pool != null) {
        spark.sparkContext().setLocalProperty("spark.scheduler.pool", previousPool);
      }
    }
  }

  /**
   * Each channel's object list as a broadcast: an executor fetches it once, however many tasks it
   * runs and however many objects there are, where a list in every task's plan would be serialised
   * once per task.
   */
  private Map<String, Broadcast<List<ObjectRef>>> broadcastObjects() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Map<String, Broadcast<List<ObjectRef>>> objects = new LinkedHashMap<>();
    for (Map.Entry<String, List<ObjectRef>> e : objectRefs().entrySet()) {
      objects.put(e.getKey(), jsc.broadcast(e.getValue()));
    }
    return objects;
  }

  /** Every channel's objects with their keys, in key order; named once per attempt. */
  private Map<String, List<ObjectRef>> objectRefs() {
    if (objectRefs == null) {
      Map<String, List<ObjectRef>> refs = new LinkedHashMap<>();
      for (Map.Entry<String, ChannelData> e : channels.entrySet()) {
        refs.put(e.getKey(), List.copyOf(ObjectKeys.of(e.getValue(),
            Uris.toHadoopUri(e.getValue().uri(), hadoopConf.get()))));
      }
      objectRefs = refs;
    }
    return objectRefs;
  }

  @Override
  public void log(String line) {
    job.log(line);
  }
}
