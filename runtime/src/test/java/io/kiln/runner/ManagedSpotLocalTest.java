package io.kiln.runner;

import io.kiln.record.JobRecord;
import io.kiln.record.JobStore;
import io.kiln.record.SecondaryStatus;
import io.kiln.record.TrainingJobStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.checkpoint.HadoopCheckpointStore;
import io.kiln.barrier.HadoopConf;
import io.kiln.spec.SpecReader;
import io.kiln.spi.KilnException;
import io.kiln.testing.CountingAlgorithm;
import io.kiln.testing.S3Files;
import io.kiln.testing.OrphanDriver;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Retries, final checkpoints, spot billing and taking over a job whose driver died, on local Spark. */
@Tag("spark")
class ManagedSpotLocalTest {
  static SparkSession spark;
  static TrainingJobRunner runner;
  static Path dir;
  static String train;
  static String jobRoot;

  @BeforeAll
  static void start() {
    spark = TestSpark.start(null, Map.of("spark.kiln.heartbeat.lapse-seconds", "3"));
    jobRoot = new KilnConf(spark.sparkContext().getConf()).jobRoot();
    runner = new TrainingJobRunner(spark, new JobStore(jobRoot, spark.sparkContext().hadoopConfiguration()),
        new Algorithms(List.of(new CountingAlgorithm())));
    dir = TestSpark.tempDir("kiln-spot-local-");
    train = SharedData.writeLocal(dir, "train.csv", SharedData.iris());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static String spec(String name, String hyperparameters, String extra) {
    return """
        {"name": "%s", "algorithm": "counting", "hyperparameters": %s,
         "channels": [{"name": "train", "uri": "%s"}], "outputPath": "%s", "resources": {"workers": 2},
         "checkpoint": {"uri": "%s"} %s}
        """.formatted(name, hyperparameters, train, dir.resolve("out").toUri(),
        dir.resolve("checkpoints/" + name).toUri(), extra);
  }

  static JobResult run(String spec) {
    return runner.run(SpecReader.readTrainingJob(spec, "test"));
  }

  @Test
  void retryStrategyRetriesAnAlgorithmErrorAndResumesFromTheCheckpoint() {
    JobResult r = run(spec("spot-retry", "{\"rounds\": \"30\", \"fail_once_at_round\": \"12\", \"checkpoint_every\": \"5\"}",
        ", \"retry\": {\"maximumAttempts\": 1}"));
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    JobRecord rec = runner.store().load("spot-retry").orElseThrow();
    assertThat(rec.secondaryStatusTransitions()).extracting(JobRecord.StatusTransition::status)
        .containsSubsequence(SecondaryStatus.Training, SecondaryStatus.Restarting, SecondaryStatus.Downloading,
            SecondaryStatus.Training, SecondaryStatus.Completed);
    assertThat(rec.secondaryStatusTransitions().stream().filter(t -> t.status() == SecondaryStatus.Restarting)
        .findFirst().orElseThrow().statusMessage()).contains("Retrying (1 of 1) after: AlgorithmError: counting failed once at round 12");
    assertThat(runner.store().readLog("spot-retry").orElseThrow()).contains("Resumed from the checkpoint after round 10");
  }

  @Test
  void withoutRetriesAnAlgorithmErrorFailsTheJob() {
    JobResult r = run(spec("spot-noretry", "{\"rounds\": \"30\", \"fail_once_at_round\": \"12\"}", ""));
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).isEqualTo("AlgorithmError: counting failed once at round 12");
  }

  @Test
  void aStopRequestEndsWithAFinalCheckpointOfTheStoppedRound() throws Exception {
    CompletableFuture<JobResult> job = CompletableFuture.supplyAsync(() -> run(spec("spot-stop",
        "{\"rounds\": \"100000\", \"sleep_ms\": \"10\", \"checkpoint_every\": \"100000\"}", "")));
    TrainingJobLifecycleTest.awaitRounds(runner, "spot-stop", 5);
    runner.store().requestStop("spot-stop", "test");
    JobResult r = job.get(60, TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Stopped);
    int rounds = runner.store().load("spot-stop").orElseThrow().kiln().roundsCompleted();
    HadoopCheckpointStore checkpoints = new HadoopCheckpointStore(dir.resolve("checkpoints/spot-stop").toUri().toString(),
        3, new HadoopConf(spark.sparkContext().hadoopConfiguration()));
    assertThat(checkpoints.latest().orElseThrow().round()).isEqualTo(rounds);
  }

