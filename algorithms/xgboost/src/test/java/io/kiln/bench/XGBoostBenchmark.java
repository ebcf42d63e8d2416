package io.kiln.bench;

import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.JobBuilder;
import io.kiln.testing.S3Files;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassificationModel;
import ml.dmlc.xgboost4j.scala.spark.XGBoostClassifier;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * scripts/bench-xgboost: Kiln's XGBoost job against the stock XGBoost4J-Spark estimator (same
 * SparkSession, same data, same parameters) on a generated binary task; prints wall times, what
 * each includes, and AUC on held-out rows. The native-XGBoost side runs in Python (see the script).
 *
 * <p>Arguments: work directory, rows, features, rounds, workers.
 */
public final class XGBoostBenchmark {
  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    int rows = Integer.parseInt(args[1]);
    int features = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    int workers = Integer.parseInt(args[4]);
    int reps = args.length > 5 ? Integer.parseInt(args[5]) : 1;
    Files.createDirectories(work);
    Path train = work.resolve("train/part-0.csv");
    Path test = work.resolve("test.csv");
    if (!Files.exists(train)) {
      generate(train, rows, features, 1);
      generate(test, Math.max(10_000, rows / 5), features, 2);
    }
    SparkSession spark = SparkSession.builder().master("local[" + workers + "]").appName("bench-xgboost")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", String.valueOf(workers))
        .config("spark.kiln.job-root", work.resolve("jobs").toUri().toString())
        .config("spark.kiln.heartbeat.interval-seconds", "10")
        .getOrCreate();
    float[][] testData = read(test, features);
    List<String> report = new ArrayList<>();

    // Kiln: reading the CSV, parsing straight into each worker's DMatrix, 100 rounds with per-round
    // metrics relayed to the driver, writing model.tar.gz
    List<Double> kilnTimes = new ArrayList<>();
    JobResult result = null;
    for (int rep = 0; rep < reps; rep++) {
      String name = "bench-" + System.currentTimeMillis();
      long t0 = System.nanoTime();
      result = TrainingJobRunner.on(spark).run(JobBuilder.named(name).algorithm("xgboost")
          .hyperparameters(Map.of("num_round", rounds, "objective", "binary:logistic", "max_depth", 6,
              "tree_method", "hist", "eta", 0.3, "eval_metric", "logloss"))
          .channel("train", work.resolve("train").toUri() + "/", "text/csv")
          .outputPath(work.resolve("out").toUri().toString()).workers(workers).build());
      kilnTimes.add((System.nanoTime() - t0) / 1e9);
      if (result.exitCode() != 0) {
        throw new IllegalStateException("Kiln job failed: " + result.failureReason());
      }
    }
    double kilnSeconds = SpotBenchmark.median(kilnTimes);
    byte[] model = S3Files.untar(S3Files.read(spark.sparkContext().hadoopConfiguration(),
        result.modelArtifacts())).get("xgboost-model");
    double kilnAuc = auc(testData, predict(XGBoost.loadModel(model), testData));
    report.add(String.format(Locale.ROOT, "kiln      total %.2f s (median of %s)  auc %.5f  (job wall: CSV read+parse,"
        + " DMatrix, %d rounds with per-round metrics to the driver, model.tar.gz written)", kilnSeconds, rounded(kilnTimes),
        kilnAuc, rounds));

