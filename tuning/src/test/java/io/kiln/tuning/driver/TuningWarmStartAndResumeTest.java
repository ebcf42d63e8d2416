package io.kiln.tuning.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.runner.Algorithms;
import io.kiln.record.JobRecord;
import io.kiln.record.JobStore;
import io.kiln.runner.KilnConf;
import io.kiln.record.SecondaryStatus;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spi.KilnException;
import io.kiln.testing.CountingAlgorithm;
import io.kiln.testing.OrphanDriver;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import io.kiln.tuning.spec.TuningSpecReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Warm start from parent tuning jobs, and taking over a tuning job whose driver was killed. */
@Tag("spark")
class TuningWarmStartAndResumeTest {
  static SparkSession spark;
  static TuningJobRunner tuner;
  static Path dir;
  static String train;
  static String jobRoot;

  @BeforeAll
  static void start() {
    spark = TestSpark.start(null, Map.of("spark.master", "local[2]", "spark.kiln.heartbeat.lapse-seconds", "3"));
    jobRoot = new KilnConf(spark.sparkContext().getConf()).jobRoot();
    TrainingJobRunner trainer = new TrainingJobRunner(spark, new JobStore(jobRoot,
        spark.sparkContext().hadoopConfiguration()), new Algorithms(List.of(new CountingAlgorithm())));
    tuner = new TuningJobRunner(trainer, new Algorithms(List.of(new CountingAlgorithm())));
    dir = TestSpark.tempDir("kiln-tuning-warm-");
    train = SharedData.writeLocal(dir, "train.csv", SharedData.iris());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static String spec(String name, String strategy, double max, int jobs, String extra, String hyperparameters) {
    return """
        {"name": "%s", "strategy": "%s", "objective": {"type": "Minimize", "metric": "train:loss"},
         "parameterRanges": [{"name": "offset", "type": "Continuous", "min": 0, "max": %s}],
         "maxTrainingJobs": %d, "maxParallelTrainingJobs": 1, "randomSeed": 11 %s,
         "trainingJob": {"algorithm": "counting", "hyperparameters": %s,
           "channels": [{"name": "train", "uri": "%s"}], "outputPath": "%s", "resources": {"workers": 1},
           "checkpoint": {"uri": "%s"}}}
        """.formatted(name, strategy, max, jobs, extra, hyperparameters, train, dir.resolve("out").toUri(),
        dir.resolve("checkpoints").toUri());
  }

  static Map<String, String> firstTrial(String name) {
    return tuner.store().load(name).orElseThrow().kiln().trials().get(0).tunedHyperParameters();
  }

  @Test
  void warmStartPutsTheParentsObservationsIntoTheModelAndChangesTheFirstSuggestions() {
    tuner.run(TuningSpecReader.readTuningJob(spec("warm-parent", "Random", 1.0, 8, "", "{\"rounds\": \"2\"}"), "t"));
    tuner.run(TuningSpecReader.readTuningJob(spec("warm-cold", "Bayesian", 1.0, 2, "", "{\"rounds\": \"2\"}"), "t"));
    TuningResult warm = tuner.run(TuningSpecReader.readTuningJob(spec("warm-child", "Bayesian", 1.0, 2,
        ", \"warmStart\": {\"parents\": [\"warm-parent\"], \"type\": \"IdenticalDataAndAlgorithm\"}",
        "{\"rounds\": \"2\"}"), "t"));
    assertThat(warm.status()).isEqualTo(TuningJobStatus.Completed);
    assertThat(firstTrial("warm-child")).isNotEqualTo(firstTrial("warm-cold"));
    // with the parents' eight observations, the model proposes offsets near the best observed (small)
    double parentBest = tuner.store().load("warm-parent").orElseThrow().kiln().trials().stream()
        .mapToDouble(t -> Double.parseDouble(t.tunedHyperParameters().get("offset"))).min().orElseThrow();
    double first = Double.parseDouble(firstTrial("warm-child").get("offset"));
    assertThat(first).isLessThan(0.5).isLessThan(parentBest + 0.25);
    TuningRecord rec = tuner.store().load("warm-child").orElseThrow();
    assertThat(rec.warmStartConfig().path("WarmStartType").asText()).isEqualTo("IdenticalDataAndAlgorithm");
    assertThat(rec.overallBestTrainingJob()).isNotNull();
    assertThat(rec.overallBestTrainingJob().path("FinalHyperParameterTuningJobObjectiveMetric").path("Value")
        .asDouble()).isLessThanOrEqualTo(rec.bestTrainingJob()
            .path("FinalHyperParameterTuningJobObjectiveMetric").path("Value").asDouble());
  }

  @Test
  void transferLearningUsesParentsWithOtherRangesToo() {
    tuner.run(TuningSpecReader.readTuningJob(spec("tl-parent", "Random", 0.5, 6, "", "{\"rounds\": \"2\"}"), "t"));
    tuner.run(TuningSpecReader.readTuningJob(spec("tl-cold", "Bayesian", 2.0, 1, "", "{\"rounds\": \"2\"}"), "t"));
    TuningResult r = tuner.run(TuningSpecReader.readTuningJob(spec("tl-child", "Bayesian", 2.0, 1,
        ", \"warmStart\": {\"parents\": [\"tl-parent\"], \"type\": \"TransferLearning\"}", "{\"rounds\": \"2\"}"), "t"));
    assertThat(r.status()).isEqualTo(TuningJobStatus.Completed);
    assertThat(firstTrial("tl-child")).isNotEqualTo(firstTrial("tl-cold"));
    assertThat(tuner.store().readLog("tl-child").orElseThrow()).contains("Warm start: 6 observations");
  }

  @Test
  void aTuningJobWhoseDriverWasKilledIsTakenOverAndItsRunningTrialsContinue() throws Exception {
    Path specFile = dir.resolve("orphan-tune.json");
    // the second trial's first attempt holds at round 20 (checkpoint 20 saved) until its driver is
    // killed: it is in flight when the driver dies, whatever the machine's pace
    Files.writeString(specFile, spec("tune-orphan", "Random", 1.0, 4, "",
        "{\"rounds\": \"60\", \"sleep_ms\": \"25\", \"checkpoint_every\": \"10\", \"hold_at_round\": \"20\","
            + " \"hold_in_job\": \"tune-orphan-002-\"}"));
    Process driver = OrphanDriver.start("tune", specFile, jobRoot, dir.resolve("orphan-tune-driver.log"));
    String inFlight;
    try {
      long deadline = System.currentTimeMillis() + 120_000;
      while (true) {
        var rec = tuner.store().load("tune-orphan");
        if (rec.isPresent() && rec.get().kiln().trials().size() == 2 && !rec.get().kiln().trials().get(1).curve()
            .isEmpty()) {
          break;
        }
        if (System.currentTimeMillis() > deadline) {
          throw new AssertionError("the tuning driver did not get to its second trial: "
              + Files.readString(dir.resolve("orphan-tune-driver.log")));
        }
        Thread.sleep(100);
      }
      inFlight = tuner.store().load("tune-orphan").orElseThrow().kiln().trials().get(1).trainingJobName();
      assertThat(inFlight).startsWith("tune-orphan-002-");
      // the in-flight trial holds, with a checkpoint to continue from: the child writes its log each beat
      while (!tuner.trainer().store().readLog(inFlight).orElse("").contains("rank 0 holds at round 20")) {
        if (System.currentTimeMillis() > deadline) {
          throw new AssertionError("the in-flight trial did not reach round 20: "
              + tuner.trainer().store().readLog(inFlight).orElse(""));
        }
        Thread.sleep(100);
      }
      assertThatThrownBy(() -> tuner.resume("tune-orphan", TuningListener.NONE))
          .isInstanceOf(KilnException.class).hasMessageContaining("still has a live driver");
    } finally {
      driver.destroyForcibly();
      driver.waitFor(30, TimeUnit.SECONDS);
    }
    // the killed driver's heartbeat lapses (8 s) and readers then see the tuning job Failed
    long lapseDeadline = System.currentTimeMillis() + 60_000;
    while (tuner.store().load("tune-orphan").orElseThrow().asSeenAt(Instant.now()).status()
        != TuningJobStatus.Failed && System.currentTimeMillis() < lapseDeadline) {
      Thread.sleep(200);
    }
    assertThat(tuner.store().load("tune-orphan").orElseThrow().asSeenAt(Instant.now()).status())
        .isEqualTo(TuningJobStatus.Failed);
    TuningResult r = tuner.resume("tune-orphan", TuningListener.NONE);
    assertThat(r.status()).isEqualTo(TuningJobStatus.Completed);
    TuningRecord rec = tuner.store().load("tune-orphan").orElseThrow();
    assertThat(rec.kiln().trials()).hasSize(4).allMatch(t -> t.status().equals("Completed"));
    assertThat(rec.kiln().leaseEpoch()).isEqualTo(1);
    JobRecord continued = tuner.trainer().store().load(inFlight).orElseThrow();
    assertThat(continued.secondaryStatusTransitions()).extracting(JobRecord.StatusTransition::status)
        .contains(SecondaryStatus.Restarting);
    assertThat(tuner.trainer().store().readLog(inFlight).orElseThrow())
        .contains("Resumed from the checkpoint after round 20");
  }
}
