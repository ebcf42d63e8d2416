package io.kiln.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spec.SpecReader;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.KilnException;
import io.kiln.testing.CountingAlgorithm;
import io.kiln.testing.S3Files;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** A job's life from the driver's side: statuses, heartbeat, stop requests, limits, names. */
@Tag("spark")
class TrainingJobLifecycleTest {
  static SparkSession spark;
  static TrainingJobRunner runner;
  static Path dir;
  static String trainUri;

  @BeforeAll
  static void start() {
    spark = TestSpark.start(null, Map.of());
    runner = new TrainingJobRunner(spark, new JobStore(new KilnConf(spark.sparkContext().getConf()).jobRoot(),
        spark.sparkContext().hadoopConfiguration()), new Algorithms(List.of(new CountingAlgorithm())));
    dir = TestSpark.tempDir("kiln-lifecycle-");
    trainUri = SharedData.writeLocal(dir, "data/train.csv", SharedData.iris());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static TrainingJobSpec spec(String name, String hyperparameters, String extra) {
    return SpecReader.readTrainingJob("""
        {"name": "%s", "algorithm": "counting", "hyperparameters": %s,
         "channels": [{"name": "train", "uri": "%s", "contentType": "text/csv"}],
         "outputPath": "%s", "resources": {"workers": 2} %s}
        """.formatted(name, hyperparameters, trainUri, dir.resolve("out").toUri(), extra), "test");
  }

  @Test
  void completedJobRecordsEveryTransitionInOrder() {
    JobResult result = runner.run(spec("life-ok", "{\"rounds\": \"5\"}", ""));
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(result.exitCode()).isZero();
    JobRecord r = runner.store().load("life-ok").orElseThrow();
    assertThat(r.trainingJobStatus()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(r.secondaryStatusTransitions()).extracting(JobRecord.StatusTransition::status).containsExactly(
        SecondaryStatus.Starting, SecondaryStatus.Downloading, SecondaryStatus.Training, SecondaryStatus.Uploading,
        SecondaryStatus.Completed);
    List<JobRecord.StatusTransition> ts = r.secondaryStatusTransitions();
    for (int i = 0; i + 1 < ts.size(); i++) {
      assertThat(ts.get(i).endTime()).isEqualTo(ts.get(i + 1).startTime());
    }
    assertThat(r.trainingStartTime()).isEqualTo(ts.get(1).startTime());
    assertThat(r.trainingEndTime()).isAfterOrEqualTo(ts.get(4).startTime());
    assertThat(r.trainingTimeInSeconds()).isPositive();
    assertThat(r.billableTimeInSeconds()).isEqualTo(r.trainingTimeInSeconds());
    assertThat(r.kiln().metricHistory()).extracting(JobRecord.RoundMetrics::round).containsExactly(0, 1, 2, 3, 4);
    assertThat(r.kiln().metricHistory().get(4).metrics()).containsEntry("train:loss", 0.2);
    assertThat(r.finalMetricDataList()).extracting(JobRecord.MetricData::metricName).containsExactly("train:loss");
    assertThat(r.modelArtifacts().s3ModelArtifacts()).endsWith("/out/life-ok/output/model.tar.gz");
    byte[] tar = S3Files.read(spark.sparkContext().hadoopConfiguration(), r.modelArtifacts().s3ModelArtifacts());
    assertThat(new String(S3Files.untar(tar).get("model.txt"))).contains("rounds=5", "rows=150");
    assertThat(runner.store().readLog("life-ok").orElseThrow())
        .contains("[Training]", "[4]\ttrain-loss:0.2", "[Completed] Training job completed");
  }

  @Test
  void secondJobWithTheSameNameIsRefused() {
    runner.run(spec("life-dup", "{\"rounds\": \"1\"}", ""));
    assertThatThrownBy(() -> runner.run(spec("life-dup", "{\"rounds\": \"1\"}", "")))
        .isInstanceOf(KilnException.class)
        .hasMessageContaining("ResourceInUse")
        .hasMessageContaining("'life-dup' already exists");
    assertThat(runner.store().load("life-dup").orElseThrow().trainingJobStatus()).isEqualTo(TrainingJobStatus.Completed);
  }

  @Test
  void stopRequestStopsAtARoundBoundaryAndKeepsTheModel() throws Exception {
    CompletableFuture<JobResult> running = CompletableFuture.supplyAsync(
        () -> runner.run(spec("life-stop", "{\"rounds\": \"100000\", \"sleep_ms\": \"10\"}", "")));
    awaitRounds("life-stop", 5);
    runner.store().requestStop("life-stop", "test");
    JobResult result = running.get(60, TimeUnit.SECONDS);
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Stopped);
    assertThat(result.secondaryStatus()).isEqualTo(SecondaryStatus.Stopped);
    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.modelArtifacts()).isNotNull();
    JobRecord r = runner.store().load("life-stop").orElseThrow();
    assertThat(r.secondaryStatusTransitions()).extracting(JobRecord.StatusTransition::status)
        .containsSubsequence(SecondaryStatus.Training, SecondaryStatus.Stopping, SecondaryStatus.Uploading,
            SecondaryStatus.Stopped);
    int rounds = r.kiln().roundsCompleted();
    assertThat(rounds).isBetween(5, 99_999);
    byte[] tar = S3Files.read(spark.sparkContext().hadoopConfiguration(), result.modelArtifacts());
    assertThat(new String(S3Files.untar(tar).get("model.txt"))).contains("rounds=" + rounds);
  }

