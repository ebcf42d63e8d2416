package io.kiln.tuning.driver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.cli.Kiln;
import io.kiln.runner.Algorithms;
import io.kiln.record.JobRecord;
import io.kiln.record.JobStore;
import io.kiln.runner.KilnConf;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.record.TrainingJobStatus;
import io.kiln.testing.CountingAlgorithm;
import io.kiln.testing.ServiceModelCheck;
import io.kiln.testing.ServiceModelCheck.Doc;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import io.kiln.tuning.spec.TuningJobSpec;
import io.kiln.tuning.spec.TuningSpecReader;
import io.kiln.tuning.strategy.SearchStrategy;
import io.kiln.tuning.strategy.Suggestion;
import io.kiln.tuning.strategy.TrialState;
import io.kiln.tuning.strategy.TrialView;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Tuning jobs end to end on local Spark with three task slots, trials trained by the counting
 * algorithm, whose loss after the last round is 1 / rounds + offset: the objective is known.
 */
@Tag("spark")
class TuningJobRunnerTest {
  static SparkSession spark;
  static TuningJobRunner tuner;
  static Path dir;
  static String train;

  @BeforeAll
  static void start() {
    spark = TestSpark.start(null, Map.of("spark.master", "local[3]"));
    TrainingJobRunner trainer = new TrainingJobRunner(spark, new JobStore(
        new KilnConf(spark.sparkContext().getConf()).jobRoot(), spark.sparkContext().hadoopConfiguration()),
        new Algorithms(List.of(new CountingAlgorithm())));
    tuner = new TuningJobRunner(trainer, new Algorithms(List.of(new CountingAlgorithm())));
    dir = TestSpark.tempDir("kiln-tuning-");
    train = SharedData.writeLocal(dir, "train.csv", SharedData.iris());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static TuningJobSpec spec(String name, String strategy, String ranges, String extra, String hyperparameters,
      int workers) {
    return TuningSpecReader.readTuningJob("""
        {"name": "%s", "strategy": "%s",
         "objective": {"type": "Minimize", "metric": "train:loss"},
         "parameterRanges": %s %s,
         "trainingJob": {"algorithm": "counting", "hyperparameters": %s,
           "channels": [{"name": "train", "uri": "%s"}], "outputPath": "%s",
           "resources": {"workers": %d}}}
        """.formatted(name, strategy, ranges, extra, hyperparameters, train, dir.resolve("out").toUri(), workers),
        "test");
  }

  static final String OFFSET = "[{\"name\": \"offset\", \"type\": \"Continuous\", \"min\": 0, \"max\": 1}]";

  @Test
  void randomSearchRunsEveryTrialAndPicksTheBest() {
    TuningResult r = tuner.run(spec("tune-random", "Random", OFFSET,
        ", \"maxTrainingJobs\": 6, \"maxParallelTrainingJobs\": 3, \"randomSeed\": 4", "{\"rounds\": \"5\"}", 1));
    assertThat(r.status()).isEqualTo(TuningJobStatus.Completed);
    assertThat(r.exitCode()).isZero();
    TuningRecord rec = tuner.store().load("tune-random").orElseThrow();
    assertThat(rec.kiln().trials()).hasSize(6);
    assertThat(rec.trainingJobStatusCounters()).containsEntry("Completed", 6).containsEntry("InProgress", 0);
    assertThat(rec.objectiveStatusCounters()).containsEntry("Succeeded", 6);
    TrialRecord best = rec.kiln().trials().stream()
        .min((a, b) -> Double.compare(a.objective(), b.objective())).orElseThrow();
    assertThat(r.bestTrainingJob()).isEqualTo(best.trainingJobName());
    double offset = Double.parseDouble(best.tunedHyperParameters().get("offset"));
    assertThat(r.bestObjective()).isCloseTo(0.2 + offset, org.assertj.core.api.Assertions.within(1e-9));
    assertThat(rec.bestTrainingJob().path("FinalHyperParameterTuningJobObjectiveMetric").path("MetricName").asText())
        .isEqualTo("train:loss");
    // every trial is a Kiln training job of its own, named as SageMaker names trials
    for (TrialRecord t : rec.kiln().trials()) {
      assertThat(t.trainingJobName()).matches("tune-random-\\d{3}-[0-9a-f]{8}");
      JobRecord job = tuner.trainer().store().load(t.trainingJobName()).orElseThrow();
      assertThat(job.kiln().tuningJobName()).isEqualTo("tune-random");
      assertThat(job.hyperParameters()).containsEntry("_tuning_objective_metric", "train:loss")
          .containsEntry("rounds", "5");
    }
    // as SageMaker's clients read it
    JsonNode d = kiln("describe-tuning", "tune-random", "--json").json();
    assertThat(d.get("HyperParameterTuningJobArn").asText())
        .isEqualTo("arn:aws:sagemaker:us-east-1:000000000000:hyper-parameter-tuning-job/tune-random");
    assertThat(d.at("/BestTrainingJob/TrainingJobArn").asText())
        .isEqualTo("arn:aws:sagemaker:us-east-1:000000000000:training-job/" + r.bestTrainingJob());
    assertThat(d.at("/TrainingJobDefinition/StaticHyperParameters/_tuning_objective_metric").asText())
        .isEqualTo("train:loss");
    assertThat(d.at("/Kiln/Trials")).hasSize(6);
    JsonNode trial = kiln("describe", r.bestTrainingJob(), "--json").json();
    assertThat(trial.get("TuningJobArn").asText()).isEqualTo(d.get("HyperParameterTuningJobArn").asText());
    JsonNode trials = kiln("list-trials", "tune-random", "--json").json();
    assertThat(trials.get("TrainingJobSummaries").findValuesAsText("TrainingJobArn")).hasSize(6)
        .allMatch(a -> a.startsWith("arn:aws:sagemaker:us-east-1:000000000000:training-job/tune-random-"));
    ServiceModelCheck.assertValid(List.of(
        new Doc("tuning Completed", "DescribeHyperParameterTuningJob", d, "HyperparameterTuner"),
        new Doc("trial", "DescribeTrainingJob", trial, "Estimator"),
        new Doc("trials", "ListTrainingJobsForHyperParameterTuningJob", trials, null)));
  }

  record Cli(int exit, String out, String err) {
    JsonNode json() {
      try {
        return new ObjectMapper().readTree(out);
      } catch (java.io.IOException e) {
        throw new AssertionError("not JSON (exit " + exit + ", stderr " + err + "): " + out, e);
      }
    }
  }

  /** Runs {@code kiln} as a script would, on the tuner's job root. */
  static Cli kiln(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--job-root", tuner.store().root()));
    int exit = Kiln.execute(all.toArray(String[]::new), new java.io.PrintWriter(out, true),
        new java.io.PrintWriter(err, true), Map.of());
    return new Cli(exit, out.toString(), err.toString());
  }

  @Test
  void aTrialWhoseObjectiveIsNanIsNeverTheBest() {
    // issue 9: auc of a channel with one class only is NaN; it flows through the trial's records and is no
    // objective for the tuner (loss NaN + 1 / rounds is NaN in every round of the offset NaN trial)
    TuningResult r = tuner.run(spec("tune-nan", "Grid",
        "[{\"name\": \"offset\", \"type\": \"Categorical\", \"values\": [\"0.3\", \"NaN\", \"0.1\"]}]",
        ", \"maxParallelTrainingJobs\": 1", "{\"rounds\": \"5\"}", 1));
    assertThat(r.status()).isEqualTo(TuningJobStatus.Completed);
    TuningRecord rec = tuner.store().load("tune-nan").orElseThrow();
    TrialRecord nan = rec.kiln().trials().stream().filter(t -> t.tunedHyperParameters().get("offset").equals("NaN"))
        .findFirst().orElseThrow();
    assertThat(nan.status()).isEqualTo("Completed");
    assertThat(nan.objective()).isNull();
    JobRecord job = tuner.trainer().store().load(nan.trainingJobName()).orElseThrow();
    assertThat(job.kiln().metricHistory()).hasSize(5).allMatch(m -> m.metrics().get("train:loss").isNaN());
    assertThat(rec.objectiveStatusCounters()).containsEntry("Succeeded", 2).containsEntry("Failed", 1);
    assertThat(r.bestObjective()).isCloseTo(0.2 + 0.1, org.assertj.core.api.Assertions.within(1e-9));
  }

  @Test
  void twoWorkerTrialsOnThreeSlotsRunOneAtATimeWithoutDeadlock() {
    TuningResult r = tuner.run(spec("tune-gang", "Random", OFFSET,
        ", \"maxTrainingJobs\": 4, \"maxParallelTrainingJobs\": 2, \"randomSeed\": 1",
        "{\"rounds\": \"20\", \"sleep_ms\": \"20\"}", 2));
    assertThat(r.status()).isEqualTo(TuningJobStatus.Completed);
    List<TrialRecord> trials = tuner.store().load("tune-gang").orElseThrow().kiln().trials();
    assertThat(trials).hasSize(4).allMatch(t -> t.status().equals("Completed"));
    // with 3 slots only one 2-worker gang fits: no two trials overlap in time
    for (int i = 0; i < trials.size(); i++) {
      for (int j = i + 1; j < trials.size(); j++) {
        TrialRecord a = trials.get(i);
        TrialRecord b = trials.get(j);
        boolean overlap = a.creationTime().isBefore(b.endTime()) && b.creationTime().isBefore(a.endTime());
        assertThat(overlap).as(a.trainingJobName() + " and " + b.trainingJobName()).isFalse();
      }
    }
  }

  @Test
  void medianEarlyStoppingStopsTrialsThatFallBehindKeepingTheirModels() {
    TuningResult r = tuner.run(spec("tune-early", "Grid",
        "[{\"name\": \"offset\", \"type\": \"Categorical\", \"values\": [\"0\", \"0.01\", \"0.02\", \"0.9\", \"0.95\", \"0.99\"]}]",
        ", \"maxParallelTrainingJobs\": 1, \"earlyStopping\": \"Auto\"", "{\"rounds\": \"40\", \"sleep_ms\": \"15\"}", 1));
    assertThat(r.status()).isEqualTo(TuningJobStatus.Completed);
    TuningRecord rec = tuner.store().load("tune-early").orElseThrow();
    List<TrialRecord> trials = rec.kiln().trials();
    assertThat(trials.subList(0, 3)).allMatch(t -> t.status().equals("Completed"));
    assertThat(trials.subList(3, 6)).allMatch(t -> t.status().equals("Stopped"))
        .allMatch(t -> t.curve().size() < 40).allMatch(t -> t.objective() != null);
    assertThat(rec.trainingJobStatusCounters()).containsEntry("Stopped", 3);
    JobRecord stopped = tuner.trainer().store().load(trials.get(3).trainingJobName()).orElseThrow();
    assertThat(stopped.trainingJobStatus()).isEqualTo(TrainingJobStatus.Stopped);
    assertThat(stopped.modelArtifacts()).isNotNull();
    long rounds = trials.stream().mapToLong(t -> t.curve().size()).sum();
    assertThat(rounds).isLessThan(6 * 40);
  }

  @Test
  void aFailedTrialCountsAsNonRetryableAndTheTuningGoesOn() {
    TuningResult r = tuner.run(spec("tune-fail", "Grid",
        "[{\"name\": \"fail_at_round\", \"type\": \"Categorical\", \"values\": [\"-1\", \"2\", \"-2\"]}]",
        ", \"maxParallelTrainingJobs\": 1", "{\"rounds\": \"4\"}", 1));
    assertThat(r.status()).isEqualTo(TuningJobStatus.Completed);
    TuningRecord rec = tuner.store().load("tune-fail").orElseThrow();
    assertThat(rec.trainingJobStatusCounters()).containsEntry("Completed", 2).containsEntry("NonRetryableError", 1)
        .containsEntry("RetryableError", 0);
    assertThat(rec.objectiveStatusCounters()).containsEntry("Succeeded", 2).containsEntry("Failed", 1);
    TrialRecord failed = rec.kiln().trials().get(1);
    assertThat(failed.status()).isEqualTo("Failed");
    assertThat(failed.failureReason()).contains("counting failed at round 2 as asked");
  }

  @Test
  void stoppingATuningJobStopsItsRunningTrials() throws Exception {
    CompletableFuture<TuningResult> running = CompletableFuture.supplyAsync(() -> tuner.run(spec("tune-stop", "Random",
        OFFSET, ", \"maxTrainingJobs\": 10, \"maxParallelTrainingJobs\": 2",
        "{\"rounds\": \"100000\", \"sleep_ms\": \"10\"}", 1)));
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      var rec = tuner.store().load("tune-stop");
      if (rec.isPresent() && rec.get().kiln().trials().size() == 2) {
        break;
      }
      Thread.sleep(100);
    }
    Thread.sleep(1500);
    JsonNode inProgress = kiln("describe-tuning", "tune-stop", "--json").json();
    assertThat(inProgress.get("HyperParameterTuningJobStatus").asText()).isEqualTo("InProgress");
    JsonNode runningTrials = kiln("list-trials", "tune-stop", "--json").json();
    tuner.store().requestStop("tune-stop", "test");
    TuningResult r = running.get(120, TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(TuningJobStatus.Stopped);
    assertThat(r.exitCode()).isEqualTo(3);
    TuningRecord rec = tuner.store().load("tune-stop").orElseThrow();
    assertThat(rec.kiln().trials()).hasSize(2).allMatch(t -> t.status().equals("Stopped"));
    assertThat(rec.endTime()).isBefore(Instant.now());
    Cli waited = kiln("wait", "tune-stop");
    assertThat(waited.exit()).isEqualTo(3);
    JsonNode stopped = kiln("describe-tuning", "tune-stop", "--json").json();
    assertThat(stopped.get("HyperParameterTuningJobStatus").asText()).isEqualTo("Stopped");
    // a tuning job whose driver died is seen as Failed, ended at its last heartbeat
    TuningRecord.Details k = rec.kiln();
    tuner.store().save(new TuningRecord("tune-lost", null, rec.config(), rec.trainingJobDefinition(),
        TuningJobStatus.InProgress, rec.creationTime(), null, rec.lastModifiedTime(), rec.trainingJobStatusCounters(),
        rec.objectiveStatusCounters(), rec.bestTrainingJob(), null, null, null, rec.completionDetails(),
        rec.consumedResources(), new TuningRecord.Details(k.driverHost(), k.driverPid(), null,
            Instant.now().minusSeconds(600), k.heartbeatIntervalSeconds(), k.heartbeatLapseSeconds(), k.leaseEpoch(),
            k.leaseOwner(), null, k.roundsTrained(), null, k.trials(), k.spec())));
    JsonNode lost = kiln("describe-tuning", "tune-lost", "--json").json();
    assertThat(lost.get("HyperParameterTuningJobStatus").asText()).isEqualTo("Failed");
    assertThat(lost.has("HyperParameterTuningEndTime")).isTrue();
    // written before Kiln kept ARNs: named from the reader's settings
    assertThat(lost.get("HyperParameterTuningJobArn").asText()).endsWith(":hyper-parameter-tuning-job/tune-lost");
    assertThat(kiln("wait", "tune-lost").exit()).isEqualTo(1);
    assertThat(kiln("describe-tuning", "no-such").exit()).isEqualTo(4);
    assertThat(kiln("list-trials", "no-such").exit()).isEqualTo(4);
    ServiceModelCheck.assertValid(List.of(
        new Doc("tuning InProgress", "DescribeHyperParameterTuningJob", inProgress, "HyperparameterTuner"),
        new Doc("tuning Stopped", "DescribeHyperParameterTuningJob", stopped, "HyperparameterTuner"),
        new Doc("tuning Failed (driver lost)", "DescribeHyperParameterTuningJob", lost, "HyperparameterTuner"),
        new Doc("trials while running", "ListTrainingJobsForHyperParameterTuningJob", runningTrials, null),
        new Doc("trials", "ListTrainingJobsForHyperParameterTuningJob",
            kiln("list-trials", "tune-stop", "--json").json(), null)));
  }

  @Test
  void hyperbandPromotesTheBestTrialsWhichContinueFromTheirCheckpoints() {
    TuningResult r = tuner.run(spec("tune-hb", "Hyperband", OFFSET,
        ", \"maxTrainingJobs\": 100, \"maxParallelTrainingJobs\": 3, \"randomSeed\": 2, "
            + "\"hyperband\": {\"minResource\": 1, \"maxResource\": 9}",
        "{\"rounds\": \"9\", \"checkpoint_every\": \"1\"}", 1));
    assertThat(r.status()).isEqualTo(TuningJobStatus.Completed);
    TuningRecord rec = tuner.store().load("tune-hb").orElseThrow();
    List<TrialRecord> trials = rec.kiln().trials();
    // eta 3 between 1 and 9 rounds: brackets (9 x 1, 3 x 3, 1 x 9), (5 x 3, 1 x 9), (3 x 9)
    assertThat(trials).hasSize(9 + 3 + 1 + 5 + 1 + 3);
    long planned = 0;
    for (TrialRecord t : trials) {
      int from = t.parent() == 0 ? 0 : trials.get(t.parent() - 1).resource();
      planned += t.resource() - from;
      assertThat(t.curve()).as(t.trainingJobName()).hasSize(t.resource() - from);
      if (t.parent() != 0) {
        assertThat(t.tunedHyperParameters()).isEqualTo(trials.get(t.parent() - 1).tunedHyperParameters());
      }
    }
    // total rounds trained: 9*1 + 3*(3-1) + 1*(9-3) + 5*3 + 1*(9-3) + 3*9 = 9 + 6 + 6 + 15 + 6 + 27, against
    // 22 * 9 = 198 for the same trials trained to the full resource from scratch
    assertThat(planned).isEqualTo(69);
    assertThat(rec.kiln().roundsTrained()).isEqualTo(69);
    // the promoted trial of the first bracket is the best of its first rung
    List<TrialRecord> rung0 = trials.subList(0, 9);
    TrialRecord best = rung0.stream().min((a, b) -> Double.compare(a.objective(), b.objective())).orElseThrow();
    assertThat(trials.stream().filter(t -> t.parent() == best.number()).count()).isEqualTo(1);
  }

  @Test
  void aTargetObjectiveCompletesTheTuningJobEarly() {
    TuningResult r = tuner.run(spec("tune-target", "Grid",
        "[{\"name\": \"offset\", \"type\": \"Categorical\", \"values\": [\"0.5\", \"0.05\", \"0.4\", \"0.3\", \"0.2\"]}]",
        ", \"maxParallelTrainingJobs\": 1, \"completion\": {\"targetObjectiveValue\": 0.3}", "{\"rounds\": \"5\"}", 1));
    assertThat(r.status()).isEqualTo(TuningJobStatus.Completed);
    TuningRecord rec = tuner.store().load("tune-target").orElseThrow();
    assertThat(rec.kiln().trials()).hasSize(2);
    assertThat(rec.kiln().completionReason()).startsWith("TargetObjectiveMetricValue 0.3 reached");
  }

  @Test
  void convergenceIsDetectedWhenTheBestStopsImproving() {
    TuningResult r = tuner.run(spec("tune-converge", "Random",
        "[{\"name\": \"_x\", \"type\": \"Continuous\", \"min\": 0, \"max\": 1}]",
        ", \"maxTrainingJobs\": 30, \"maxParallelTrainingJobs\": 1, \"completion\": {\"completeOnConvergence\": true}",
        "{\"rounds\": \"2\"}", 1));
    assertThat(r.status()).isEqualTo(TuningJobStatus.Completed);
    TuningRecord rec = tuner.store().load("tune-converge").orElseThrow();
    // every trial has the same objective: after 2 x 5 trials nothing improved in the last 5
    assertThat(rec.kiln().trials()).hasSize(10);
    assertThat(rec.completionDetails().has("ConvergenceDetectedTime")).isTrue();
    assertThat(rec.kiln().completionReason()).startsWith("ConvergenceDetected");
  }

  @Test
  void aTrialThatEndsWhileTheStrategyIsAnsweringDoesNotEndTheSearch() {
    // the strategy is asked while trial 1 runs and answers "nothing now" only after trial 1 has
    // ended, as Hyperband does while the last trial of a rung runs: the driver must ask again, not
    // take that answer, given about a running trial, for the end of the search
    CountDownLatch firstEnded = new CountDownLatch(1);
    TuningListener listener = new TuningListener() {
      @Override
      public void onTrialEnded(int number, String name, TrainingJobStatus status, Double objective) {
        if (number == 1) {
          firstEnded.countDown();
        }
      }
    };
    UnaryOperator<SearchStrategy> answersAsTheTrialEnds = inner -> new SearchStrategy() {
      @Override
      public Optional<Suggestion> suggest(List<TrialView> history) {
        if (history.stream().anyMatch(v -> v.state() == TrialState.RUNNING)) {
          try {
            assertThat(firstEnded.await(60, TimeUnit.SECONDS)).as("trial 1 ended").isTrue();
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
          return Optional.empty();
        }
        return inner.suggest(history);
      }

      @Override
      public boolean finished(List<TrialView> history) {
        return inner.finished(history);
      }
    };
    TuningJobRunner racing = new TuningJobRunner(tuner.trainer(), new Algorithms(List.of(new CountingAlgorithm())),
        answersAsTheTrialEnds);
    TuningResult r = racing.run(spec("tune-race", "Random", OFFSET,
        ", \"maxTrainingJobs\": 2, \"maxParallelTrainingJobs\": 2, \"randomSeed\": 3", "{\"rounds\": \"2\"}", 1),
        listener);
    assertThat(r.status()).isEqualTo(TuningJobStatus.Completed);
    TuningRecord rec = racing.store().load("tune-race").orElseThrow();
    assertThat(rec.kiln().trials()).hasSize(2).allMatch(t -> t.status().equals("Completed"));
    assertThat(racing.store().readLog("tune-race").orElseThrow()).doesNotContain("nothing more to propose");
  }

  static List<String> names(List<TrialRecord> trials) {
    List<String> out = new ArrayList<>();
    trials.forEach(t -> out.add(t.trainingJobName()));
    return out;
  }
}
