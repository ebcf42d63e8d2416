package io.kiln.bench;

import io.kiln.record.JobRecord;
import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.JobBuilder;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import io.kiln.tuning.driver.TrialRecord;
import io.kiln.tuning.driver.TuningJobRunner;
import io.kiln.tuning.driver.TuningRecord;
import io.kiln.tuning.spec.TuningSpecReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The XGBoost half of scripts/bench-tuning, through Kiln's real tuning runner and trainer on the
 * digits data (1797 8x8 images, 10 classes; validation:mlogloss): best objective after N trials for
 * Bayesian and Random search over several seeds, and the compute early stopping and Hyperband save
 * against full-budget runs of the same configurations, with the objective given up.
 * Arguments: work directory, trials, seeds (comma separated).
 */
public final class XGBoostTuningBenchmark {
  static final String RANGES = """
      [{"name": "max_depth", "type": "Integer", "min": 2, "max": 8},
       {"name": "eta", "type": "Continuous", "min": 0.02, "max": 0.5, "scaling": "Logarithmic"},
       {"name": "min_child_weight", "type": "Continuous", "min": 0.1, "max": 10, "scaling": "Logarithmic"},
       {"name": "subsample", "type": "Continuous", "min": 0.5, "max": 1},
       {"name": "colsample_bytree", "type": "Continuous", "min": 0.5, "max": 1}]""";

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    int trials = Integer.parseInt(args[1]);
    List<Long> seeds = new ArrayList<>();
    for (String s : args[2].split(",")) {
      seeds.add(Long.parseLong(s));
    }
    Files.createDirectories(work);
    List<String> rows = SharedData.digits();
    List<String> train = new ArrayList<>();
    List<String> validation = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      (i % 5 == 4 ? validation : train).add(rows.get(i));
    }
    Files.createDirectories(work.resolve("train"));
    Files.createDirectories(work.resolve("validation"));
    Files.write(work.resolve("train/part-0.csv"), train);
    Files.write(work.resolve("validation/part-0.csv"), validation);
    SparkSession spark = TestSpark.start(null, Map.of("spark.master", "local[2]",
        "spark.kiln.heartbeat.interval-seconds", "5"));
    TuningJobRunner tuner = TuningJobRunner.on(spark);
    long stamp = System.currentTimeMillis() % 100000;

    Map<String, List<Double>> best = new LinkedHashMap<>();
    for (String strategy : List.of("Bayesian", "Random")) {
      best.put(strategy, new ArrayList<>());
      for (long seed : seeds) {
        String name = strategy.toLowerCase(Locale.ROOT).substring(0, 3) + "-" + stamp + "-" + seed;
        tuner.run(TuningSpecReader.readTuningJob(spec(name, strategy, trials, seed, work, "Off", null, 60), "bench"));
        best.get(strategy).add(tuner.store().load(name).orElseThrow().bestTrainingJob()
            .path("FinalHyperParameterTuningJobObjectiveMetric").path("Value").asDouble());
      }
    }
    System.out.printf(Locale.ROOT, "== digits (1797 x 64, 10 classes), validation:mlogloss after %d trials, seeds %s,"
        + " through Kiln's tuner and trainer (1 worker per trial, 2 trials at a time)%n", trials, seeds);
    best.forEach((k, v) -> System.out.printf(Locale.ROOT, "%-9s median best %.5f  %s%n", k, median(v), v));
    System.out.printf(Locale.ROOT, "RESULT bayesian=%.6f random=%.6f%n", median(best.get("Bayesian")),
        median(best.get("Random")));

    // early stopping: the same configurations (Random search, one seed) with the median rule on and off
    long seed = seeds.get(0);
    String off = "esoff-" + stamp;
    String auto = "esauto-" + stamp;
    tuner.run(TuningSpecReader.readTuningJob(spec(off, "Random", trials, seed, work, "Off", null, 60), "bench"));
    tuner.run(TuningSpecReader.readTuningJob(spec(auto, "Random", trials, seed, work, "Auto", null, 60), "bench"));
    TuningRecord a = tuner.store().load(off).orElseThrow();
    TuningRecord b = tuner.store().load(auto).orElseThrow();
    report("early stopping (median rule)", a, b);

    // Hyperband against training every configuration it started to the full resource
    String hb = "hb-" + stamp;
    tuner.run(TuningSpecReader.readTuningJob(spec(hb, "Hyperband", 200, seed, work, "Off", "1,27", 27), "bench"));
    TuningRecord h = tuner.store().load(hb).orElseThrow();
    TrainingJobRunner trainer = tuner.trainer();
    List<Double> full = new ArrayList<>();
    int configs = 0;
    for (TrialRecord t : h.kiln().trials()) {
      if (t.parent() != 0) {
        continue;
      }
      configs++;
      Map<String, Object> hp = new LinkedHashMap<>(statics(27));
      hp.putAll(t.tunedHyperParameters());
      TrainingJobSpec job = JobBuilder.named("hbfull-" + stamp + "-" + t.number()).algorithm("xgboost")
          .hyperparameters(hp).channel("train", work.resolve("train").toUri() + "/", "text/csv")
          .channel("validation", work.resolve("validation").toUri() + "/", "text/csv")
          .outputPath(work.resolve("out").toUri().toString()).workers(1).build();
      JobResult r = trainer.run(job);
      JobRecord rec = trainer.store().load(job.name()).orElseThrow();
      full.add(rec.finalMetricDataList().stream().filter(m -> m.metricName().equals("validation:mlogloss"))
          .findFirst().orElseThrow().value());
      if (r.exitCode() != 0) {
        throw new IllegalStateException(r.failureReason());
      }
    }
    long hbRounds = h.kiln().roundsTrained();
    long fullRounds = (long) configs * 27;
    double hbBest = h.bestTrainingJob().path("FinalHyperParameterTuningJobObjectiveMetric").path("Value").asDouble();
    double fullBest = Collections.min(full);
    System.out.printf(Locale.ROOT, "hyperband (1..27 rounds, eta 3): %d trials over %d configurations, %d rounds vs %d"
        + " for all configurations at 27 rounds: %.1f %% of the compute saved; best %.5f vs %.5f (%.2f %% worse)%n",
        h.kiln().trials().size(), configs, hbRounds, fullRounds, 100.0 * (1 - (double) hbRounds / fullRounds), hbBest,
        fullBest, 100.0 * (hbBest - fullBest) / fullBest);
    spark.stop();
    System.exit(0);
  }

  static void report(String what, TuningRecord full, TuningRecord early) {
    long fullRounds = full.kiln().roundsTrained();
    long earlyRounds = early.kiln().roundsTrained();
    double fullBest = full.bestTrainingJob().path("FinalHyperParameterTuningJobObjectiveMetric").path("Value").asDouble();
    double earlyBest = early.bestTrainingJob().path("FinalHyperParameterTuningJobObjectiveMetric").path("Value")
        .asDouble();
    System.out.printf(Locale.ROOT, "%s: %d rounds vs %d without, %.1f %% of the compute saved, %d trial(s) stopped;"
        + " best %.5f vs %.5f (%.2f %% worse)%n", what, earlyRounds, fullRounds,
        100.0 * (1 - (double) earlyRounds / fullRounds), early.trainingJobStatusCounters().get("Stopped"), earlyBest,
        fullBest, 100.0 * (earlyBest - fullBest) / fullBest);
  }

  static Map<String, Object> statics(int rounds) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("num_round", rounds);
    m.put("objective", "multi:softprob");
    m.put("num_class", 10);
    m.put("eval_metric", "mlogloss");
    return m;
  }

  static String spec(String name, String strategy, int trials, long seed, Path work, String earlyStopping,
      String hyperband, int rounds) {
    StringBuilder hp = new StringBuilder("{");
    statics(rounds).forEach((k, v) -> hp.append(hp.length() > 1 ? ", " : "").append('"').append(k).append("\": \"")
        .append(v).append('"'));
    hp.append('}');
    String hb = hyperband == null ? "" : ", \"hyperband\": {\"minResource\": " + hyperband.split(",")[0]
        + ", \"maxResource\": " + hyperband.split(",")[1] + "}";
    return """
        {"name": "%s", "strategy": "%s", "objective": {"type": "Minimize", "metric": "validation:mlogloss"},
         "parameterRanges": %s, "maxTrainingJobs": %d, "maxParallelTrainingJobs": 2, "randomSeed": %d,
         "earlyStopping": "%s" %s,
         "trainingJob": {"algorithm": "xgboost", "hyperparameters": %s,
           "channels": [{"name": "train", "uri": "%s", "contentType": "text/csv"},
                        {"name": "validation", "uri": "%s", "contentType": "text/csv"}],
           "outputPath": "%s", "resources": {"workers": 1}}}
        """.formatted(name, strategy, RANGES, trials, seed, earlyStopping, hb, hp,
        work.resolve("train").toUri() + "/", work.resolve("validation").toUri() + "/", work.resolve("out").toUri());
  }

  static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    Collections.sort(s);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}
