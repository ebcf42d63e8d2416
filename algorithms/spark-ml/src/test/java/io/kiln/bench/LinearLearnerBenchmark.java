package io.kiln.bench;

import io.kiln.algorithms.linear.LinearLearnerModel;
import io.kiln.algorithms.linear.LinearMetrics;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * scripts/bench-linear: Kiln's Linear Learner job (its barrier worker loop) against Spark MLlib's
 * LogisticRegression (L-BFGS, driver-side loop of Spark jobs) on the same SparkSession and the same
 * generated binary task; prints wall times, what each includes, and AUC and accuracy on held-out
 * rows.
 *
 * <p>Arguments: work directory, rows, features, epochs, workers.
 */
public final class LinearLearnerBenchmark {
  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    int rows = Integer.parseInt(args[1]);
    int features = Integer.parseInt(args[2]);
    int epochs = Integer.parseInt(args[3]);
    int workers = Integer.parseInt(args[4]);
    Files.createDirectories(work);
    Path train = work.resolve("train/part-0.csv");
    Path test = work.resolve("test.csv");
    if (!Files.exists(train)) {
      generate(train, rows, features, 1);
      generate(test, Math.max(10_000, rows / 5), features, 2);
    }
    SparkSession spark = Bench.spark(work, workers, "bench-linear");
    List<String> testLines = Files.readAllLines(test);
    float[][] x = new float[testLines.size()][features];
    double[] y = new double[testLines.size()];
    for (int i = 0; i < testLines.size(); i++) {
      String[] c = testLines.get(i).split(",");
      y[i] = Double.parseDouble(c[0]);
      for (int j = 0; j < features; j++) {
        x[i][j] = Float.parseFloat(c[j + 1]);
      }
    }
    List<String> report = new ArrayList<>();
    for (String numModels : List.of("1", "8")) {
      for (String batch : List.of("1000", "100")) {
        Map<String, Object> hp = new LinkedHashMap<>();
        hp.put("predictor_type", "binary_classifier");
        hp.put("epochs", epochs);
        hp.put("mini_batch_size", batch);
        hp.put("num_models", numModels);
        Bench.KilnRun run = Bench.kiln(spark, work, "linear-learner", hp, Map.of("train",
            new String[] {Bench.prefix(work.resolve("train")), "text/csv"}), workers);
        double seconds = run.seconds();
        LinearLearnerModel model = LinearLearnerModel.read(run.files().get(LinearLearnerModel.FILE));
        double[] scores = new double[x.length];
        long right = 0;
        List<Map<String, Object>> p = model.predict(x);
        for (int i = 0; i < x.length; i++) {
          scores[i] = (Double) p.get(i).get("score");
          right += ((Integer) p.get(i).get("predicted_label")) == (int) y[i] ? 1 : 0;
        }
        report.add(String.format(Locale.ROOT, "kiln   num_models=%s mini_batch_size=%s epochs=%d: %.2f s  auc %.5f "
            + "accuracy %.5f  (job wall: CSV read, %d epochs with an all-reduce per step and metrics per epoch, model "
            + "selection, model.tar.gz)", numModels, batch, epochs, seconds, LinearMetrics.auc(scores, y),
            (double) right / x.length, epochs));
      }
    }
    List<StructField> fields = new ArrayList<>();
    fields.add(DataTypes.createStructField("label", DataTypes.DoubleType, false));
    String[] names = new String[features];
    for (int j = 0; j < features; j++) {
      names[j] = "f" + j;
      fields.add(DataTypes.createStructField(names[j], DataTypes.DoubleType, true));
    }
    for (int maxIter : List.of(20, 100)) {
      long s0 = System.nanoTime();
      Dataset<Row> df = spark.read().schema(new StructType(fields.toArray(StructField[]::new)))
          .csv(work.resolve("train").toString());
      Dataset<Row> assembled = new VectorAssembler().setInputCols(names).setOutputCol("features")
          .transform(df).select("label", "features").repartition(workers).cache();
      LogisticRegressionModel lr = new LogisticRegression().setMaxIter(maxIter).setRegParam(0).fit(assembled);
      double seconds = (System.nanoTime() - s0) / 1e9;
      assembled.unpersist();
      Vector w = lr.coefficients();
      double[] scores = new double[x.length];
      long right = 0;
      for (int i = 0; i < x.length; i++) {
        double m = lr.intercept();
        for (int j = 0; j < features; j++) {
          m += w.apply(j) * x[i][j];
        }
        scores[i] = m;
        right += (m >= 0 ? 1 : 0) == (int) y[i] ? 1 : 0;
      }
      report.add(String.format(Locale.ROOT, "mllib  LogisticRegression maxIter=%d (ran %d): %.2f s  auc %.5f accuracy "
          + "%.5f  (spark.read.csv + VectorAssembler + cache + L-BFGS, a Spark job per iteration)", maxIter,
          lr.summary().totalIterations(), seconds, LinearMetrics.auc(scores, y), (double) right / x.length));
    }
    spark.stop();
    report.forEach(System.out::println);
    System.out.flush();
    System.exit(0);
  }

  /** A binary task, linear with noise, features N(0, j+1) at 6 significant digits, label first. */
  static void generate(Path file, int rows, int features, long seed) throws IOException {
    Files.createDirectories(file.getParent());
    Random r = new Random(seed);
    double[] w = new double[features];
    Random wr = new Random(42);
    for (int j = 0; j < features; j++) {
      w[j] = wr.nextGaussian() / (j + 1);
    }
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
      StringBuilder b = new StringBuilder();
      double[] v = new double[features];
      for (int i = 0; i < rows; i++) {
        double z = 0.3;
        for (int j = 0; j < features; j++) {
          v[j] = r.nextGaussian() * (j + 1);
          z += w[j] * v[j];
        }
        z += r.nextGaussian();
        b.setLength(0);
        b.append(z > 0 ? '1' : '0');
        for (int j = 0; j < features; j++) {
          b.append(',').append(String.format(Locale.ROOT, "%.6g", v[j]));
        }
        out.write(b.append('\n').toString());
      }
    }
  }
}