  @Test
  void maxRuntimeStopsTheJobWithMaxRuntimeExceeded() {
    JobResult result = runner.run(spec("life-maxrt", "{\"rounds\": \"100000\", \"sleep_ms\": \"10\"}",
        ", \"stoppingCondition\": {\"maxRuntimeSeconds\": 2}"));
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Stopped);
    assertThat(result.secondaryStatus()).isEqualTo(SecondaryStatus.MaxRuntimeExceeded);
    assertThat(result.failureReason()).contains("MaxRuntimeInSeconds (2 s)");
    assertThat(result.exitCode()).isEqualTo(3);
    JobRecord r = runner.store().load("life-maxrt").orElseThrow();
    assertThat(r.trainingTimeInSeconds()).isBetween(2L, 30L);
  }

  @Test
  void heartbeatAdvancesWhileTheJobRuns() throws Exception {
    CompletableFuture<JobResult> running = CompletableFuture.supplyAsync(
        () -> runner.run(spec("life-beat", "{\"rounds\": \"100000\", \"sleep_ms\": \"10\"}", "")));
    awaitRounds("life-beat", 1);
    Instant first = runner.store().load("life-beat").orElseThrow().kiln().heartbeatTime();
    Thread.sleep(2500);
    JobRecord later = runner.store().load("life-beat").orElseThrow();
    assertThat(later.trainingJobStatus()).isEqualTo(TrainingJobStatus.InProgress);
    assertThat(later.kiln().heartbeatTime()).isAfter(first);
    assertThat(later.asSeenAt(Instant.now()).kiln().driverState()).isEqualTo("Alive");
    runner.store().requestStop("life-beat", "test");
    assertThat(running.get(60, TimeUnit.SECONDS).status()).isEqualTo(TrainingJobStatus.Stopped);
  }

  @Test
  void aJobWhoseDriverStoppedBeatingIsShownAsLostNotInProgress() {
    JobRecord r = runner.store().load("life-ok").orElseGet(() -> {
      runner.run(spec("life-ok2", "{\"rounds\": \"1\"}", ""));
      return runner.store().load("life-ok2").orElseThrow();
    });
    JobRecord abandoned = r.toBuilder().trainingJobName("life-lost")
        .trainingJobStatus(TrainingJobStatus.InProgress).secondaryStatus(SecondaryStatus.Training)
        .kiln(r.kilnBuilder().heartbeatTime(Instant.now().minus(Duration.ofMinutes(5))).build()).build();
    runner.store().save(abandoned);
    JobRecord seen = runner.store().load("life-lost").orElseThrow().asSeenAt(Instant.now());
    assertThat(seen.trainingJobStatus()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(seen.failureReason()).startsWith("Driver lost: no heartbeat").contains("kiln train --resume life-lost");
    assertThat(seen.kiln().driverState()).isEqualTo("Lost");
    // nothing was written: the record itself still says InProgress
    assertThat(runner.store().load("life-lost").orElseThrow().trainingJobStatus()).isEqualTo(TrainingJobStatus.InProgress);
  }

  @Test
  void unknownAlgorithmFailsTheJobListingTheAvailableOnes() {
    JobResult result = runner.run(SpecReader.readTrainingJob("""
        {"name": "life-unknown", "algorithm": "countin", "hyperparameters": {},
         "channels": [{"name": "train", "uri": "%s"}], "outputPath": "%s"}
        """.formatted(trainUri, dir.resolve("out").toUri()), "test"));
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.failureReason()).isEqualTo("ClientError: Unknown algorithm 'countin'; did you mean 'counting'?"
        + " Available built-in algorithms: counting");
    assertThat(runner.store().load("life-unknown").orElseThrow().failureReason()).isEqualTo(result.failureReason());
  }

  @Test
  void workerErrorFailsTheJobWithItsMessageAndNoModel() {
    JobResult result = runner.run(spec("life-fail", "{\"rounds\": \"10\", \"fail_at_round\": \"3\"}", ""));
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.failureReason()).isEqualTo("ClientError: counting failed at round 3 as asked");
    assertThat(S3Files.exists(spark.sparkContext().hadoopConfiguration(),
        dir.resolve("out/life-fail/output/model.tar.gz").toUri().toString())).isFalse();
  }

  @Test
  void anErrorOnTheDriverIsRecordedAsTheJobsFailure() {
    // as a NoSuchMethodError from a library the cluster puts before Kiln's own: the job must not stay
    // InProgress (and later show as "Driver lost")
    TrainingJobRunner clashing = new TrainingJobRunner(spark, runner.store(),
        new Algorithms(List.of(new ClashingAlgorithm())));
    JobResult result = clashing.run(SpecReader.readTrainingJob("""
        {"name": "life-linkage", "algorithm": "clashing", "hyperparameters": {"rounds": "1"},
         "channels": [{"name": "train", "uri": "%s"}], "outputPath": "%s"}
        """.formatted(trainUri, dir.resolve("out").toUri()), "test"));
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.failureReason()).startsWith("InternalServerError: Internal error: java.lang.NoSuchMethodError: "
        + "'void org.apache.commons.compress.").contains("not the version Kiln was built against");
    JobRecord record = runner.store().load("life-linkage").orElseThrow();
    assertThat(record.trainingJobStatus()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(record.failureReason()).isEqualTo(result.failureReason());
    assertThat(record.trainingEndTime()).isNotNull();
  }

  /** The counting algorithm under another name, whose driver side fails as a library clash does. */
  static final class ClashingAlgorithm implements io.kiln.spi.Algorithm<CountingAlgorithm.Params> {
    private final CountingAlgorithm counting = new CountingAlgorithm();

    @Override
    public String name() {
      return "clashing";
    }

    @Override
    public java.util.Set<String> imageRepositories() {
      return java.util.Set.of("kiln-clashing");
    }

    @Override
    public List<io.kiln.spi.ChannelRequirement> channels() {
      return counting.channels();
    }

    @Override
    public List<io.kiln.spi.MetricDescriptor> metrics(Map<String, String> hyperparameters) {
      return counting.metrics(hyperparameters);
    }

    @Override
    public CountingAlgorithm.Params hyperparameters(Map<String, String> raw) {
      return counting.hyperparameters(raw);
    }

    @Override
    public io.kiln.spi.TrainingOutcome train(io.kiln.spi.TrainingContext context, CountingAlgorithm.Params h) {
      throw new NoSuchMethodError("'void org.apache.commons.compress.archivers.tar.TarArchiveOutputStream"
          + ".putArchiveEntry(org.apache.commons.compress.archivers.tar.TarArchiveEntry)'");
    }
  }

  @Test
  void moreWorkersThanSlotsIsAClearError() {
    JobResult result = runner.run(SpecReader.readTrainingJob("""
        {"name": "life-slots", "algorithm": "counting", "hyperparameters": {"rounds": "1"},
         "channels": [{"name": "train", "uri": "%s"}], "outputPath": "%s", "resources": {"workers": 3}}
        """.formatted(trainUri, dir.resolve("out").toUri()), "test"));
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(result.failureReason()).contains("needs 3 workers running at once but the cluster has 2 task slot(s)",
        "--master local[3]");
  }

  static void awaitRounds(String name, int rounds) throws InterruptedException {
    awaitRounds(runner, name, rounds);
  }

  /** Waits until a running job has reported {@code rounds} rounds (as its saved record shows). */
  static void awaitRounds(TrainingJobRunner runner, String name, int rounds) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      var r = runner.store().load(name);
      if (r.isPresent() && r.get().kiln().roundsCompleted() != null && r.get().kiln().roundsCompleted() >= rounds) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(name + " did not reach " + rounds + " rounds: " + runner.store().readLog(name).orElse(""));
  }

  /** Waits until the cluster offers {@code slots} task slots. */
  static void awaitSlots(SparkSession spark, int slots) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (Preflight.slots(spark.sparkContext()) < slots) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("the cluster never offered " + slots + " task slots");
      }
      Thread.sleep(200);
    }
  }
}
