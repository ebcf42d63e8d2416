package io.kiln.algorithms.xgboost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.record.JobRecord;
import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.record.TrainingJobStatus;
import io.kiln.spec.SpecReader;
import io.kiln.testing.ReferencePython;
import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * A 2-worker XGBoost job reads its channels from the S3 server and writes model.tar.gz back; the
 * artifact's predictions are checked row by row against Kiln's own and against native XGBoost
 * (Debian's 1.7.4) trained on the same data with the same parameters.
 */
@Tag("spark")
@Tag("s3")
@Tag("reference")
class XGBoostReferenceTest {
  static S3Server s3;
  static SparkSession spark;
  static Configuration hadoop;
  static List<String> train = new ArrayList<>();
  static List<String> validation = new ArrayList<>();
  static List<String> all;

  @BeforeAll
  static void start() {
    ReferencePython.require("xgboost", "sklearn", "numpy");
    s3 = S3Server.get();
    s3.bucket("kiln-ref");
    spark = TestSpark.start(s3, Map.of());
    hadoop = spark.sparkContext().hadoopConfiguration();
    all = SharedData.breastCancer();
    for (int i = 0; i < all.size(); i++) {
      (i % 5 == 4 ? validation : train).add(all.get(i));
    }
    int half = train.size() / 2;
    S3Files.write(hadoop, "s3a://kiln-ref/bc/train/part-0.csv", train.subList(0, half));
    S3Files.write(hadoop, "s3a://kiln-ref/bc/train/part-1.csv", train.subList(half, train.size()));
    S3Files.write(hadoop, "s3a://kiln-ref/bc/validation/part-0.csv", validation);
    // iris with label noise: every 7th row's class moved on by one
    List<String> iris = SharedData.iris();
    for (int i = 0; i < iris.size(); i++) {
      String row = iris.get(i);
      int label = Integer.parseInt(row.substring(0, row.indexOf(',')));
      String noisy = (i % 7 == 3 ? (label + 1) % 3 : label) + row.substring(row.indexOf(','));
      (i % 5 == 4 ? irisValidation : irisTrain).add(noisy);
    }
    S3Files.write(hadoop, "s3a://kiln-ref/iris/train/part-0.csv", irisTrain);
    S3Files.write(hadoop, "s3a://kiln-ref/iris/validation/part-0.csv", irisValidation);
    S3Files.write(hadoop, "s3a://kiln-ref/ten/train.csv", all.subList(0, 10));
    List<String> diabetes = SharedData.diabetes();
    for (int i = 0; i < diabetes.size(); i++) {
      (i % 5 == 4 ? diabetesValidation : diabetesTrain).add(diabetes.get(i));
    }
    S3Files.write(hadoop, "s3a://kiln-ref/diabetes/train/part-0.csv", diabetesTrain);
    S3Files.write(hadoop, "s3a://kiln-ref/diabetes/validation/part-0.csv", diabetesValidation);
  }

  static List<String> diabetesTrain = new ArrayList<>();
  static List<String> diabetesValidation = new ArrayList<>();

  static List<String> irisTrain = new ArrayList<>();
  static List<String> irisValidation = new ArrayList<>();

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void artifactFromS3AgreesWithKilnAndNativeXGBoostRowByRow() throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("objective", "binary:logistic");
    params.put("max_depth", "4");
    params.put("eta", "0.3");
    params.put("max_bin", "1024");
    params.put("min_child_weight", "1");
    // every binary metric of the container: XGBoost's own and the container's (issue 9)
    params.put("eval_metric", String.join(",", NATIVE_BINARY) + "," + String.join(",", CONTAINER_BINARY));
    params.put("seed", "7");
    int rounds = 30;
    String spec = """
        {"name": "ref-bc-1", "algorithm": "xgboost",
         "hyperparameters": %s,
         "channels": [{"name": "train", "uri": "s3://kiln-ref/bc/train/", "contentType": "text/csv"},
                      {"name": "validation", "uri": "s3://kiln-ref/bc/validation", "contentType": "text/csv"}],
         "outputPath": "s3://kiln-ref/out/",
         "resources": {"workers": 2}}
        """.formatted(json(params, rounds));
    TrainingJobRunner runner = TrainingJobRunner.on(spark);
    JobResult result = runner.run(SpecReader.readTrainingJob(spec, "inline"));
    assertThat(result.failureReason()).isNull();
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(result.modelArtifacts()).isEqualTo("s3://kiln-ref/out/ref-bc-1/output/model.tar.gz");

    Map<String, byte[]> files = S3Files.untar(S3Files.read(hadoop, "s3a://kiln-ref/out/ref-bc-1/output/model.tar.gz"));
    assertThat(files).containsOnlyKeys("xgboost-model");
    byte[] model = files.get("xgboost-model");

    float[] kiln = predict(model, all);
    Path dir = TestSpark.tempDir("kiln-ref-bc-");
    Path modelFile = dir.resolve("xgboost-model");
    Files.write(modelFile, model);
    Path trainFile = dir.resolve("train.csv");
    Files.writeString(trainFile, String.join("\n", train) + "\n");
    Path allFile = dir.resolve("all.csv");
    Files.writeString(allFile, String.join("\n", all) + "\n");
    Map<String, Object> nativeParams = new LinkedHashMap<>(params);
    nativeParams.put("tree_method", "hist");
    nativeParams.put("base_score", "0.5");
    nativeParams.put("nthread", "2");
    nativeParams.remove("eval_metric"); // metrics do not change training; the container's are not XGBoost's
    JsonNode ref = ReferencePython.call(XGBoostReferenceTest.class, "/reference/xgboost_reference.py",
        Map.of("model", modelFile.toString(), "train", trainFile.toString(), "predict", allFile.toString(),
            "params", nativeParams, "num_round", rounds));

    // Kiln's artifact loaded by native XGBoost 1.7.4: the same trees summed in the same float
    // arithmetic, so the predictions agree to float rounding.
    double loadedGap = maxGap(kiln, ref.get("loaded"));
    assertThat(loadedGap).isLessThanOrEqualTo(1e-6);
    // Native XGBoost trained from scratch on one machine (measured gap: 0): with max_bin above the row count every
    // distinct value is a candidate split on both sides, so the trees match; what remains is the
    // order of float sums in gradient histograms (two workers' partial sums are added by allreduce).
    double nativeGap = maxGap(kiln, ref.get("native"));
    assertThat(nativeGap).isLessThanOrEqualTo(1e-6);
    System.out.printf("XGBoost reference (%s): max |kiln - loaded| = %.3g, max |kiln - native| = %.3g%n",
        ref.get("version").asText(), loadedGap, nativeGap);

    JobRecord record = runner.store().load("ref-bc-1").orElseThrow();
    assertThat(record.kiln().metricHistory()).hasSize(rounds);
    // issue 9: every final metric is native XGBoost's (or, for the container's own, scikit-learn's on the
    // native margins) for the final model on the whole channel, 2 workers notwithstanding; the
    // validation:auc XGBoost's distributed evaluation gives (each worker's ranking) differed
    Path validationFile = dir.resolve("validation.csv");
    Files.writeString(validationFile, String.join("\n", validation) + "\n");
    JsonNode whole = ReferencePython.call(XGBoostReferenceTest.class, "/reference/xgboost_metrics.py",
        Map.of("model", modelFile.toString(), "channels", Map.of("train", trainFile.toString(), "validation",
            validationFile.toString()), "native", NATIVE_BINARY, "container", CONTAINER_BINARY));
    assertSameFinalMetrics(record, whole.get("metrics"), 1e-6);
    assertThat(record.finalMetricDataList()).hasSize(2 * (NATIVE_BINARY.size() + CONTAINER_BINARY.size()));
  }

  /**
   * {@code kiln predict} (issue 11) with a trained job's model, on the S3 server, on this class's
   * session (the command reuses it): every .out line is what SageMaker's XGBoost container writes in
   * Batch Transform for that row, from native XGBoost 1.7 loading the same model (CSV: str(score),
   * softprob: str(list); JSON Lines: {"score": ...}); a label column left in is refused naming both
   * feature counts.
   */
  @Test
  void kilnPredictWritesWhatTheContainersBatchTransformWrites() throws Exception {
    Map<String, String> binary = new LinkedHashMap<>();
    binary.put("objective", "binary:logistic");
    binary.put("max_depth", "3");
    train("ref-predict-bc", binary, 10, csvChannel("train", "s3://kiln-ref/bc/train/"));
    Map<String, String> softprob = new LinkedHashMap<>();
    softprob.put("objective", "multi:softprob");
    softprob.put("num_class", "3");
    softprob.put("max_depth", "2");
    train("ref-predict-iris", softprob, 5, csvChannel("train", "s3://kiln-ref/iris/train/"));

    List<String> bcFeatures = all.stream().map(r -> r.substring(r.indexOf(',') + 1)).toList();
    // a missing cell (empty) in one row, as the container reads it: nan
    List<String> part1 = new ArrayList<>(bcFeatures.subList(300, bcFeatures.size()));
    part1.set(0, part1.get(0).replaceFirst("^[^,]*,", ","));
    S3Files.write(hadoop, "s3a://kiln-ref/predict-in/bc/part-0.csv", bcFeatures.subList(0, 300));
    S3Files.write(hadoop, "s3a://kiln-ref/predict-in/bc/part-1.csv", part1);
    List<String> irisFeatures = SharedData.iris().stream().map(r -> r.substring(r.indexOf(',') + 1)).toList();
    S3Files.write(hadoop, "s3a://kiln-ref/predict-in/iris/all.csv", irisFeatures);
    Path dir = TestSpark.tempDir("kiln-ref-predict-");
    Files.writeString(dir.resolve("part-0.csv"), String.join("\n", bcFeatures.subList(0, 300)) + "\n");
    Files.writeString(dir.resolve("part-1.csv"), String.join("\n", part1) + "\n");
    Files.writeString(dir.resolve("iris.csv"), String.join("\n", irisFeatures) + "\n");

    String root = TrainingJobRunner.on(spark).store().root();
    int[] exit = new int[1];
    java.util.function.Function<String[], String> kiln = args -> {
      java.io.StringWriter out = new java.io.StringWriter();
      List<String> all = new ArrayList<>(List.of(args));
      all.addAll(List.of("--job-root", root));
      exit[0] = io.kiln.cli.Kiln.execute(all.toArray(String[]::new), new java.io.PrintWriter(out, true),
          new java.io.PrintWriter(out, true), s3.environment());
      return out.toString();
    };
    String bc = kiln.apply(new String[] {"predict", "ref-predict-bc", "--input", "s3://kiln-ref/predict-in/bc/",
        "--output", "s3://kiln-ref/predict-out/bc-csv/"});
    assertThat(exit[0]).as(bc).isZero();
    String bcJson = kiln.apply(new String[] {"predict", "ref-predict-bc", "--input",
        "s3://kiln-ref/predict-in/bc/part-1.csv", "--output", "s3://kiln-ref/predict-out/bc-json/", "--accept",
        "application/jsonlines"});
    assertThat(exit[0]).as(bcJson).isZero();
    String iris = kiln.apply(new String[] {"predict", "ref-predict-iris", "--input", "s3://kiln-ref/predict-in/iris/",
        "--output", "s3://kiln-ref/predict-out/iris/"});
    assertThat(exit[0]).as(iris).isZero();

    Path bcModel = model("ref-predict-bc");
    JsonNode ref = ReferencePython.call(XGBoostReferenceTest.class, "/reference/xgboost_batch_transform.py",
        Map.of("model", bcModel.toString(), "inputs", List.of(dir.resolve("part-0.csv").toString(),
            dir.resolve("part-1.csv").toString())));
    int[] same = new int[2];
    assertSameLines(read("s3a://kiln-ref/predict-out/bc-csv/part-0.csv.out"), ref.get("csv").get(0), same);
    assertSameLines(read("s3a://kiln-ref/predict-out/bc-csv/part-1.csv.out"), ref.get("csv").get(1), same);
    assertSameLines(read("s3a://kiln-ref/predict-out/bc-json/part-1.csv.out"), ref.get("jsonlines").get(1), same);
    JsonNode irisRef = ReferencePython.call(XGBoostReferenceTest.class, "/reference/xgboost_batch_transform.py",
        Map.of("model", model("ref-predict-iris").toString(), "inputs", List.of(dir.resolve("iris.csv").toString())));
    assertSameLines(read("s3a://kiln-ref/predict-out/iris/all.csv.out"), irisRef.get("csv").get(0), same);
    assertThat(read("s3a://kiln-ref/predict-out/iris/all.csv.out")).startsWith("[0.");
    System.out.printf("kiln predict vs the container's Batch Transform (XGBoost %s): %d of %d lines byte-identical%n",
        ref.get("version").asText(), same[0], same[1]);

    // the training rows as they are (label first): 31 columns for a model of 30 features
    String wide = kiln.apply(new String[] {"predict", "ref-predict-bc", "--input", "s3://kiln-ref/bc/validation/",
        "--output", "s3://kiln-ref/predict-out/wide/"});
    assertThat(exit[0]).isEqualTo(2);
    assertThat(wide).contains("kiln: Input s3://kiln-ref/bc/validation/part-0.csv line 1: 31 feature(s), but the "
        + "model takes 30; Batch Transform input has no label column: if the first column is the label, remove it");
  }

  static String read(String uri) {
    return new String(S3Files.read(hadoop, uri), java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Kiln's lines against the reference's, one for one: the same text, or the same numbers to 1e-6
   * (native XGBoost 1.7 and xgboost4j 3.1 may sum a tree's leaves in another order); counts
   * byte-identical lines in {@code same[0]} of {@code same[1]}.
   */
  static void assertSameLines(String kiln, JsonNode reference, int[] same) {
    List<String> lines = List.of(kiln.split("\n", -1));
    assertThat(lines.get(lines.size() - 1)).as("the output ends with a line break").isEmpty();
    assertThat(lines.size() - 1).isEqualTo(reference.size());
    for (int i = 0; i < reference.size(); i++) {
      String ours = lines.get(i);
      String theirs = reference.get(i).asText();
      same[1]++;
      if (ours.equals(theirs)) {
        same[0]++;
        continue;
      }
      double[] a = numbers(ours);
      double[] b = numbers(theirs);
      assertThat(a).as("line %d: %s vs %s", i + 1, ours, theirs).hasSameSizeAs(b);
      for (int k = 0; k < a.length; k++) {
        assertThat(a[k]).as("line %d: %s vs %s", i + 1, ours, theirs).isCloseTo(b[k], within(1e-6));
      }
      assertThat(ours.replaceAll("[-0-9.e+]+", "N")).isEqualTo(theirs.replaceAll("[-0-9.e+]+", "N"));
    }
  }

  private static double[] numbers(String line) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("-?[0-9][0-9.e+-]*").matcher(line);
    List<Double> out = new ArrayList<>();
    while (m.find()) {
      out.add(Double.parseDouble(m.group()));
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  static final List<String> NATIVE_BINARY = List.of("logloss", "auc", "aucpr", "error");
  static final List<String> CONTAINER_BINARY = List.of("accuracy", "balanced_accuracy", "f1", "f1_binary", "f1_macro",
      "precision", "precision_macro", "precision_micro", "recall", "recall_macro", "recall_micro", "mse", "rmse",
      "mae", "r2");

  /** Every reference metric equals the job's final metric of the same name. */
  static void assertSameFinalMetrics(JobRecord record, JsonNode reference, double tolerance) {
    assertThat(reference.size()).isPositive();
    reference.fields().forEachRemaining(e -> assertThat(finalMetric(record, e.getKey())).as(e.getKey())
        .isCloseTo(e.getValue().asDouble(), within(tolerance)));
  }

  static JobRecord train(String name, Map<String, String> params, int rounds, String channels) {
    String spec = """
        {"name": "%s", "algorithm": "xgboost", "hyperparameters": %s, "channels": [%s],
         "outputPath": "s3://kiln-ref/out/", "resources": {"workers": 2}}
        """.formatted(name, json(params, rounds), channels);
    JobResult result = TrainingJobRunner.on(spark).run(SpecReader.readTrainingJob(spec, "inline"));
    assertThat(result.failureReason()).isNull();
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Completed);
    return TrainingJobRunner.on(spark).store().load(name).orElseThrow();
  }

  static String csvChannel(String name, String uri) {
    return "{\"name\": \"" + name + "\", \"uri\": \"" + uri + "\", \"contentType\": \"text/csv\"}";
  }

  static Path model(String name) throws Exception {
    Map<String, byte[]> files = S3Files.untar(S3Files.read(hadoop, "s3a://kiln-ref/out/" + name
        + "/output/model.tar.gz"));
    Path file = Files.createTempDirectory("kiln-ref-" + name).resolve("xgboost-model");
    Files.write(file, files.get("xgboost-model"));
    return file;
  }

  static Path local(String name, List<String> rows) throws Exception {
    Path file = Files.createTempDirectory("kiln-ref-data").resolve(name);
    Files.writeString(file, String.join("\n", rows) + "\n");
    return file;
  }

  @Test
  void f1IsTheContainersMacroF1ForMultiClassOnTheWholeChannel() throws Exception {
    // issue 9: eval_metric=f1 on iris with noise reported class 1's F1 (0.757) where the container's macro
    // F1 is 0.849; every multi-class metric here is checked against native XGBoost and scikit-learn
    Map<String, String> params = new LinkedHashMap<>();
    params.put("objective", "multi:softmax");
    params.put("num_class", "3");
    params.put("max_depth", "2");
    params.put("eta", "0.3");
    params.put("eval_metric", "merror,mlogloss,f1,accuracy,balanced_accuracy,f1_macro,precision_macro,"
        + "precision_micro,recall_macro,recall_micro");
    JobRecord record = train("ref-iris-f1", params, 8, csvChannel("train", "s3://kiln-ref/iris/train/") + ", "
        + csvChannel("validation", "s3://kiln-ref/iris/validation/"));
    JsonNode ref = ReferencePython.call(XGBoostReferenceTest.class, "/reference/xgboost_metrics.py", Map.of(
        "model", model("ref-iris-f1").toString(),
        "channels", Map.of("train", local("train.csv", irisTrain).toString(), "validation",
            local("validation.csv", irisValidation).toString()),
        "native", List.of("merror", "mlogloss"),
        "container", List.of("f1", "accuracy", "balanced_accuracy", "f1_macro", "precision_macro", "precision_micro",
            "recall_macro", "recall_micro", "f1_class1")));
    JsonNode metrics = ref.get("metrics");
    double macro = metrics.get("validation:f1").asDouble();
    double classOne = metrics.get("validation:f1_class1").asDouble();
    assertThat(finalMetric(record, "validation:f1")).isCloseTo(macro, within(1e-9));
    // the definitions differ on this data, so the test tells macro from class 1's F1
    assertThat(Math.abs(macro - classOne)).isGreaterThan(0.01);
    ((com.fasterxml.jackson.databind.node.ObjectNode) metrics).remove(List.of("train:f1_class1",
        "validation:f1_class1"));
    assertSameFinalMetrics(record, metrics, 1e-6);
  }

  @Test
  void earlyStoppingKeepsTheBestRoundsModelAndMetricsAsNativeXGBoostAndTheTuningObjectiveDrivesIt()
      throws Exception {
    // eval_metric's last is auc, but a tuning trial stops on its objective (_tuning_objective_metric), as the
    // container does; native XGBoost's EarlyStopping(save_best=True) on the same data is the reference
    Map<String, String> params = new LinkedHashMap<>();
    params.put("objective", "binary:logistic");
    params.put("max_depth", "4");
    params.put("eta", "0.6");
    params.put("max_bin", "1024");
    params.put("seed", "3");
    params.put("eval_metric", "auc");
    params.put("early_stopping_rounds", "4");
    params.put("_tuning_objective_metric", "validation:logloss");
    int rounds = 60;
    JobRecord record = train("ref-bc-es", params, rounds, csvChannel("train", "s3://kiln-ref/bc/train/") + ", "
        + csvChannel("validation", "s3://kiln-ref/bc/validation"));
    Map<String, Object> nativeParams = new LinkedHashMap<>();
    nativeParams.put("objective", "binary:logistic");
    nativeParams.put("max_depth", "4");
    nativeParams.put("eta", "0.6");
    nativeParams.put("max_bin", "1024");
    nativeParams.put("seed", "3");
    nativeParams.put("tree_method", "hist");
    nativeParams.put("base_score", "0.5");
    nativeParams.put("eval_metric", List.of("auc", "logloss"));
    Path trainFile = local("train.csv", train);
    Path validationFile = local("validation.csv", validation);
    JsonNode ref = ReferencePython.call(XGBoostReferenceTest.class, "/reference/xgboost_metrics.py", Map.of(
        "model", model("ref-bc-es").toString(),
        "channels", Map.of("train", trainFile.toString(), "validation", validationFile.toString()),
        "native", List.of("auc", "logloss"),
        "train", Map.of("csv", trainFile.toString(), "validation", validationFile.toString(), "params", nativeParams,
            "num_round", rounds, "early_stopping", Map.of("rounds", 4, "metric", "logloss", "maximize", false))));
    JsonNode nativeRun = ref.get("native");
    int best = nativeRun.get("best_iteration").asInt();
    assertThat(best + 1).as("native stops early here").isLessThan(rounds - 4);
    // the same best round; the model keeps the rounds up to it (history: the rounds trained)
    assertThat(ref.get("rounds").asInt()).isEqualTo(nativeRun.get("rounds").asInt()).isEqualTo(best + 1);
    assertThat(record.kiln().roundsCompleted()).isEqualTo(best + 1);
    assertThat(record.kiln().metricHistory()).hasSize(best + 1 + 4);
    float[] kilnPredictions = predict(Files.readAllBytes(model("ref-bc-es")), validation);
    assertThat(maxGap(kilnPredictions, nativeRun.get("predictions"))).isLessThanOrEqualTo(1e-6);
    // final metrics: the best round's, equal to native XGBoost's on its saved model and to the history's
    assertSameFinalMetrics(record, nativeRun.get("metrics"), 1e-6);
    assertThat(finalMetric(record, "validation:logloss")).isCloseTo(
        record.kiln().metricHistory().get(best).metrics().get("validation:logloss"), within(1e-9));
    String log = TrainingJobRunner.on(spark).store().readLog("ref-bc-es").orElseThrow();
    // newcomer item 10: one numbering, XGBoost's 0-based iterations as in the evaluation lines ("[12]")
    assertThat(log).contains("Early stopping on validation:logloss (minimize): best ", " at iteration " + best
        + ", no better for 4 round(s) by iteration " + (best + 4) + "; " + (best + 5) + " round(s) ran (iterations 0 to "
        + (best + 4) + "), the model keeps the first " + (best + 1) + " (iterations 0 to " + best + ": " + (best + 1)
        + " tree(s)), best_iteration " + best, "[" + best + "]\t", "Training ended (stopped early); the model holds "
        + (best + 1) + " round(s)");
  }

  @Test
  void regressionMetricsAreNativeXGBoostsAndTheContainersOnTheWholeChannel() throws Exception {
    // the regression family: XGBoost's own metrics, and the container's (rmse, mae, mse, r2: scikit-learn
    // of the margin, which reg:squarederror makes the prediction)
    Map<String, String> params = new LinkedHashMap<>();
    params.put("objective", "reg:squarederror");
    params.put("max_depth", "3");
    params.put("eta", "0.2");
    params.put("eval_metric", "mape,mphe,rmsle,rmse,mae,mse,r2");
    JobRecord record = train("ref-diabetes", params, 15, csvChannel("train", "s3://kiln-ref/diabetes/train/") + ", "
        + csvChannel("validation", "s3://kiln-ref/diabetes/validation/"));
    JsonNode ref = ReferencePython.call(XGBoostReferenceTest.class, "/reference/xgboost_metrics.py", Map.of(
        "model", model("ref-diabetes").toString(),
        "channels", Map.of("train", local("train.csv", diabetesTrain).toString(), "validation",
            local("validation.csv", diabetesValidation).toString()),
        "native", List.of("mape", "mphe", "rmsle"), "container", List.of("rmse", "mae", "mse", "r2")));
    ref.get("metrics").fields().forEachRemaining(e -> assertThat(finalMetric(record, e.getKey())).as(e.getKey())
        .isCloseTo(e.getValue().asDouble(), within(1e-6 * Math.max(1, Math.abs(e.getValue().asDouble())))));
    assertThat(record.finalMetricDataList()).hasSize(14);
  }

  @Test
  void earlyStoppingWithoutAValidationChannelOrAMetricTrainsEveryRoundAndSaysWhy() {
    // issue 9: on a 10-row file Kiln stopped after 4 of 50 rounds on the training metric
    Map<String, String> params = new LinkedHashMap<>();
    params.put("objective", "binary:logistic");
    params.put("eval_metric", "logloss");
    params.put("early_stopping_rounds", "3");
    JobRecord alone = train("ref-es-no-validation", params, 50, csvChannel("train", "s3://kiln-ref/ten/"));
    assertThat(alone.kiln().roundsCompleted()).isEqualTo(50);
    assertThat(alone.kiln().metricHistory()).hasSize(50);
    assertThat(TrainingJobRunner.on(spark).store().readLog("ref-es-no-validation").orElseThrow()).contains(
        "early_stopping_rounds=3 needs a validation channel to watch; this job has none, so it trains all 50 rounds "
            + "(as SageMaker's XGBoost container does). Add a validation channel to stop early");
    // with a validation channel but no eval_metric: the container has no metric to watch either
    params.remove("eval_metric");
    JobRecord noMetric = train("ref-es-no-metric", params, 50, csvChannel("train", "s3://kiln-ref/ten/") + ", "
        + csvChannel("validation", "s3://kiln-ref/ten/"));
    assertThat(noMetric.kiln().roundsCompleted()).isEqualTo(50);
    assertThat(TrainingJobRunner.on(spark).store().readLog("ref-es-no-metric").orElseThrow()).contains(
        "early_stopping_rounds=3 needs eval_metric (or a tuning objective) to watch; none is set, so the job trains "
            + "all 50 rounds");
  }

  /**
   * Metrics whose rows are skipped, each saying why: none now. (f1 was, until Kiln's f1 became the
   * container's macro-F1; the page docs/sagemaker-compatibility.md says the suite compares it.)
   */
  static final Map<String, String> PENDING = Map.of();

  /**
   * Why a row's metric is not compared yet, or null. Besides {@link #PENDING}: two ranking metrics
   * whose XGBoost 3.1 definition (Kiln's xgboost4j) differs from 1.7's on the same model and data,
   * which is kind 3's to settle (a metric Kiln reports must be native's).
   */
  static String pending(ReferenceSuite.Family family, ReferenceSuite.Format format, String metric) {
    if (PENDING.containsKey(metric)) {
      return PENDING.get(metric);
    }
    if (family.qids() != null && metric.startsWith("map@")) {
      return "1.7's map@n divides by every relevant document of the query, 3.1's by those in the top n; kind 3";
    }
    if (family.qids() != null && format != ReferenceSuite.Format.LIBSVM && (metric.equals("ndcg")
        || metric.startsWith("map"))) {
      return "on one query of hundreds of rows 3.1's ndcg and map differ from 1.7's (train ndcg 1.0 vs 0.971); kind 3";
    }
    return null;
  }
  /**
   * Metrics compared with a looser tolerance: none. Kiln's final auc and aucpr are the whole
   * channel's (the workers' pooled margins), so they are native XGBoost's on one machine to 1e-6.
   */
  static final java.util.Set<String> DISTRIBUTED_APPROXIMATE = java.util.Set.of();

  /**
   * Issue 9's reference suite: for each objective family (binary, multiclass, regression, ranking)
   * and content type (CSV, LIBSVM, Parquet), one 2-worker job on the shared data evaluating every
   * metric of the family at once. Native XGBoost 1.7.4 trains with the booster parameters Kiln used
   * (Kiln's tree_method=auto is hist: a documented difference) on the same files, container-only
   * metrics come from scikit-learn on native's predictions, and every final metric must agree to
   * 1e-6 (relative above 1), as must the predictions of the saved model, loaded by both. Ranking
   * compares against native evaluating Kiln's model: XGBoost 2.0 rewrote learning to rank, so 1.7's
   * rank:pairwise trains other trees.
   */
  @TestFactory
  java.util.stream.Stream<DynamicTest> referenceSuiteEveryFamilyAndContentType() throws Exception {
    Path dir = Files.createTempDirectory("kiln-ref-suite-");
    TrainingJobRunner runner = TrainingJobRunner.on(spark);
    List<Map<String, Object>> requests = new ArrayList<>();
    Map<String, Object[]> runs = new LinkedHashMap<>();
    long start = System.nanoTime();
    for (ReferenceSuite.Family family : ReferenceSuite.families()) {
      for (ReferenceSuite.Format format : ReferenceSuite.Format.values()) {
        String name = "suite-" + family.name() + "-" + format.extension;
        String prefix = "kiln-ref/suite/" + family.name() + "/" + format.extension + "/";
        Path train = ReferenceSuite.write(hadoop, family, format, false, "s3a://" + prefix + "train/", dir);
        Path validation = ReferenceSuite.write(hadoop, family, format, true, "s3a://" + prefix + "validation/", dir);
        Map<String, String> hyperparameters = new LinkedHashMap<>(family.hyperparameters());
        hyperparameters.remove("num_round");
        String spec = """
            {"name": "%s", "algorithm": "xgboost", "hyperparameters": %s,
             "channels": [{"name": "train", "uri": "s3://%strain/", "contentType": "%s"},
                          {"name": "validation", "uri": "s3://%svalidation/", "contentType": "%s"}],
             "outputPath": "s3://kiln-ref/suite-out/", "resources": {"workers": %d}}
            """.formatted(name, json(hyperparameters, ReferenceSuite.ROUNDS), prefix, format.mime, prefix, format.mime,
            workers(family, format));
        if (family.qids() != null && format == ReferenceSuite.Format.LIBSVM) {
          // the row must exercise a query group cut at the two workers' byte boundary (joined by Kiln)
          assertThat(ReferenceSuite.cutsAGroupInHalves(train)).as("train's middle falls inside a query").isTrue();
        }
        JobResult result = runner.run(SpecReader.readTrainingJob(spec, "inline"));
        runs.put(name, new Object[] {family, format, result});
        if (result.status() != TrainingJobStatus.Completed) {
          continue;
        }
        Map<String, byte[]> files = S3Files.untar(S3Files.read(hadoop,
            "s3a://kiln-ref/suite-out/" + name + "/output/model.tar.gz"));
        Path model = dir.resolve(name + ".xgboost-model");
        Files.write(model, files.get("xgboost-model"));
        // the booster parameters Kiln trained with, as its worker passes them to XGBoost
        XGBoostHyperparameters hp = XGBoostHyperparameters.parse(family.hyperparameters());
        Map<String, Object> params = new LinkedHashMap<>(hp.boosterParams());
        params.put("nthread", 2);
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("name", name);
        request.put("format", format.extension);
        request.put("train", train.toString());
        request.put("validation", validation.toString());
        request.put("params", params);
        request.put("eval_metric", hp.nativeMetrics());
        request.put("computed", hp.computedMetrics());
        request.put("num_round", ReferenceSuite.ROUNDS);
        request.put("model", model.toString());
        request.put("train_native", !family.name().equals("ranking"));
        requests.add(request);
      }
    }
    System.out.printf("XGBoost reference suite: %d Kiln jobs in %.1f s%n", runs.size(),
        (System.nanoTime() - start) / 1e9);
    JsonNode reference = ReferencePython.call(XGBoostReferenceTest.class, "/reference/xgboost_suite.py",
        Map.of("jobs", requests));
    return runs.entrySet().stream().map(e -> DynamicTest.dynamicTest(
        ((ReferenceSuite.Family) e.getValue()[0]).name() + " x " + ((ReferenceSuite.Format) e.getValue()[1]).mime,
        () -> checkSuiteJob(runner, e.getKey(), (ReferenceSuite.Family) e.getValue()[0],
            (ReferenceSuite.Format) e.getValue()[1], (JobResult) e.getValue()[2], reference.get("jobs").get(e.getKey()))));
  }

  /**
   * Two workers, but one for ranking rows without qids: their single query cannot be cut in two
   * (on two workers each worker's rows are a query, as each instance's are on SageMaker).
   */
  static int workers(ReferenceSuite.Family family, ReferenceSuite.Format format) {
    return family.qids() == null || format == ReferenceSuite.Format.LIBSVM ? 2 : 1;
  }

  private static void checkSuiteJob(TrainingJobRunner runner, String name, ReferenceSuite.Family family,
      ReferenceSuite.Format format, JobResult result, JsonNode reference) throws Exception {
    assertThat(result.failureReason()).as(name).isNull();
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Completed);
    JobRecord record = runner.store().load(name).orElseThrow();
    boolean ranking = family.name().equals("ranking");
    JsonNode expected = ranking ? reference.get("loaded") : reference.get("native");
    List<String> skipped = new ArrayList<>();
    org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
    for (String set : List.of("train", "validation")) {
      for (String metric : family.metrics()) {
        String key = set + ":" + metric;
        String why = pending(family, format, metric);
        if (why != null) {
          skipped.add(key + " (" + why + ")");
          continue;
        }
        double kiln = finalMetric(record, key);
        soft.assertThat(expected.has(key)).as("the reference has %s", key).isTrue();
        double want = expected.path(key).asDouble();
        double loaded = reference.get("loaded").path(key).asDouble();
        double tolerance = DISTRIBUTED_APPROXIMATE.contains(metric) ? 5e-3 : 1e-6 * Math.max(1, Math.abs(want));
        soft.assertThat(kiln).as("%s %s: Kiln %s, reference %s", name, key, kiln, want).isCloseTo(want,
            within(tolerance));
        // the same model evaluated by native XGBoost: the metric's definition, whoever trained
        soft.assertThat(kiln).as("%s %s on Kiln's model: Kiln %s, native %s", name, key, kiln, loaded)
            .isCloseTo(loaded, within(tolerance));
      }
    }
    byte[] model = S3Files.untar(S3Files.read(hadoop, "s3a://kiln-ref/suite-out/" + name + "/output/model.tar.gz"))
        .get("xgboost-model");
    float[] kilnPredictions = predictAll(model, family.rows(true));
    soft.assertThat(maxRelativeGap(kilnPredictions, reference.get("loaded_predictions"))).as(name + " vs loaded")
        .isLessThanOrEqualTo(1e-6);
    if (!ranking) {
      soft.assertThat(maxRelativeGap(kilnPredictions, reference.get("native_predictions"))).as(name + " vs native")
          .isLessThanOrEqualTo(1e-6);
    }
    if (!skipped.isEmpty()) {
      System.out.println("XGBoost reference suite " + name + ": not compared yet: " + skipped);
    }
    soft.assertAll();
  }

  /** Every output of every row (several per row for multi:softprob), row by row. */
  static float[] predictAll(byte[] model, List<String> rows) throws Exception {
    int cols = rows.get(0).split(",").length - 1;
    float[] data = new float[rows.size() * cols];
    for (int i = 0; i < rows.size(); i++) {
      String[] cells = rows.get(i).split(",");
      for (int j = 0; j < cols; j++) {
        data[i * cols + j] = Float.parseFloat(cells[j + 1]);
      }
    }
    Booster booster = XGBoost.loadModel(model);
    DMatrix m = new DMatrix(data, rows.size(), cols, Float.NaN);
    float[][] p = booster.predict(m);
    float[] out = new float[p.length * p[0].length];
    for (int i = 0; i < p.length; i++) {
      System.arraycopy(p[i], 0, out, i * p[i].length, p[i].length);
    }
    m.dispose();
    booster.dispose();
    return out;
  }

  static double maxRelativeGap(float[] ours, JsonNode theirs) {
    assertThat(theirs.size()).isEqualTo(ours.length);
    double gap = 0;
    for (int i = 0; i < ours.length; i++) {
      double t = theirs.get(i).asDouble();
      gap = Math.max(gap, Math.abs(ours[i] - t) / Math.max(1, Math.abs(t)));
    }
    return gap;
  }

  static double finalMetric(JobRecord record, String name) {
    return record.finalMetricDataList().stream().filter(m -> m.metricName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no final metric " + name)).value();
  }

  static String json(Map<String, String> params, int rounds) {
    StringBuilder b = new StringBuilder("{\"num_round\": \"" + rounds + "\"");
    params.forEach((k, v) -> b.append(", \"").append(k).append("\": \"").append(v).append('"'));
    return b.append('}').toString();
  }

  static float[] predict(byte[] model, List<String> rows) throws Exception {
    int cols = rows.get(0).split(",").length - 1;
    float[] data = new float[rows.size() * cols];
    for (int i = 0; i < rows.size(); i++) {
      String[] cells = rows.get(i).split(",");
      for (int j = 0; j < cols; j++) {
        data[i * cols + j] = Float.parseFloat(cells[j + 1]);
      }
    }
    Booster booster = XGBoost.loadModel(model);
    DMatrix m = new DMatrix(data, rows.size(), cols, Float.NaN);
    float[][] p = booster.predict(m);
    float[] out = new float[rows.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = p[i][0];
    }
    m.dispose();
    booster.dispose();
    return out;
  }

  static double maxGap(float[] ours, JsonNode theirs) {
    assertThat(theirs.size()).isEqualTo(ours.length);
    double gap = 0;
    for (int i = 0; i < ours.length; i++) {
      gap = Math.max(gap, Math.abs(ours[i] - theirs.get(i).asDouble()));
    }
    return gap;
  }
}
