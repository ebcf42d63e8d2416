package io.kiln.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spec.SpecReader;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.KilnException;
import io.kiln.spi.Rendezvous;
import io.kiln.testing.CollectivesAlgorithm;
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
  void moreWorkersThanSlotsIsAClearError() {
    JobResult result = runner.run(SpecReader.readTrainingJob("""
        {"name": "life-slots", "algorithm": "counting", "hyperparameters": {"rounds": "1"},
         "channels": [{"name": "train", "uri": "%s"}], "outputPath": "%s", "resources": {"workers": 3}}
        """.formatted(trainUri, dir.resolve("out").toUri()), "test"));
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(result.failureReason()).contains("needs 3 workers running at once but the cluster has 2 task slot(s)",
        "--master local[3]");
  }

  /** A runner on the same session for the job facts workers see (its own list keeps the one above as it is). */
  static TrainingJobRunner factsRunner() {
    return new TrainingJobRunner(spark, runner.store(), new Algorithms(List.of(new CollectivesAlgorithm())));
  }

  static TrainingJobSpec factsSpec(String name, int workers, String hyperparameters) {
    return SpecReader.readTrainingJob("""
        {"name": "%s", "algorithm": "collectives", "hyperparameters": %s,
         "channels": [{"name": "train", "uri": "%s", "contentType": "text/csv"}],
         "outputPath": "%s", "resources": {"workers": %d},
         "environment": {"KILN_TEST_MODE": "facts", "SPACES": "a b  c"}}
        """.formatted(name, hyperparameters, trainUri, dir.resolve("out").toUri(), workers), "test");
  }

  @Test
  void workersSeeTheRendezvousAllReduceEnvironmentAndGpusThroughTheBarrier() {
    JobResult result = factsRunner().run(factsSpec("facts-2", 2, "{\"long_length\": \"200003\"}"));
    assertThat(result.status()).as(result.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    List<CollectivesAlgorithm.Result> workers = CollectivesAlgorithm.RESULTS.get("facts-2");
    assertThat(workers).extracting(CollectivesAlgorithm.Result::rank).containsExactly(0, 1);

    // the rendezvous: the same peers everywhere, each worker's own rank, a distinct port per worker
    Rendezvous first = workers.get(0).rendezvous();
    assertThat(first.peers()).extracting(Rendezvous.Peer::rank).containsExactly(0, 1);
    assertThat(first.peers()).extracting(Rendezvous.Peer::host).containsOnly("127.0.0.1");
    assertThat(first.peers()).extracting(Rendezvous.Peer::port).doesNotHaveDuplicates().allMatch(p -> p > 0);
    assertThat(first.master()).isEqualTo(first.peers().get(0));
    for (CollectivesAlgorithm.Result w : workers) {
      assertThat(w.rendezvous().rank()).isEqualTo(w.rank());
      assertThat(w.rendezvous().peers()).isEqualTo(first.peers());
    }

    // the all-reduce: Java float arithmetic on every worker, the same bits everywhere
    float[] a = CollectivesAlgorithm.inputs(0);
    float[] b = CollectivesAlgorithm.inputs(1);
    float[] longA = CollectivesAlgorithm.longInput(0, 200_003);
    float[] longB = CollectivesAlgorithm.longInput(1, 200_003);
    float[] longSum = new float[longA.length];
    for (int i = 0; i < longSum.length; i++) {
      longSum[i] = longA[i] + longB[i];
    }
    for (CollectivesAlgorithm.Result w : workers) {
      assertThat(w.sum()).containsExactly(a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]);
      assertThat(w.sum()[2]).isEqualTo(Float.POSITIVE_INFINITY);
      assertThat(w.min()).containsExactly(1f, -2f, 0.5f, 0f);
      assertThat(w.max()).containsExactly(2f, -1f, Float.POSITIVE_INFINITY, 1f);
      assertThat(java.util.Arrays.equals(w.longSum(), longSum)).as("the 200k-float sum on rank %d", w.rank()).isTrue();
    }

    // the environment is the spec's; local mode assigns no GPUs
    assertThat(workers).allSatisfy(w -> {
      assertThat(w.environment()).isEqualTo(Map.of("KILN_TEST_MODE", "facts", "SPACES", "a b  c"));
      assertThat(w.gpus()).isEmpty();
    });
  }

  @Test
  void oneWorkerGetsItsOwnRendezvousAndItsOwnValuesBack() {
    JobResult result = factsRunner().run(factsSpec("facts-1", 1, "{\"long_length\": \"10\"}"));
    assertThat(result.status()).as(result.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    CollectivesAlgorithm.Result w = CollectivesAlgorithm.RESULTS.get("facts-1").get(0);
    assertThat(w.rendezvous().rank()).isZero();
    assertThat(w.rendezvous().peers()).singleElement().satisfies(p -> {
      assertThat(p.rank()).isZero();
      assertThat(p.port()).isPositive();
    });
    assertThat(w.sum()).containsExactly(CollectivesAlgorithm.inputs(0));
    assertThat(w.longSum()).containsExactly(CollectivesAlgorithm.longInput(0, 10));
  }

  @Test
  void allReduceOfArraysOfDifferentLengthsFailsTheJobAsAUserError() {
    JobResult result = factsRunner().run(factsSpec("facts-mismatch", 2, "{\"mismatch\": \"true\"}"));
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.failureReason()).isEqualTo("ClientError: Workers passed arrays of different lengths to allReduce:"
        + " worker 0 passed 4 floats, worker 1 passed 5. Every worker must pass an array of the same length");
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