    // The stock estimator: Spark reads the CSV, VectorAssembler, fit (rows to DMatrix, tracker, training)
    List<StructField> fields = new ArrayList<>();
    fields.add(DataTypes.createStructField("label", DataTypes.DoubleType, false));
    String[] names = new String[features];
    for (int j = 0; j < features; j++) {
      names[j] = "f" + j;
      fields.add(DataTypes.createStructField(names[j], DataTypes.DoubleType, true));
    }
    List<Double> stockTimes = new ArrayList<>();
    XGBoostClassificationModel stock = null;
    for (int rep = 0; rep < reps; rep++) {
      long s0 = System.nanoTime();
      Dataset<Row> df = spark.read().schema(new StructType(fields.toArray(StructField[]::new)))
          .csv(work.resolve("train").toString());
      Dataset<Row> assembled = new VectorAssembler().setInputCols(names).setOutputCol("features")
          .setHandleInvalid("keep").transform(df).select("label", "features");
      XGBoostClassifier clf = new XGBoostClassifier();
      clf.setNumRound(rounds);
      clf.setNumWorkers(workers);
      clf.setMaxDepth(6);
      clf.setTreeMethod("hist");
      clf.setEta(0.3);
      clf.setNthread(1);
      clf.setEvalMetric("logloss");
      clf.setObjective("binary:logistic");
      clf.setLabelCol("label");
      clf.setFeaturesCol("features");
      stock = clf.fit(assembled);
      stockTimes.add((System.nanoTime() - s0) / 1e9);
    }
    double stockSeconds = SpotBenchmark.median(stockTimes);
    Booster stockBooster = XGBoost.loadModel(stock.nativeBooster().toByteArray("json"));
    double stockAuc = auc(testData, predict(stockBooster, testData));
    report.add(String.format(Locale.ROOT, "stock     total %.2f s (median of %s)  auc %.5f  (spark.read.csv + "
        + "VectorAssembler + XGBoostClassifier.fit: rows to DMatrix, tracker, %d rounds evaluating train)", stockSeconds,
        rounded(stockTimes), stockAuc, rounds));
    spark.stop();
    for (String line : report) {
      System.out.println(line);
    }
    System.out.printf(Locale.ROOT, "RESULT kiln_seconds=%.3f kiln_auc=%.5f stock_seconds=%.3f stock_auc=%.5f%n",
        kilnSeconds, kilnAuc, stockSeconds, stockAuc);
    System.out.flush();
    // Spark's barrier-task timer thread is not a daemon in local mode and would keep the JVM up
    System.exit(0);
  }

  static List<Double> rounded(List<Double> v) {
    return v.stream().map(x -> Math.round(x * 100) / 100.0).toList();
  }

  /** A binary task with interactions and noise, features N(0,1) at 6 significant digits, label first. */
  static void generate(Path file, int rows, int features, long seed) throws IOException {
    Files.createDirectories(file.getParent());
    Random r = new Random(seed);
    double[] w = new double[features];
    Random wr = new Random(42);
    for (int j = 0; j < features; j++) {
      w[j] = wr.nextGaussian();
    }
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
      StringBuilder b = new StringBuilder();
      double[] x = new double[features];
      for (int i = 0; i < rows; i++) {
        double z = 0;
        for (int j = 0; j < features; j++) {
          x[j] = r.nextGaussian();
          z += w[j] * x[j];
        }
        z += 1.5 * x[0] * x[1] - Math.abs(x[2]) + Math.sin(2 * x[3]) + 0.8 * r.nextGaussian();
        b.setLength(0);
        b.append(z > 0 ? '1' : '0');
        for (int j = 0; j < features; j++) {
          b.append(',').append(String.format(Locale.ROOT, "%.6g", x[j]));
        }
        out.write(b.append('\n').toString());
      }
    }
  }

  static float[][] read(Path file, int features) throws IOException {
    List<String> lines = Files.readAllLines(file);
    float[][] out = new float[lines.size()][];
    for (int i = 0; i < lines.size(); i++) {
      String[] c = lines.get(i).split(",");
      float[] row = new float[features + 1];
      for (int j = 0; j <= features; j++) {
        row[j] = Float.parseFloat(c[j]);
      }
      out[i] = row;
    }
    return out;
  }

  static float[] predict(Booster booster, float[][] rows) throws Exception {
    int f = rows[0].length - 1;
    float[] data = new float[rows.length * f];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 1, data, i * f, f);
    }
    DMatrix m = new DMatrix(data, rows.length, f, Float.NaN);
    float[][] p = booster.predict(m);
    float[] out = new float[rows.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = p[i][0];
    }
    return out;
  }

  /** ROC AUC with ties counted half (the Mann-Whitney statistic). */
  static double auc(float[][] rows, float[] p) {
    Integer[] idx = new Integer[p.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> Float.compare(p[a], p[b]));
    double rankSumPos = 0;
    long pos = 0;
    int i = 0;
    while (i < idx.length) {
      int j = i;
      while (j + 1 < idx.length && p[idx[j + 1]] == p[idx[i]]) {
        j++;
      }
      double rank = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        if (rows[idx[k]][0] == 1f) {
          rankSumPos += rank;
          pos++;
        }
      }
      i = j + 1;
    }
    long neg = p.length - pos;
    return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
  }
}
