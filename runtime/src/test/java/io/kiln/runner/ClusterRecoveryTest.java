package io.kiln.runner;

import io.kiln.record.JobRecord;
import io.kiln.record.JobStore;
import io.kiln.record.SecondaryStatus;
import io.kiln.record.TrainingJobStatus;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spec.SpecReader;
import io.kiln.storage.Uris;
import io.kiln.testing.CountingAlgorithm;
import io.kiln.testing.LocalCluster;
import io.kiln.testing.OutputWritingAlgorithm;
import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Recovery on a real standalone cluster: executors are separate JVMs launched by workers, and the
 * tests take them away by SIGKILL (an executor: its worker relaunches one), by killing a worker
 * (its capacity is gone) and by SIGPWR to a worker (Spark decommissions it). The session also
 * reaches the real S3 server, as a cluster's executors reach S3.
 *
 * <p>A kill lands inside the attempt it means to interrupt because that attempt cannot end without
 * it: its ranks hold at a round ({@code hold_at_round}) until their tasks are killed. Each test's
 * waits add up to less than the class's timeout, so a slow run fails with the job's log, not with
 * JUnit's bare timeout.
 */
@Tag("cluster")
@Tag("s3")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class ClusterRecoveryTest {
  static LocalCluster cluster;
  static SparkSession spark;
  static TrainingJobRunner runner;
  static Path dir;
  static String train;
  static final Set<String> executorsOfTasks = ConcurrentHashMap.newKeySet();

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(2);
    Map<String, String> conf = new LinkedHashMap<>(cluster.driverConf());
    conf.put("spark.kiln.capacity.fallback-after-seconds", "3");
    // smaller than the 600 MiB checkpoint of the large-checkpoint test: checkpoints must stream
    conf.put("spark.executor.memory", "512m");
    S3Server s3 = S3Server.get();
    s3.bucket(OUTPUT_BUCKET);
    spark = TestSpark.start(s3, conf);
    spark.sparkContext().addSparkListener(new SparkListener() {
      @Override
      public void onTaskStart(SparkListenerTaskStart start) {
        executorsOfTasks.add(start.taskInfo().executorId());
      }
    });
    runner = new TrainingJobRunner(spark, new JobStore(new KilnConf(spark.sparkContext().getConf()).jobRoot(),
        spark.sparkContext().hadoopConfiguration()),
        new Algorithms(List.of(new CountingAlgorithm(), new OutputWritingAlgorithm())));
    dir = TestSpark.tempDir("kiln-cluster-job-");
    train = SharedData.writeLocal(dir, "train.csv", SharedData.iris());
  }

  @AfterAll
  static void stop() {
    spark.stop();
    cluster.close();
    // the large-checkpoint test alone leaves 600 MiB here
    TestSpark.delete(dir);
  }

  static String spec(String name, String hyperparameters, String extra) {
    return """
        {"name": "%s", "algorithm": "counting", "hyperparameters": %s,
         "channels": [{"name": "train", "uri": "%s"}], "outputPath": "%s",
         "checkpoint": {"uri": "%s"} %s}
        """.formatted(name, hyperparameters, train, dir.resolve("out").toUri(),
        dir.resolve("checkpoints/" + name).toUri(), extra);
  }

  static CompletableFuture<JobResult> start(String spec) {
    var parsed = SpecReader.readTrainingJob(spec, "test");
    CompletableFuture<JobResult> f = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        f.complete(runner.run(parsed));
      } catch (Throwable e) {
        f.completeExceptionally(e);
      }
    }, "test-job-" + parsed.name());
    t.setDaemon(true);
    t.start();
    return f;
  }

  static JobRecord record(String name) {
    return runner.store().load(name).orElseThrow();
  }

  /** The job's result, or, after {@code seconds}, an error with its statuses and log. */
  static JobResult finish(CompletableFuture<JobResult> job, String name, int seconds) throws Exception {
    try {
      return job.get(seconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError(name + " did not end within " + seconds + " s; statuses " + statuses(name) + "; log:\n"
          + runner.store().readLog(name).orElse(""), e);
    }
  }

  static String model(JobResult r) {
    return new String(S3Files.untar(S3Files.read(spark.sparkContext().hadoopConfiguration(), r.modelArtifacts()))
        .get("model.txt"));
  }

  static int restoredRound(String name) {
    Matcher m = Pattern.compile("Resumed from the checkpoint after round (\\d+)")
        .matcher(runner.store().readLog(name).orElseThrow());
    assertThat(m.find()).as("the job log says where it resumed").isTrue();
    return Integer.parseInt(m.group(1));
  }

  static List<SecondaryStatus> statuses(String name) {
    return record(name).secondaryStatusTransitions().stream().map(JobRecord.StatusTransition::status).toList();
  }

  @Test
  @Order(1)
  void runsOnExecutorsOfARealCluster() throws Exception {
    JobResult r = runner.run(SpecReader.readTrainingJob("""
        {"name": "cluster-ok", "algorithm": "counting", "hyperparameters": {"rounds": "5"},
         "channels": [{"name": "train", "uri": "%s"}], "outputPath": "%s", "resources": {"workers": 2}}
        """.formatted(train, dir.resolve("out").toUri()), "test"));
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(cluster.executors(0)).hasSize(1);
    assertThat(cluster.executors(1)).hasSize(1);
    predictsOnExecutors(r);
  }

  /**
   * {@code kiln predict} of that job's model on the cluster's executors, which fetch and unpack the
   * model themselves (the driver's copy is in the driver's JVM only): three objects, a task each.
   */
  void predictsOnExecutors(JobResult trained) throws Exception {
    List<String> iris = SharedData.iris().stream().map(row -> row.substring(row.indexOf(',') + 1)).toList();
    Path in = dir.resolve("predict-in");
    java.nio.file.Files.createDirectories(in);
    StringBuilder[] expected = {new StringBuilder(), new StringBuilder(), new StringBuilder()};
    List<List<String>> parts = List.of(new java.util.ArrayList<>(), new java.util.ArrayList<>(),
        new java.util.ArrayList<>());
    for (int i = 0; i < iris.size(); i++) {
      parts.get(i % 3).add(iris.get(i));
      double sum = 0;
      StringBuilder doubled = new StringBuilder();
      for (String cell : iris.get(i).split(",")) {
        float v = Float.parseFloat(cell);
        sum += v;
        doubled.append(doubled.length() == 0 ? "" : ", ").append(io.kiln.predict.PythonText.repr(2.0 * v));
      }
      expected[i % 3].append(io.kiln.predict.PythonText.repr(sum)).append(",5,\"[").append(doubled).append("]\"\n");
    }
    for (int k = 0; k < 3; k++) {
      java.nio.file.Files.writeString(in.resolve("part-" + k + ".csv"), String.join("\n", parts.get(k)) + "\n");
    }
    executorsOfTasks.clear();
    java.io.StringWriter out = new java.io.StringWriter();
    int exit = io.kiln.cli.Kiln.execute(new String[] {"predict", trained.name(), "--input", in.toUri().toString(),
        "--output", dir.resolve("predict-out").toUri().toString(), "--job-root", runner.store().root()},
        new java.io.PrintWriter(out, true), new java.io.PrintWriter(out, true), S3Server.get().environment());
    assertThat(exit).as(out.toString()).isZero();
    assertThat(out.toString()).contains("predict: 3 object(s), " + iris.size() + " record(s)");
    for (int k = 0; k < 3; k++) {
      assertThat(java.nio.file.Files.readString(dir.resolve("predict-out/part-" + k + ".csv.out")))
          .isEqualTo(expected[k].toString());
    }
    assertThat(executorsOfTasks).isNotEmpty().doesNotContain("driver");
  }

  static final String OUTPUT_BUCKET = "kiln-cluster-out";

  @Test
  @Order(1)
  void aModelWrittenByRankZeroInAnExecutorJvmArrivesInModelTarGzOnS3() {
    String out = "s3://" + OUTPUT_BUCKET + "/jobs/";
    int size = 2_000_000;
    JobResult r = runner.run(SpecReader.readTrainingJob("""
        {"name": "cluster-outputs", "algorithm": "outputs", "hyperparameters": {"model_bytes": "%d"},
         "channels": [{"name": "train", "uri": "%s"}], "outputPath": "%s", "resources": {"workers": 2}}
        """.formatted(size, train, out), "test"));
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    var conf = spark.sparkContext().hadoopConfiguration();
    Map<String, byte[]> model = S3Files.untar(S3Files.read(conf, Uris.toHadoopUri(r.modelArtifacts(), conf)));
    assertThat(model).containsOnlyKeys("nested/where.txt", "rank.txt", "weights.bin");
    assertThat(model.get("weights.bin")).isEqualTo(OutputWritingAlgorithm.weights(0, size));
    String where = new String(model.get("nested/where.txt"));
    Matcher executor = Pattern.compile("executor=(\\S+)\npid=(\\d+)").matcher(where);
    assertThat(executor.find()).as(where).isTrue();
    assertThat(executor.group(1)).isNotEqualTo("driver");
    assertThat(Long.parseLong(executor.group(2))).as("rank 0 ran in another JVM")
        .isNotEqualTo(ProcessHandle.current().pid());
    assertThat(cluster.workerOfExecutor(executor.group(1))).isPresent();
    assertThat(S3Files.list(conf, Uris.toHadoopUri(out + "cluster-outputs/output", conf)))
        .containsExactly("model.tar.gz", "output.tar.gz");
    assertThat(S3Files.exists(conf, Uris.toHadoopUri(out + "cluster-outputs/output/.kiln-staging", conf))).isFalse();
  }

  @Test
  @Order(2)
  void killedExecutorIsRecordedAsAnInterruptionAndTrainingResumesFromTheNewestCheckpoint() throws Exception {
    // both ranks of the first attempt hold at round 40 (checkpoint 40 saved): worker 0's executor is busy
    CompletableFuture<JobResult> job = start(spec("cluster-kill-exec",
        "{\"rounds\": \"80\", \"sleep_ms\": \"60\", \"checkpoint_every\": \"10\", \"hold_at_round\": \"40\"}",
        ", \"resources\": {\"workers\": 2}"));
    awaitLog("cluster-kill-exec", "rank 0 holds at round 40", 120);
    assertThat(cluster.killExecutors(0)).as("executors killed on worker 0").isEqualTo(1);
    JobResult r = finish(job, "cluster-kill-exec", 240);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(statuses("cluster-kill-exec")).containsSubsequence(SecondaryStatus.Training,
        SecondaryStatus.Interrupted, SecondaryStatus.Starting, SecondaryStatus.Downloading, SecondaryStatus.Training,
        SecondaryStatus.Uploading, SecondaryStatus.Completed);
    int restored = restoredRound("cluster-kill-exec");
    assertThat(restored).isEqualTo(40);
    assertThat(model(r)).contains("rounds=80", "restored=" + restored);
    JobRecord rec = record("cluster-kill-exec");
    assertThat(rec.kiln().attempts()).isEqualTo(2);
    assertThat(rec.kiln().billing().get("Interruptions").asInt()).isEqualTo(1);
    assertThat(rec.kiln().billing().get("ExecutorSecondsLostToInterruptions").asLong()).isGreaterThanOrEqualTo(0);
    assertThat(rec.kiln().billing().get("ExecutorSecondsUsed").asLong()).isPositive();
  }

  @Test
  @Order(2)
  void aCheckpointLargerThanTheExecutorHeapIsSavedAndRestoredAfterAnExecutorKill() throws Exception {
    // both ranks of the first attempt hold at round 20, after rank 0 saved the 600 MiB checkpoint of
    // round 20: whichever rank worker 0 runs (rank 1 saves nothing and could otherwise be done), the
    // kill interrupts training
    CompletableFuture<JobResult> job = start(spec("cluster-big-ckpt",
        "{\"rounds\": \"30\", \"sleep_ms\": \"50\", \"checkpoint_every\": \"20\", \"checkpoint_mb\": \"600\","
            + " \"hold_at_round\": \"20\"}",
        ", \"resources\": {\"workers\": 2}"));
    awaitLog("cluster-big-ckpt", "rank 0 holds at round 20", 240);
    awaitLog("cluster-big-ckpt", "rank 1 holds at round 20", 60);
    assertThat(cluster.killExecutors(0)).as("executors killed on worker 0").isEqualTo(1);
    JobResult r = finish(job, "cluster-big-ckpt", 300);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(statuses("cluster-big-ckpt")).as(runner.store().readLog("cluster-big-ckpt").orElse(""))
        .contains(SecondaryStatus.Interrupted);
    // every byte of the 600 MiB file was checked when it was restored
    assertThat(restoredRound("cluster-big-ckpt")).isEqualTo(20);
    assertThat(model(r)).contains("rounds=30");
  }

  @Test
  @Order(3)
  void decommissionedWorkerTriggersAnEmergencyCheckpointThatTheNextAttemptRestores() throws Exception {
    int spare = cluster.addWorker(1);
    cluster.awaitWorkers(3);
    TrainingJobLifecycleTest.awaitSlots(spark, 3);
    // the listener bus is asynchronous: every earlier task's start is delivered before the set is cleared
    spark.sparkContext().listenerBus().waitUntilEmpty(30_000);
    executorsOfTasks.clear();
    // MaxRuntime only ends the job should the test fail before it stops it
    CompletableFuture<JobResult> job = start(spec("cluster-decom",
        "{\"rounds\": \"100000\", \"sleep_ms\": \"50\", \"checkpoint_every\": \"100000\"}",
        ", \"resources\": {\"workers\": 2}, \"stoppingCondition\": {\"maxRuntimeSeconds\": 300}"));
    TrainingJobLifecycleTest.awaitRounds(runner, "cluster-decom", 20);
    // the tasks started before their rounds were reported; the bus delivers their starts by now
    spark.sparkContext().listenerBus().waitUntilEmpty(30_000);
    int victim = executorsOfTasks.stream().map(cluster::workerOfExecutor).flatMap(Optional::stream).findFirst()
        .orElseThrow();
    cluster.decommissionWorker(victim);
    awaitLog("cluster-decom", "Emergency checkpoint saved after round", 60);
    // the reclaimed node goes away after its notice, as a spot instance does
    cluster.killWorker(victim);
    awaitLog("cluster-decom", "Resumed from the checkpoint after round", 120);
    runner.store().requestStop("cluster-decom", "test done");
    JobResult r = finish(job, "cluster-decom", 120);
    String log = runner.store().readLog("cluster-decom").orElseThrow();
    assertThat(log).contains("is being decommissioned: checkpointing at the next round");
    Matcher emergency = Pattern.compile("Emergency checkpoint saved after round (\\d+)").matcher(log);
    assertThat(emergency.find()).isTrue();
    int saved = Integer.parseInt(emergency.group(1));
    assertThat(saved).isGreaterThanOrEqualTo(20);
    assertThat(restoredRound("cluster-decom")).isEqualTo(saved);
    assertThat(statuses("cluster-decom")).contains(SecondaryStatus.Interrupted);
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Stopped);
    assertThat(spare).isEqualTo(2);
  }

  @Test
  @Order(4)
  void whenCapacityDoesNotComeBackASpotJobStopsAtMaxWaitKeepingTheCheckpointModel() throws Exception {
    int workers = ensureWorkers(2);
    CompletableFuture<JobResult> job = start(spec("cluster-maxwait",
        "{\"rounds\": \"100000\", \"sleep_ms\": \"50\", \"checkpoint_every\": \"10\"}",
        ", \"resources\": {\"workers\": " + workers + "}, \"managedSpot\": true,"
            + " \"stoppingCondition\": {\"maxRuntimeSeconds\": 40, \"maxWaitSeconds\": 45}"));
    TrainingJobLifecycleTest.awaitRounds(runner, "cluster-maxwait", 20);
    int victim = 0;
    while (!cluster.workerAlive(victim)) {
      victim++;
    }
    cluster.killWorker(victim);
    JobResult r = finish(job, "cluster-maxwait", 240);
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Stopped);
    assertThat(r.secondaryStatus()).isEqualTo(SecondaryStatus.MaxWaitTimeExceeded);
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(statuses("cluster-maxwait")).containsSubsequence(SecondaryStatus.Training, SecondaryStatus.Interrupted,
        SecondaryStatus.Stopping, SecondaryStatus.Uploading, SecondaryStatus.MaxWaitTimeExceeded);
    assertThat(model(r)).contains("from-checkpoint=true");
    JobRecord rec = record("cluster-maxwait");
    assertThat(rec.billableTimeInSeconds()).isLessThan(rec.trainingTimeInSeconds());
    assertThat(rec.kiln().billing().get("SecondsWaitingForCapacity").asLong()).isPositive();
  }

  @Test
  @Order(5)
  void whenCapacityDoesNotComeBackTheJobCanContinueOnFewerWorkers() throws Exception {
    int alive = ensureWorkers(2);
    // every rank of the first attempt holds at round 30: each alive worker runs one of them
    CompletableFuture<JobResult> job = start(spec("cluster-fewer",
        "{\"rounds\": \"60\", \"sleep_ms\": \"60\", \"checkpoint_every\": \"10\", \"hold_at_round\": \"30\"}",
        ", \"resources\": {\"workers\": " + alive + ", \"minWorkers\": 1}"));
    awaitLog("cluster-fewer", "rank 0 holds at round 30", 120);
    int victim = 0;
    while (!cluster.workerAlive(victim)) {
      victim++;
    }
    cluster.killWorker(victim);
    JobResult r = finish(job, "cluster-fewer", 240);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(model(r)).contains("rounds=60", "workers=" + (alive - 1));
    assertThat(runner.store().readLog("cluster-fewer").orElseThrow())
        .contains("continuing on " + (alive - 1) + " worker(s) instead of " + alive);
    assertThat(restoredRound("cluster-fewer")).isEqualTo(30);
  }

  @Test
  @Order(6)
  void aTaskStuckAfterItsPeerDiedHasItsExecutorEndedSoTheNextAttemptGetsItsSlot() throws Exception {
    assertThat(ensureWorkers(2)).as("exactly two slots: the next attempt needs the stuck task's").isEqualTo(2);
    // rank 1 is stuck at round 15 for good; rank 0 holds at round 16 until its executor is killed
    CompletableFuture<JobResult> job = start(spec("cluster-stuck",
        "{\"rounds\": \"40\", \"sleep_ms\": \"40\", \"checkpoint_every\": \"10\", \"stuck_at_round\": \"15\","
            + " \"hold_at_round\": \"16\"}",
        ", \"resources\": {\"workers\": 2}"));
    awaitLog("cluster-stuck", "rank 1 is stuck at round 15", 120);
    // nothing orders rank 0's lines before rank 1's: wait for the line the test reads, not for its neighbour
    awaitLog("cluster-stuck", "rank 0 holds at round 16", 60);
    String log = runner.store().readLog("cluster-stuck").orElseThrow();
    int rank0 = workerOf(log, 0);
    int stuck = workerOf(log, 1);
    assertThat(stuck).isNotEqualTo(rank0);
    List<ProcessHandle> stuckExecutor = cluster.executors(stuck);
    assertThat(stuckExecutor).hasSize(1);
    // rank 0's executor dies; rank 1's task ignores Spark's kill and holds the other slot until the
    // task reaper ends its executor (spark.task.reaper.killTimeout)
    assertThat(cluster.killExecutors(rank0)).as("executors killed on rank 0's worker").isEqualTo(1);
    JobResult r = finish(job, "cluster-stuck", 240);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(stuckExecutor.get(0).isAlive()).as("the stuck task's executor was ended").isFalse();
    assertThat(statuses("cluster-stuck")).containsSubsequence(SecondaryStatus.Training, SecondaryStatus.Interrupted,
        SecondaryStatus.Training, SecondaryStatus.Completed);
    assertThat(model(r)).contains("rounds=40");
  }

  static int workerOf(String log, int rank) {
    Matcher m = Pattern.compile("rank " + rank + " runs on executor (\\S+)").matcher(log);
    assertThat(m.find()).as("rank " + rank + " logged its executor").isTrue();
    return cluster.workerOfExecutor(m.group(1)).orElseThrow();
  }

  /** Starts workers until {@code n} are alive and the application has an executor on each. */
  static int ensureWorkers(int n) throws InterruptedException {
    int alive = (int) java.util.stream.IntStream.range(0, cluster.workerCount()).filter(cluster::workerAlive).count();
    while (alive < n) {
      cluster.addWorker(1);
      alive++;
    }
    TrainingJobLifecycleTest.awaitSlots(spark, alive);
    return alive;
  }

  static void awaitLog(String name, String text, int seconds) throws InterruptedException {
    long deadline = System.currentTimeMillis() + seconds * 1000L;
    while (System.currentTimeMillis() < deadline) {
      if (runner.store().readLog(name).map(l -> l.contains(text)).orElse(false)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(name + " never logged '" + text + "':\n" + runner.store().readLog(name).orElse(""));
  }
}