  @Test
  void spotBillingReflectsTheSpotPriceAndSavings() {
    JobResult r = run(spec("spot-bill", "{\"rounds\": \"40\", \"sleep_ms\": \"60\"}",
        ", \"managedSpot\": true, \"stoppingCondition\": {\"maxRuntimeSeconds\": 600, \"maxWaitSeconds\": 900}"));
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    JobRecord rec = runner.store().load("spot-bill").orElseThrow();
    long training = rec.trainingTimeInSeconds();
    assertThat(training).isGreaterThanOrEqualTo(2);
    assertThat(rec.billableTimeInSeconds()).isEqualTo((long) Math.ceil(training * 0.3));
    assertThat(rec.kiln().billing().get("SpotPricePerInstanceHour").asDouble()).isEqualTo(0.3);
    assertThat(rec.kiln().billing().get("SavingsPercent").asDouble())
        .isEqualTo(Math.round(1000.0 * (1 - (double) rec.billableTimeInSeconds() / training)) / 10.0);
    assertThat(rec.kiln().billing().get("Interruptions").asInt()).isZero();
  }

  @Test
  void aJobWhoseDriverDiedIsTakenOverByExactlyOneResumingDriver() throws Exception {
    Path specFile = dir.resolve("orphan.json");
    // the first driver's attempt holds at round 70 (checkpoint 70 saved) until that driver is killed
    Files.writeString(specFile, spec("spot-orphan",
        "{\"rounds\": \"150\", \"sleep_ms\": \"30\", \"checkpoint_every\": \"10\", \"hold_at_round\": \"70\"}",
        ""));
    Process driver = OrphanDriver.start("train", specFile, jobRoot, dir.resolve("orphan-driver.log"));
    try {
      long deadline = System.currentTimeMillis() + 120_000;
      while (!runner.store().readLog("spot-orphan").orElse("").contains("rank 0 holds at round 70")) {
        assertThat(System.currentTimeMillis()).as("the first driver's job reached round 70: "
            + runner.store().readLog("spot-orphan").orElse("")).isLessThan(deadline);
        Thread.sleep(100);
      }
      assertThatThrownBy(() -> runner.resume("spot-orphan", JobListener.NONE))
          .isInstanceOf(KilnException.class).hasMessageContaining("still has a live driver");
    } finally {
      driver.destroyForcibly();
      driver.waitFor(30, TimeUnit.SECONDS);
    }
    // the killed driver's heartbeat lapses (8 s: a loaded machine may delay a live driver's beats)
    long lapseDeadline = System.currentTimeMillis() + 60_000;
    while (!"Lost".equals(runner.store().load("spot-orphan").orElseThrow().asSeenAt(Instant.now()).kiln().driverState())
        && System.currentTimeMillis() < lapseDeadline) {
      Thread.sleep(200);
    }
    assertThat(runner.store().load("spot-orphan").orElseThrow().asSeenAt(Instant.now()).kiln().driverState())
        .isEqualTo("Lost");
    CompletableFuture<Object> first = CompletableFuture.supplyAsync(() -> attempt("spot-orphan"));
    CompletableFuture<Object> second = CompletableFuture.supplyAsync(() -> attempt("spot-orphan"));
    List<Object> outcomes = List.of(first.get(120, TimeUnit.SECONDS), second.get(120, TimeUnit.SECONDS));
    assertThat(outcomes).filteredOn(o -> o instanceof JobResult).hasSize(1);
    // the loser either lost the lease or, arriving later, found the winner's fresh heartbeat
    assertThat(outcomes).filteredOn(o -> o instanceof KilnException).hasSize(1)
        .first().extracting(o -> ((KilnException) o).getMessage()).asString()
        .containsAnyOf("was taken over by another driver", "still has a live driver");
    JobResult result = (JobResult) outcomes.stream().filter(o -> o instanceof JobResult).findFirst().orElseThrow();
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Completed);
    JobRecord rec = runner.store().load("spot-orphan").orElseThrow();
    assertThat(rec.kiln().leaseEpoch()).isEqualTo(1);
    assertThat(rec.kiln().driverPid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(rec.secondaryStatusTransitions()).extracting(JobRecord.StatusTransition::status)
        .containsSubsequence(SecondaryStatus.Training, SecondaryStatus.Restarting, SecondaryStatus.Downloading,
            SecondaryStatus.Training, SecondaryStatus.Completed);
    Matcher m = Pattern.compile("Resumed from the checkpoint after round (\\d+)")
        .matcher(runner.store().readLog("spot-orphan").orElseThrow());
    assertThat(m.find()).isTrue();
    assertThat(Integer.parseInt(m.group(1))).isEqualTo(70);
    String model = new String(S3Files.untar(S3Files.read(spark.sparkContext().hadoopConfiguration(),
        result.modelArtifacts())).get("model.txt"));
    assertThat(model).contains("rounds=150");
  }

  static Object attempt(String name) {
    try {
      return runner.resume(name, JobListener.NONE);
    } catch (KilnException e) {
      return e;
    }
  }
}
