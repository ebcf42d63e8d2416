package io.kiln.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.runner.Algorithms;
import io.kiln.runner.JobListener;
import io.kiln.record.JobRecord;
import io.kiln.runner.JobResult;
import io.kiln.record.JobStore;
import io.kiln.runner.KilnConf;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.record.TrainingJobStatus;
import io.kiln.spec.SpecReader;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.Algorithm;
import io.kiln.spi.KilnException;
import io.kiln.spi.MetricDescriptor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The contract every built-in algorithm passes. A built-in's test extends this class and declares
 * its data, hyperparameters and artifact loader; every opt-out ({@link #optOuts()}) states its
 * reason, which the report shows as the reason the check was skipped.
 *
 * <p>The checks, in order, each a real job: a smoke job from a SageMaker CreateTrainingJob request
 * naming the algorithm's image, on data the subclass takes from the shared data sets and puts on
 * the S3 server; a bad hyperparameter and a bad data file each ending Failed with a user error
 * naming the field or the file and line; a stop during training keeping a model; a tuning objective
 * the algorithm does not emit refused when the request is read; last, on a standalone cluster of
 * real executor JVMs, an executor SIGKILLed mid-training, after which the job resumes from its
 * newest checkpoint and completes. That cluster is the JVM's shared one ({@link LocalCluster#shared}),
 * started in the background when the first check runs, so a module's contract tests start one. Every artifact goes through the algorithm's own loader.
 *
 * <p>The stop and the kill are issued from the driver's {@link JobListener} while rank 0 waits for
 * the answer about a round (the stop at round 2, the kill of rank 0's executor at round 2 x
 * {@link #checkpointIntervalRounds()}), so they land inside training however fast it runs.
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class AlgorithmContractTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a built-in may opt out of; each opt-out names its reason. */
  public enum Capability {
    /** A stop request ends training at a step boundary and keeps the model so far. */
    STOP_KEEPS_MODEL,
    /** Training resumes from the newest checkpoint after an executor is lost. */
    EXECUTOR_LOSS_RESUMES
  }

  /**
   * One channel's data.
   *
   * @param contentType the channel's ContentType as a request writes it
   * @param objects object key (below the channel's prefix) to bytes
   */
  public record ChannelData(String contentType, Map<String, byte[]> objects) {}

  /**
   * A job that must fail as a user error.
   *
   * @param hyperparameters the job's hyperparameters
   * @param channels the job's channels
   * @param expected fragments the FailureReason must contain (the field, or the file and line)
   */
  public record BadJob(Map<String, String> hyperparameters, Map<String, ChannelData> channels,
      List<String> expected) {}

  /** The algorithm under test. */
  protected abstract Algorithm<?> algorithm();

  /** A SageMaker TrainingImage that selects the algorithm, e.g. {@code ...amazonaws.com/sagemaker-xgboost:1.7-1}. */
  protected abstract String trainingImage();

  /** The smoke job's channels, from a shared data set. */
  protected abstract Map<String, ChannelData> smokeChannels();

  /** The smoke job's hyperparameters (a quick job). */
  protected abstract Map<String, String> smokeHyperparameters();

  /**
   * Hyperparameters for a job that trains long enough to be stopped or to lose an executor
   * (more than 2 x {@link #checkpointIntervalRounds()} + 1 steps), on the smoke channels; with a
   * checkpoint location it must checkpoint at that interval.
   */
  protected abstract Map<String, String> longHyperparameters();

  /** A job whose hyperparameter is invalid, and the fragments naming it. */
  protected abstract BadJob badHyperparameter();

  /** A job with a bad data file, and the fragments naming the file and line. */
  protected abstract BadJob badData();

  /**
   * Loads the artifact with the algorithm's own loader (for XGBoost: the xgboost4j booster) and
   * checks it; throws AssertionError when it does not load or predict.
   *
   * @param modelFiles the files of {@code model.tar.gz}, by name
   */
  protected abstract void checkArtifact(Map<String, byte[]> modelFiles) throws Exception;

  /** Capabilities this algorithm opts out of, each with its reason. */
  protected Map<Capability, String> optOuts() {
    return Map.of();
  }

  /**
   * The jobs' MetricDefinitions (name to regex), for an algorithm whose metrics are read from its
   * output ({@link Algorithm#metricsFromDefinitions()}: a script); none by default.
   */
  protected Map<String, String> metricDefinitions() {
    return Map.of();
  }

  /** The tuning objective of the smoke job and the objective check: the first metric the algorithm emits. */
  protected String objectiveMetric() {
    if (!metricDefinitions().isEmpty()) {
      return metricDefinitions().keySet().iterator().next();
    }
    return algorithm().metrics(smokeHyperparameters(), smokeChannels().keySet()).get(0).name();
  }

  /**
   * The job-log line saying where the resumed attempt started, its group 1 a positive number: the
   * runtime's checkpoint service's by default.
   */
  protected Pattern resumedFrom() {
    return Pattern.compile("Resumed from the checkpoint after round (\\d+)");
  }

  /** Spark settings of the executor-loss check's session (e.g. a faster sync for a script); none by default. */
  protected Map<String, String> clusterConf() {
    return Map.of();
  }

  /** A metric name the algorithm cannot emit, for the tuning-objective check. */
  protected String metricItCannotEmit() {
    return "validation:no-such-metric";
  }

  private SparkSession spark;
  private TrainingJobRunner runner;
  private S3Server s3;
  private String bucket;

  private String prefix() {
    return "contract-" + algorithm().name().replaceAll("[^a-z0-9-]", "-");
  }

  private void local() {
    if (spark == null) {
      if (!optOuts().containsKey(Capability.EXECUTOR_LOSS_RESUMES)) {
        // the executor-loss check's cluster starts while the local checks run
        LocalCluster.prestartShared(2);
      }
      s3 = S3Server.get();
      bucket = s3.bucket(prefix());
      spark = TestSpark.start(s3, Map.of());
      runner = new TrainingJobRunner(spark, new JobStore(new KilnConf(spark.sparkContext().getConf()).jobRoot(),
          spark.sparkContext().hadoopConfiguration()), new Algorithms(List.of(algorithm())));
    }
  }

  @AfterAll
  void stopSpark() {
    if (spark != null) {
      spark.stop();
      spark = null;
    }
  }

  /** Puts a job's channels under {@code root} and returns a CreateTrainingJob request for it. */
  private String request(String name, Map<String, String> hyperparameters, Map<String, ChannelData> channels,
      String root, boolean checkpoint) {
    var conf = spark.sparkContext().hadoopConfiguration();
    ObjectNode r = JSON.createObjectNode().put("TrainingJobName", name);
    ObjectNode spec = r.putObject("AlgorithmSpecification").put("TrainingImage", trainingImage())
        .put("TrainingInputMode", "File");
    if (!metricDefinitions().isEmpty()) {
      ArrayNode definitions = spec.putArray("MetricDefinitions");
      metricDefinitions().forEach((metric, regex) -> definitions.addObject().put("Name", metric).put("Regex", regex));
    }
    r.put("RoleArn", "arn:aws:iam::111122223333:role/KilnContractTest");
    ObjectNode hp = r.putObject("HyperParameters");
    hyperparameters.forEach(hp::put);
    ArrayNode inputs = r.putArray("InputDataConfig");
    channels.forEach((channel, data) -> {
      String uri = root + "/" + name + "/" + channel + "/";
      data.objects().forEach((key, bytes) -> S3Files.write(conf, hadoop(uri + key), bytes));
      ObjectNode c = inputs.addObject().put("ChannelName", channel).put("ContentType", data.contentType());
      c.putObject("DataSource").putObject("S3DataSource").put("S3DataType", "S3Prefix").put("S3Uri", uri)
          .put("S3DataDistributionType", "FullyReplicated");
    });
    r.putObject("OutputDataConfig").put("S3OutputPath", root + "/output/");
    r.putObject("ResourceConfig").put("InstanceType", "ml.m5.large").put("InstanceCount", 2)
        .put("VolumeSizeInGB", 10);
    r.putObject("StoppingCondition").put("MaxRuntimeInSeconds", 600);
    if (checkpoint) {
      r.putObject("CheckpointConfig").put("S3Uri", root + "/checkpoints/" + name + "/");
    }
    return r.toString();
  }

  /**
   * The same job as a Kiln spec, which can set the checkpoint interval (a SageMaker request
   * cannot): checkpoints every {@code checkpointIntervalRounds} rounds.
   */
  private TrainingJobSpec kilnSpec(String name, Map<String, String> hyperparameters, Map<String, ChannelData> channels,
      String root, int checkpointIntervalRounds) {
    var conf = spark.sparkContext().hadoopConfiguration();
    ObjectNode r = JSON.createObjectNode().put("name", name).put("algorithm", algorithm().name());
    if (!metricDefinitions().isEmpty()) {
      ArrayNode definitions = r.putArray("metricDefinitions");
      metricDefinitions().forEach((metric, regex) -> definitions.addObject().put("name", metric).put("regex", regex));
    }
    ObjectNode hp = r.putObject("hyperparameters");
    hyperparameters.forEach(hp::put);
    ArrayNode inputs = r.putArray("channels");
    channels.forEach((channel, data) -> {
      String uri = root + "/" + name + "/" + channel + "/";
      data.objects().forEach((key, bytes) -> S3Files.write(conf, uri + key, bytes));
      inputs.addObject().put("name", channel).put("uri", uri).put("contentType", data.contentType());
    });
    r.put("outputPath", root + "/output/");
    r.putObject("resources").put("workers", 2);
    r.putObject("checkpoint").put("uri", root + "/checkpoints/" + name + "/")
        .put("intervalRounds", checkpointIntervalRounds);
    return SpecReader.readTrainingJob(r.toString(), name + ".json");
  }

  /**
   * Rounds between checkpoints in the executor-loss check; rank 0's executor is killed when round
   * 2 x this is reported, so the long job must train longer than that.
   */
  protected int checkpointIntervalRounds() {
    return 10;
  }

  private TrainingJobSpec spec(String name, Map<String, String> hyperparameters, Map<String, ChannelData> channels,
      String root, boolean checkpoint) {
    return SpecReader.readTrainingJob(request(name, hyperparameters, channels, root, checkpoint), name + ".json");
  }

  private Map<String, byte[]> model(TrainingJobRunner on, JobResult r) {
    return S3Files.untar(S3Files.read(on.spark().sparkContext().hadoopConfiguration(), hadoop(r.modelArtifacts())));
  }

  /** {@code s3://} as the test reads and writes it (s3a). */
  private static String hadoop(String uri) {
    return uri.replaceFirst("^s3://", "s3a://");
  }

  private String s3Root() {
    return "s3://" + bucket;
  }

  @Test
  @Order(1)
  void aSageMakerRequestForTheImageTrainsAModelItsLoaderReads() throws Exception {
    local();
    // with the keys SageMaker adds beside the user's: the tuner's (every trial has it) and an SDK's
    Map<String, String> hyperparameters = new java.util.LinkedHashMap<>(smokeHyperparameters());
    hyperparameters.put("_tuning_objective_metric", objectiveMetric());
    hyperparameters.put("sagemaker_container_log_level", "20");
    JobResult r = runner.run(spec("smoke", hyperparameters, smokeChannels(), s3Root(), false));
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    JobRecord record = runner.store().load("smoke").orElseThrow();
    assertThat(record.modelArtifacts().s3ModelArtifacts()).endsWith("/smoke/output/model.tar.gz");
    assertThat(record.finalMetricDataList()).isNotEmpty();
    Set<String> channels = smokeChannels().keySet();
    List<String> emitted = new java.util.ArrayList<>(algorithm().metrics(smokeHyperparameters(), channels).stream()
        .map(MetricDescriptor::name).toList());
    emitted.addAll(metricDefinitions().keySet());
    assertThat(record.finalMetricDataList()).allSatisfy(m -> assertThat(emitted).contains(m.metricName()));
    checkArtifact(model(runner, r));
  }

  @Test
  @Order(2)
  void aBadHyperparameterFailsAsAUserErrorNamingIt() {
    local();
    BadJob bad = badHyperparameter();
    JobResult r = runner.run(spec("bad-hp", bad.hyperparameters(), bad.channels(), s3Root(), false));
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.exitCode()).isEqualTo(TrainingJobRunner.EXIT_BAD_SPEC);
    assertThat(r.failureReason()).startsWith("ClientError: ").contains(bad.expected()).doesNotContain("\n\tat ");
    assertThat(r.modelArtifacts()).isNull();
  }

  @Test
  @Order(3)
  void aBadDataFileFailsAsAUserErrorNamingTheFileAndLine() {
    local();
    BadJob bad = badData();
    JobResult r = runner.run(spec("bad-data", bad.hyperparameters(), bad.channels(), s3Root(), false));
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).startsWith("ClientError: ").contains(bad.expected()).doesNotContain("\n\tat ");
    assertThat(r.modelArtifacts()).isNull();
  }

  @Test
  @Order(4)
  void aStopDuringTrainingKeepsTheModelSoFar() throws Exception {
    String reason = optOuts().get(Capability.STOP_KEEPS_MODEL);
    Assumptions.assumeTrue(reason == null, () -> "opted out: " + reason);
    local();
    TrainingJobSpec spec = spec("stop", longHyperparameters(), smokeChannels(), s3Root(), false);
    // asked while rank 0 waits for its answer about round 2: the stop lands at the next round boundary,
    // however fast the algorithm trains
    AtomicBoolean asked = new AtomicBoolean();
    JobListener stopAtRound2 = new JobListener() {
      @Override
      public void onRound(int round, int plannedRounds, Map<String, Double> metrics) {
        if (round >= 2 && asked.compareAndSet(false, true)) {
          runner.requestStop("stop", "contract test");
        }
      }
    };
    JobResult r = CompletableFuture.supplyAsync(() -> runner.run(spec, stopAtRound2)).get(300, TimeUnit.SECONDS);
    assertThat(asked).as("a round >= 2 was reported").isTrue();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Stopped);
    assertThat(r.modelArtifacts()).isNotNull();
    checkArtifact(model(runner, r));
  }

  @Test
  @Order(5)
  void aTuningObjectiveTheAlgorithmCannotEmitIsRefused() {
    local();
    Algorithms algorithms = new Algorithms(List.of(algorithm()));
    TrainingJobSpec spec = spec("objective", smokeHyperparameters(), smokeChannels(), s3Root(), false);
    String emitted = objectiveMetric();
    algorithms.checkObjective(spec, emitted, "objective");
    assertThatThrownBy(() -> algorithms.checkObjective(spec, metricItCannotEmit(), "objective"))
        .isInstanceOfSatisfying(KilnException.class, e -> {
          assertThat(e.type()).isEqualTo(io.kiln.spi.ErrorType.USER);
          assertThat(e.getMessage()).contains("'" + metricItCannotEmit() + "'", emitted);
        });
  }

  @Test
  @Order(6)
  void anExecutorKilledMidTrainingResumesFromTheNewestCheckpointAndCompletes() throws Exception {
    String reason = optOuts().get(Capability.EXECUTOR_LOSS_RESUMES);
    Assumptions.assumeTrue(reason == null, () -> "opted out: " + reason);
    stopSpark();
    // the JVM's shared cluster: the contract tests of a module's built-ins use one
    LocalCluster cluster = LocalCluster.shared(2);
    {
      Map<String, String> conf = new LinkedHashMap<>(cluster.driverConf());
      conf.put("spark.kiln.capacity.fallback-after-seconds", "3");
      conf.putAll(clusterConf());
      SparkSession clusterSpark = TestSpark.start(null, conf);
      try {
        TrainingJobRunner onCluster = new TrainingJobRunner(clusterSpark, new JobStore(
            new KilnConf(clusterSpark.sparkContext().getConf()).jobRoot(),
            clusterSpark.sparkContext().hadoopConfiguration()), new Algorithms(List.of(algorithm())));
        Path dir = TestSpark.tempDir("kiln-contract-cluster-");
        spark = clusterSpark; // request() writes the data through this session's filesystem
        TrainingJobSpec spec = kilnSpec("kill", longHyperparameters(), smokeChannels(),
            dir.toUri().toString().replaceAll("/+$", ""),
            checkpointIntervalRounds());
        // SIGKILLs rank 0's executor when rank 0 reports round 2 x interval: rank 0 is alive then (it
        // waits for the answer), and the checkpoint of round 1 x interval is complete (the next is
        // under way). The rank-0 task's executor is known from the task's start event.
        RankZeroExecutor rankZero = new RankZeroExecutor();
        clusterSpark.sparkContext().addSparkListener(rankZero);
        AtomicInteger killed = new AtomicInteger(-1);
        java.util.concurrent.atomic.AtomicReference<Throwable> killFailed = new java.util.concurrent.atomic.AtomicReference<>();
        JobListener killMidTraining = new JobListener() {
          @Override
          public void onRound(int round, int plannedRounds, Map<String, Double> metrics) {
            if (round >= 2 * checkpointIntervalRounds() && killed.compareAndSet(-1, 0)) {
              try {
                killed.set(cluster.killExecutors(rankZero.worker(clusterSpark, cluster)));
              } catch (Throwable e) {
                killFailed.set(e);
              }
            }
          }
        };
        JobResult r = CompletableFuture.supplyAsync(() -> onCluster.run(spec, killMidTraining))
            .get(300, TimeUnit.SECONDS);
        assertThat(killFailed.get()).as("finding and killing rank 0's executor").isNull();
        assertThat(killed).as("executors killed on rank 0's worker").hasValue(1);
        assertThat(r.failureReason()).isNull();
        assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
        String log = onCluster.store().readLog("kill").orElseThrow();
        Matcher m = resumedFrom().matcher(log);
        assertThat(m.find()).as("the job log says where it resumed:\n%s", log).isTrue();
        assertThat(Integer.parseInt(m.group(1))).isPositive();
        assertThat(onCluster.store().load("kill").orElseThrow().kiln().attempts()).isGreaterThanOrEqualTo(2);
        checkArtifact(model(onCluster, r));
      } finally {
        clusterSpark.stop();
        spark = null;
      }
    }
  }

  /** Which executor runs rank 0 (the barrier stage's task of partition 0), from task start events. */
  private static final class RankZeroExecutor extends SparkListener {
    private volatile String executor;

    @Override
    public void onTaskStart(SparkListenerTaskStart start) {
      if (start.taskInfo().index() == 0) {
        executor = start.taskInfo().executorId();
      }
    }

    /**
     * The worker whose executor runs rank 0 now. Called while rank 0 reports a round: its task
     * started before, and the listener bus delivers that start once it is empty.
     */
    int worker(SparkSession spark, LocalCluster cluster) {
      try {
        spark.sparkContext().listenerBus().waitUntilEmpty(30_000);
      } catch (java.util.concurrent.TimeoutException e) {
        throw new AssertionError("Spark's listener bus did not drain in 30 s", e);
      }
      String id = executor;
      return cluster.workerOfExecutor(id).orElseThrow(() -> new AssertionError("no worker runs executor " + id));
    }
  }
}
