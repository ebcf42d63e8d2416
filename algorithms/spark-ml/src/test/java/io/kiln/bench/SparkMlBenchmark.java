package io.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.algorithms.fm.FmModel;
import io.kiln.algorithms.kmeans.KMeansModel;
import io.kiln.algorithms.kmeans.Standardized;
import io.kiln.algorithms.knn.KnnModel;
import io.kiln.algorithms.linear.LinearLearnerModel;
import io.kiln.algorithms.linear.LinearMetrics;
import io.kiln.algorithms.pca.PcaModel;
import io.kiln.channel.RecordIoProtobuf;
import io.kiln.testing.ReferencePython;
import io.kiln.testing.SharedData;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.ml.classification.FMClassificationModel;
import org.apache.spark.ml.classification.FMClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.feature.PCA;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * scripts/bench-sparkml: the five issue-11 built-ins (Linear Learner, K-Means, PCA, Factorization
 * Machines, k-NN) against Spark MLlib's estimators on the same SparkSession and scikit-learn
 * (Debian's, {@code /usr/bin/python3}, resources/reference/bench/sklearn_bench.py) in the same run:
 * on generated data of {@code rows} training rows (fixed seeds, below) and on the real sets of
 * ../shared/data. Prints one Markdown table: wall seconds and quality of each, and the ratios.
 *
 * <p>What the times include: Kiln, the training job's wall (reading its local CSV / RecordIO
 * channel, training, model.tar.gz; k-NN also the distributed search of its test channel, the
 * queries); MLlib, spark.read of the same file, assembling, caching and fit; scikit-learn,
 * pandas.read_csv (or load_svmlight_file) and fit (k-NN: fit and predict of the queries), its fit
 * alone in brackets. Quality is measured outside the timed part, on the same held-out rows.
 *
 * <p>Generated data (all {@link Random}-seeded, written once under the work directory): Linear
 * Learner, {@link LinearLearnerBenchmark#generate} (20 features, seed 1, test rows rows/10 seed 2);
 * K-Means, {@link #blobs} 10 features around 10 centers (seed 11); PCA, {@link #lowRank} 20 features
 * of rank 8 plus noise (seed 12); Factorization Machines, {@link FactorizationMachinesBenchmark#task}
 * (3 one-hot fields of 200 levels, seed 42); k-NN, {@link #blobs} 10 features, 10 labelled centers
 * (centers seed 13, rows seed 13) and {@code queries} test rows (the same centers, rows seed 14).
 *
 * <p>Arguments: work directory, rows, k-NN queries, workers, and optionally a comma-separated subset
 * of {@code linear,kmeans,pca,fm,knn}.
 */
public final class SparkMlBenchmark {
  private static final int RECALL_QUERIES = 500;
  private final Path work;
  private final int rows;
  private final int queries;
  private final int workers;
  private final SparkSession spark;
  private final List<Result> table = new ArrayList<>();

  private SparkMlBenchmark(Path work, int rows, int queries, int workers) {
    this.work = work;
    this.rows = rows;
    this.queries = queries;
    this.workers = workers;
    this.spark = Bench.spark(work, workers, "bench-sparkml");
  }

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    Set<String> only = Set.of((args.length > 4 ? args[4] : "linear,kmeans,pca,fm,knn").split(","));
    SparkMlBenchmark b = new SparkMlBenchmark(work, Integer.parseInt(args[1]), Integer.parseInt(args[2]),
        Integer.parseInt(args[3]));
    long t0 = System.nanoTime();
    if (only.contains("linear")) {
      b.linear();
    }
    if (only.contains("kmeans")) {
      b.kmeans();
    }
    if (only.contains("pca")) {
      b.pca();
    }
    if (only.contains("fm")) {
      b.fm();
    }
    if (only.contains("knn")) {
      b.knn();
    }
    b.spark.stop();
    System.out.println();
    System.out.println("| algorithm | data | quality | Kiln s | MLlib s | scikit-learn s (fit) | Kiln | MLlib | "
        + "scikit-learn | time Kiln/MLlib | time Kiln/sklearn | Kiln - MLlib | Kiln - sklearn |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    b.table.forEach(r -> System.out.println(r.markdown()));
    System.out.printf(Locale.ROOT, "%nwhole run %.0f s%n", Bench.since(t0));
    System.out.flush();
    System.exit(0);
  }

  /**
   * One line of the table. Qualities are arrays of the metrics {@code quality} names, "/"-separated;
   * NaN where that side did not run (no peer).
   */
  record Result(String algorithm, String data, String quality, double kilnS, double mllibS, double sklearnS,
      double sklearnFitS, double[] kiln, double[] mllib, double[] sklearn) {
    String markdown() {
      return String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s | %s | %s |",
          algorithm, data, quality, num(kilnS, "%.1f"), num(mllibS, "%.1f"), num(sklearnS, "%.1f"),
          num(sklearnFitS, "%.1f"), q(kiln, null), q(mllib, null), q(sklearn, null), num(kilnS / mllibS, "%.2f"),
          num(kilnS / sklearnS, "%.2f"), q(kiln, mllib), q(kiln, sklearn));
    }

    private static String num(double v, String format) {
      return Double.isNaN(v) || Double.isInfinite(v) ? "n/a" : String.format(Locale.ROOT, format, v);
    }

    /** The values, or their differences with {@code minus} (a sign always shown). */
    private static String q(double[] v, double[] minus) {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < v.length; i++) {
        if (minus == null) {
          out.add(num(v[i], Math.abs(v[i]) >= 100 ? "%.6g" : v[i] != 0 && Math.abs(v[i]) < 1e-3 ? "%.1e" : "%.4f"));
        } else {
          double d = v[i] - minus[i];
          out.add(Double.isNaN(d) ? "n/a" : Math.abs(v[i]) >= 100
              ? String.format(Locale.ROOT, "%+.3f %%", 100 * d / minus[i])
              : String.format(Locale.ROOT, d != 0 && Math.abs(d) < 1e-3 ? "%+.1e" : "%+.4f", d));
        }
      }
      return String.join(" / ", out);
    }
  }

  private static double[] nan(int n) {
    double[] v = new double[n];
    java.util.Arrays.fill(v, Double.NaN);
    return v;
  }

  private void add(Result r) {
    table.add(r);
    System.out.println(r.markdown());
    System.out.flush();
  }

  private JsonNode sklearn(Map<String, Object> task) {
    return ReferencePython.call(SparkMlBenchmark.class, "/reference/bench/sklearn_bench.py",
        Map.of("tasks", List.of(task))).get(0);
  }

  private static double skSeconds(JsonNode r) {
    return r.get("read_s").asDouble() + r.get("fit_s").asDouble();
  }

  // ---------------------------------------------------------------- Linear Learner

  private void linear() throws IOException {
    int d = 20;
    Path dir = work.resolve("linear-" + rows);
    Path train = dir.resolve("train/part-0.csv");
    Path test = dir.resolve("test/part-0.csv");
    if (!Files.exists(test)) {
      LinearLearnerBenchmark.generate(train, rows, d, 1);
      LinearLearnerBenchmark.generate(test, Math.max(1000, rows / 10), d, 2);
    }
    binary("generated " + rows + " x " + d, dir, d, Map.of("predictor_type", "binary_classifier", "feature_dim", d,
        "epochs", 10, "mini_batch_size", 1000, "num_models", 1), false);
    Split bc = Split.of(SharedData.breastCancer(), false);
    binary("breast_cancer 455/114", bc.write(work.resolve("real/breast_cancer")), 30, Map.of("predictor_type",
        "binary_classifier", "mini_batch_size", "32", "epochs", "30"), false);
    Path diabetes = Split.of(SharedData.diabetes(), false).write(work.resolve("real/diabetes"));
    Bench.KilnRun k = Bench.kiln(spark, diabetes, "linear-learner", Map.of("predictor_type", "regressor",
        "mini_batch_size", "32", "epochs", "40"), channels(diabetes, "text/csv", true), workers);
    List<String> testLines = Files.readAllLines(diabetes.resolve("test/part-0.csv"));
    float[][] x = Bench.features(testLines);
    double[] y = Bench.labels(testLines);
    LinearLearnerModel model = LinearLearnerModel.read(k.files().get(LinearLearnerModel.FILE));
    double se = 0;
    List<Map<String, Object>> p = model.predict(x);
    for (int i = 0; i < x.length; i++) {
      double e = (Double) p.get(i).get("score") - y[i];
      se += e * e;
    }
    long s0 = System.nanoTime();
    Dataset<Row> df = Bench.csv(spark, diabetes.resolve("train"), 10, true, workers);
    LinearRegressionModel lr = new LinearRegression().setMaxIter(100).fit(df);
    double mllibS = Bench.since(s0);
    df.unpersist();
    double mse = 0;
    for (int i = 0; i < x.length; i++) {
      double e = lr.predict(org.apache.spark.ml.linalg.Vectors.dense(toDouble(x[i]))) - y[i];
      mse += e * e;
    }
    JsonNode sk = sklearn(Map.of("op", "ridge", "train", diabetes.resolve("train/part-0.csv").toString(), "test",
        diabetes.resolve("test/part-0.csv").toString()));
    add(new Result("Linear Learner (regressor; MLlib LinearRegression, sklearn Ridge)", "diabetes 354/88", "RMSE",
        k.seconds(), mllibS, skSeconds(sk), sk.get("fit_s").asDouble(), new double[] {Math.sqrt(se / x.length)},
        new double[] {Math.sqrt(mse / x.length)}, new double[] {sk.get("rmse").asDouble()}));
  }

  /** Linear Learner (or FM when {@code fm}) binary classifier vs LogisticRegression on dir/train, dir/test. */
  private void binary(String data, Path dir, int d, Map<String, Object> hp, boolean fm) throws IOException {
    Bench.KilnRun k = Bench.kiln(spark, dir, fm ? "factorization-machines" : "linear-learner", hp,
        channels(dir, "text/csv", false), workers);
    List<String> testLines = Files.readAllLines(dir.resolve("test/part-0.csv"));
    float[][] x = Bench.features(testLines);
    double[] y = Bench.labels(testLines);
    double[] kilnScores = new double[x.length];
    if (fm) {
      FmModel m = FmModel.read(k.files().get(FmModel.FILE));
      for (int i = 0; i < x.length; i++) {
        kilnScores[i] = m.output(x[i]);
      }
    } else {
      LinearLearnerModel m = LinearLearnerModel.read(k.files().get(LinearLearnerModel.FILE));
      List<Map<String, Object>> p = m.predict(x);
      for (int i = 0; i < x.length; i++) {
        kilnScores[i] = (Double) p.get(i).get("score") - 0.5;
      }
    }
    long s0 = System.nanoTime();
    Dataset<Row> df = Bench.csv(spark, dir.resolve("train"), d, true, workers);
    double[] mllibScores = new double[x.length];
    if (fm) {
      FMClassificationModel m = fmClassifier(hp).fit(df);
      for (int i = 0; i < x.length; i++) {
        mllibScores[i] = m.predictRaw(org.apache.spark.ml.linalg.Vectors.dense(toDouble(x[i]))).apply(1);
      }
    } else {
      LogisticRegressionModel lr = new LogisticRegression().setMaxIter(100).setRegParam(0).fit(df);
      for (int i = 0; i < x.length; i++) {
        mllibScores[i] = lr.predictRaw(org.apache.spark.ml.linalg.Vectors.dense(toDouble(x[i]))).apply(1);
      }
    }
    double mllibS = Bench.since(s0);
    df.unpersist();
    JsonNode sk = sklearn(Map.of("op", "logistic", "train", dir.resolve("train/part-0.csv").toString(), "test",
        dir.resolve("test/part-0.csv").toString()));
    add(new Result(fm ? "Factorization Machines (MLlib FMClassifier; sklearn LogisticRegression: no FM)"
        : "Linear Learner (binary; MLlib/sklearn LogisticRegression)", data, "accuracy / AUC", k.seconds(), mllibS,
        skSeconds(sk), sk.get("fit_s").asDouble(), binaryQuality(kilnScores, y), binaryQuality(mllibScores, y),
        new double[] {sk.get("accuracy").asDouble(), sk.get("auc").asDouble()}));
  }

  /** MLlib's FMClassifier with the Kiln job's factors, step and init where it has them. */
  private static FMClassifier fmClassifier(Map<String, Object> hp) {
    return new FMClassifier().setFactorSize(Integer.parseInt(hp.get("num_factors").toString())).setMaxIter(100)
        .setStepSize(Double.parseDouble(hp.get("factors_lr").toString())).setSolver("adamW").setInitStd(0.1)
        .setSeed(1);
  }

  /** Accuracy (margin above 0 is class 1) and AUC of margins against 0/1 labels. */
  private static double[] binaryQuality(double[] margin, double[] y) {
    long right = 0;
    for (int i = 0; i < y.length; i++) {
      right += (margin[i] > 0 ? 1 : 0) == (int) y[i] ? 1 : 0;
    }
    return new double[] {(double) right / y.length, LinearMetrics.auc(margin, y)};
  }

  private static double[] toDouble(float[] f) {
    double[] v = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      v[i] = f[i];
    }
    return v;
  }

  /** train (and test, when present) channels of a directory. */
  private static Map<String, String[]> channels(Path dir, String contentType, boolean test) {
    Map<String, String[]> c = new LinkedHashMap<>();
    c.put("train", new String[] {Bench.prefix(dir.resolve("train")), contentType});
    if (test) {
      c.put("test", new String[] {Bench.prefix(dir.resolve("test")), contentType});
    }
    return c;
  }

  /**
   * A real set split as the reference tests split it: every fifth row (index 4, 9, ...) the test
   * rows, the rest train; {@code standardised}: first every feature standardised over all rows
   * ({@link Standardized}: minus the mean, over the population standard deviation), the same
   * numbers for all three libraries.
   */
  record Split(List<String> train, List<String> test) {
    static Split of(List<String> rows, boolean standardised) {
      List<String> lines = rows;
      if (standardised) {
        List<float[]> z = Standardized.of(rows).rows();
        lines = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
          StringBuilder b = new StringBuilder(rows.get(i).substring(0, rows.get(i).indexOf(',')));
          for (float v : z.get(i)) {
            b.append(',').append(v);
          }
          lines.add(b.toString());
        }
      }
      List<String> train = new ArrayList<>();
      List<String> test = new ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        (i % 5 == 4 ? test : train).add(lines.get(i));
      }
      return new Split(train, test);
    }

    /** Writes dir/train/part-0.csv and dir/test/part-0.csv; returns dir. */
    Path write(Path dir) {
      Bench.write(dir.resolve("train/part-0.csv"), train);
      Bench.write(dir.resolve("test/part-0.csv"), test);
      return dir;
    }
  }

  // ---------------------------------------------------------------- K-Means

  private void kmeans() throws IOException {
    int d = 10;
    int k = 10;
    Path dir = work.resolve("kmeans-" + rows);
    float[][] x = blobs(dir.resolve("train/part-0.csv"), rows, d, k, 4.0, 1.0, 11, 11, false);
    kmeansCase("generated " + rows + " x " + d, dir, x, k, 1);
    for (var set : List.of(Map.entry("iris", 3), Map.entry("wine", 3), Map.entry("digits", 10))) {
      Standardized s = Standardized.of(switch (set.getKey()) {
        case "iris" -> SharedData.iris();
        case "wine" -> SharedData.wine();
        default -> SharedData.digits();
      });
      Path real = work.resolve("real/kmeans-" + set.getKey());
      Bench.write(real.resolve("train/part-0.csv"), s.csv());
      kmeansCase(set.getKey() + " " + s.rows().size() + " (standardised)", real, s.rows().toArray(float[][]::new),
          set.getValue(), 10);
    }
  }

  /**
   * Kiln (init_method kmeans++, local_lloyd_num_trials = inits), MLlib (k-means||, the best of
   * {@code inits} seeds) and scikit-learn (k-means++, n_init = inits): inertia on the training rows.
   */
  private void kmeansCase(String data, Path dir, float[][] x, int k, int inits) {
    int d = x[0].length;
    Bench.KilnRun run = Bench.kiln(spark, dir, "kmeans", Map.of("k", k, "feature_dim", d, "init_method", "kmeans++",
        "local_lloyd_num_trials", inits, "force_dense", "True"), Map.of("train",
        new String[] {Bench.prefix(dir.resolve("train")), "text/csv;label_size=0"}), workers);
    KMeansModel model;
    try {
      model = KMeansModel.read(run.files().get(KMeansModel.FILE));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    double kiln = 0;
    for (float[] r : x) {
      double best = Double.POSITIVE_INFINITY;
      for (double[] c : model.centroids()) {
        double s = 0;
        for (int j = 0; j < d; j++) {
          s += (r[j] - c[j]) * (r[j] - c[j]);
        }
        best = Math.min(best, s);
      }
      kiln += best;
    }
    long s0 = System.nanoTime();
    Dataset<Row> df = Bench.csv(spark, dir.resolve("train"), d, false, workers);
    double mllib = Double.POSITIVE_INFINITY;
    for (int seed = 0; seed < inits; seed++) {
      mllib = Math.min(mllib, new KMeans().setK(k).setMaxIter(300).setTol(1e-4).setSeed(seed).fit(df).summary()
          .trainingCost());
    }
    double mllibS = Bench.since(s0);
    df.unpersist();
    JsonNode sk = sklearn(Map.of("op", "kmeans", "data", dir.resolve("train/part-0.csv").toString(), "k", k,
        "n_init", inits));
    add(new Result("K-Means k=" + k + ", " + inits + (inits == 1 ? " init" : " inits"), data, "inertia",
        run.seconds(), mllibS, skSeconds(sk), sk.get("fit_s").asDouble(), new double[] {kiln},
        new double[] {mllib}, new double[] {sk.get("inertia").asDouble()}));
  }

  /**
   * Gaussian blobs: {@code centers} centers uniform in [-box, box]^d (from {@code centerSeed}), each
   * row a center chosen uniformly plus N(0, spread^2) per feature (from {@code rowSeed}); label-first
   * (the center's index) when {@code labelled}. Written as float32 text to {@code file} (unless it
   * exists); returns the rows.
   */
  static float[][] blobs(Path file, int rows, int d, int centers, double box, double spread, long centerSeed,
      long rowSeed, boolean labelled) throws IOException {
    Random cr = new Random(centerSeed);
    double[][] c = new double[centers][d];
    for (double[] center : c) {
      for (int j = 0; j < d; j++) {
        center[j] = (2 * cr.nextDouble() - 1) * box;
      }
    }
    Random r = new Random(rowSeed * 1_000_003L);
    float[][] x = new float[rows][d + (labelled ? 1 : 0)];
    for (float[] row : x) {
      int which = r.nextInt(centers);
      int o = 0;
      if (labelled) {
        row[o++] = which;
      }
      for (int j = 0; j < d; j++) {
        row[o + j] = (float) (c[which][j] + spread * r.nextGaussian());
      }
    }
    writeRows(file, x, labelled);
    return x;
  }

  /**
   * Rows of rank {@code rank} plus noise: x = z W + 0.1 e, z ~ N(0, diag(1, 1/2, ... 1/rank)) scaled by
   * 10, W and e standard normal (from {@code seed}). Written to {@code file} unless it exists.
   */
  static void lowRank(Path file, int rows, int d, int rank, long seed) throws IOException {
    Random r = new Random(seed);
    double[][] w = new double[rank][d];
    for (double[] row : w) {
      for (int j = 0; j < d; j++) {
        row[j] = r.nextGaussian();
      }
    }
    float[][] x = new float[rows][d];
    double[] z = new double[rank];
    for (float[] row : x) {
      for (int q = 0; q < rank; q++) {
        z[q] = 10 * r.nextGaussian() / Math.sqrt(q + 1);
      }
      for (int j = 0; j < d; j++) {
        double v = 0.1 * r.nextGaussian();
        for (int q = 0; q < rank; q++) {
          v += z[q] * w[q][j];
        }
        row[j] = (float) v;
      }
    }
    writeRows(file, x, false);
  }

  /** Rows as CSV (a first column, when labelled, written as an integer), unless the file exists. */
  private static void writeRows(Path file, float[][] x, boolean labelled) throws IOException {
    if (Files.exists(file)) {
      return;
    }
    Files.createDirectories(file.getParent());
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    try (BufferedWriter out = Files.newBufferedWriter(partial, StandardCharsets.US_ASCII)) {
      StringBuilder b = new StringBuilder();
      for (float[] row : x) {
        b.setLength(0);
        for (int j = 0; j < row.length; j++) {
          if (j > 0) {
            b.append(',');
          }
          if (j == 0 && labelled) {
            b.append((int) row[0]);
          } else {
            b.append(row[j]);
          }
        }
        out.write(b.append('\n').toString());
      }
    }
    Files.move(partial, file);
  }

  // ---------------------------------------------------------------- PCA

  private void pca() throws IOException {
    int d = 20;
    Path dir = work.resolve("pca-" + rows);
    lowRank(dir.resolve("train/part-0.csv"), rows, d, 8, 12);
    pcaCase("generated " + rows + " x " + d, dir, d, 5, 1000);
    Path digits = work.resolve("real/pca-digits");
    Bench.write(digits.resolve("train/part-0.csv"), SharedData.digits().stream()
        .map(l -> l.substring(l.indexOf(',') + 1)).toList());
    pcaCase("digits 1797", digits, 64, 10, 500);
    Path wine = work.resolve("real/pca-wine");
    Bench.write(wine.resolve("train/part-0.csv"), SharedData.wine().stream()
        .map(l -> l.substring(l.indexOf(',') + 1)).toList());
    pcaCase("wine 178", wine, 13, 5, 40);
  }

  /**
   * Kiln (algorithm_mode regular, subtract_mean), MLlib's ml.feature.PCA and scikit-learn's
   * PCA(svd_solver="full"): the sum of the k explained variances (MLlib reports ratios only: times
   * scikit-learn's total variance) and, as a second figure, the largest relative difference of one
   * component's explained variance from scikit-learn's (0 for scikit-learn itself).
   */
  private void pcaCase(String data, Path dir, int d, int k, int miniBatch) throws IOException {
    Bench.KilnRun run = Bench.kiln(spark, dir, "pca", Map.of("feature_dim", d, "num_components", k,
        "mini_batch_size", miniBatch, "algorithm_mode", "regular", "subtract_mean", "True"), Map.of("train",
        new String[] {Bench.prefix(dir.resolve("train")), "text/csv;label_size=0"}), workers);
    double[] kilnEv = PcaModel.read(run.files().get(PcaModel.FILE)).explainedVariance();
    long s0 = System.nanoTime();
    Dataset<Row> df = Bench.csv(spark, dir.resolve("train"), d, false, workers);
    Vector ratios = new PCA().setK(k).setInputCol("features").setOutputCol("p").fit(df).explainedVariance();
    double mllibS = Bench.since(s0);
    df.unpersist();
    JsonNode sk = sklearn(Map.of("op", "pca", "data", dir.resolve("train/part-0.csv").toString(), "k", k));
    double total = sk.get("total_variance").asDouble();
    double[] kiln = new double[2];
    double[] mllib = new double[2];
    double skSum = 0;
    for (int j = 0; j < k; j++) {
      double e = sk.get("explained_variance").get(j).asDouble();
      double ke = kilnEv[k - 1 - j];
      double me = ratios.apply(j) * total;
      skSum += e;
      kiln[0] += ke;
      mllib[0] += me;
      kiln[1] = Math.max(kiln[1], Math.abs(ke - e) / e);
      mllib[1] = Math.max(mllib[1], Math.abs(me - e) / e);
    }
    add(new Result("PCA k=" + k + " (regular)", data, "explained variance (sum of k) / worst relative error",
        run.seconds(), mllibS, skSeconds(sk), sk.get("fit_s").asDouble(), kiln, mllib, new double[] {skSum, 0}));
  }

  // ---------------------------------------------------------------- Factorization Machines

  private void fm() throws IOException {
    int fields = 3;
    int levels = 200;
    FactorizationMachinesBenchmark.OneHot task = FactorizationMachinesBenchmark.task(rows + rows / 10, fields,
        levels);
    int d = task.dimension();
    Path dir = work.resolve("fm-" + rows);
    Path rec = dir.resolve("train/part-0.rec");
    Path svm = dir.resolve("libsvm/train.txt");
    Path svmTest = dir.resolve("libsvm-test/test.txt");
    if (!Files.exists(svmTest)) {
      Files.createDirectories(rec.getParent());
      float[] ones = new float[fields];
      java.util.Arrays.fill(ones, 1);
      try (OutputStream out = Files.newOutputStream(rec); RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(out)) {
        for (int i = 0; i < rows; i++) {
          w.sparse(d, task.indices()[i], ones, task.labels()[i]);
        }
      }
      libsvm(svm, task, 0, rows);
      libsvm(svmTest, task, rows, task.labels().length);
    }
    Map<String, Object> hp = new LinkedHashMap<>(Map.of("predictor_type", "binary_classifier", "feature_dim", d,
        "num_factors", 4, "epochs", 10, "mini_batch_size", 1000, "linear_lr", "0.01", "factors_lr", "0.01",
        "factors_init_sigma", "0.1"));
    Bench.KilnRun run = Bench.kiln(spark, dir, "factorization-machines", hp, Map.of("train",
        new String[] {Bench.prefix(dir.resolve("train")), "application/x-recordio-protobuf"}), workers);
    FmModel model = FmModel.read(run.files().get(FmModel.FILE));
    int tests = task.labels().length - rows;
    double[] y = new double[tests];
    double[] kilnMargin = new double[tests];
    float[] x = new float[d];
    for (int i = rows; i < task.labels().length; i++) {
      java.util.Arrays.fill(x, 0);
      for (int a : task.indices()[i]) {
        x[a] = 1;
      }
      y[i - rows] = task.labels()[i];
      kilnMargin[i - rows] = model.output(x);
    }
    long s0 = System.nanoTime();
    Dataset<Row> df = spark.read().format("libsvm").option("numFeatures", d).load(svm.getParent().toString())
        .repartition(workers).cache();
    FMClassificationModel m = fmClassifier(hp).fit(df);
    double mllibS = Bench.since(s0);
    df.unpersist();
    double[] mllibMargin = new double[tests];
    double[] ones = new double[fields];
    java.util.Arrays.fill(ones, 1);
    for (int i = rows; i < task.labels().length; i++) {
      mllibMargin[i - rows] = m.predictRaw(org.apache.spark.ml.linalg.Vectors.sparse(d, task.indices()[i], ones))
          .apply(1);
    }
    JsonNode sk = sklearn(Map.of("op", "onehot", "train", svm.toString(), "test", svmTest.toString(), "dim", d));
    add(new Result("Factorization Machines (MLlib FMClassifier; sklearn LogisticRegression: no FM)",
        "generated " + rows + ", " + fields + " one-hot fields x " + levels, "accuracy / AUC", run.seconds(), mllibS,
        skSeconds(sk), sk.get("fit_s").asDouble(), binaryQuality(kilnMargin, y), binaryQuality(mllibMargin, y),
        new double[] {sk.get("accuracy").asDouble(), sk.get("auc").asDouble()}));
    Split bc = Split.of(SharedData.breastCancer(), true);
    binary("breast_cancer 455/114 (standardised)", bc.write(work.resolve("real/breast_cancer-std")), 30,
        Map.of("predictor_type", "binary_classifier", "feature_dim", "30", "num_factors", "4", "epochs", "12",
            "mini_batch_size", "64", "linear_lr", "0.03", "factors_lr", "0.01"), true);
  }

  /** Rows [from, to) of a one-hot task as libsvm text (1-based indices), for MLlib and scikit-learn. */
  private static void libsvm(Path file, FactorizationMachinesBenchmark.OneHot task, int from, int to)
      throws IOException {
    Files.createDirectories(file.getParent());
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
      StringBuilder b = new StringBuilder();
      for (int i = from; i < to; i++) {
        b.setLength(0);
        b.append((int) task.labels()[i]);
        for (int a : task.indices()[i]) {
          b.append(' ').append(a + 1).append(":1");
        }
        out.write(b.append('\n').toString());
      }
    }
  }

  // ---------------------------------------------------------------- k-NN

  private void knn() throws IOException {
    int d = 10;
    Path dir = work.resolve("knn-" + rows);
    blobs(dir.resolve("train/part-0.csv"), rows, d, 10, 3.0, 1.5, 13, 13, true);
    blobs(dir.resolve("test/part-0.csv"), queries, d, 10, 3.0, 1.5, 13, 14, true);
    knnCase("generated " + rows + " x " + d + ", " + queries + " queries (same centers, other rows)", dir, d,
        10, "classifier", "faiss.Flat", 2 * rows);
    for (var set : List.of(Map.entry("iris", 5), Map.entry("digits", 3), Map.entry("diabetes", 7))) {
      List<String> all = switch (set.getKey()) {
        case "iris" -> SharedData.iris();
        case "digits" -> SharedData.digits();
        default -> SharedData.diabetes();
      };
      Split s = Split.of(all, false);
      Path real = s.write(work.resolve("real/knn-" + set.getKey()));
      int width = all.get(0).split(",").length - 1;
      String task = set.getKey().equals("diabetes") ? "regressor" : "classifier";
      knnCase(set.getKey() + " " + s.train().size() + "/" + s.test().size(), real, width, set.getValue(), task,
          "faiss.Flat", 2 * s.train().size());
      if (set.getKey().equals("digits")) {
        knnCase(set.getKey() + " " + s.train().size() + "/" + s.test().size() + ", k=10", real, width, 10, task,
            "faiss.IVFFlat", 2 * s.train().size());
      }
    }
  }

  /**
   * Kiln's k-NN job (sample_size twice the train rows, so each worker's quota, half of it, holds its
   * whole share and the index is every train row; the test channel holds the
   * queries, its test:accuracy / test:mse from the distributed search) against scikit-learn's
   * KNeighbors* (fit and predict of the queries, n_jobs=2). Recall@k: the share of the loader's
   * neighbours (for the first 500 queries) no farther than scikit-learn's exact k-th neighbour.
   */
  private void knnCase(String data, Path dir, int d, int k, String task, String index, int sample) throws IOException {
    Bench.KilnRun run = Bench.kiln(spark, dir, "knn", Map.of("k", k, "feature_dim", d, "predictor_type", task,
        "sample_size", sample, "index_type", index), channels(dir, "text/csv", true), workers);
    JsonNode sk = sklearn(Map.of("op", "knn", "train", dir.resolve("train/part-0.csv").toString(), "test",
        dir.resolve("test/part-0.csv").toString(), "k", k, "task", task, "recall_queries", RECALL_QUERIES));
    Path modelDir = Files.createTempDirectory(work, "knn-model-");
    for (var f : run.files().entrySet()) {
      Files.write(modelDir.resolve(f.getKey()), f.getValue());
    }
    KnnModel model = KnnModel.read(modelDir);
    List<String> testLines = Files.readAllLines(dir.resolve("test/part-0.csv"));
    float[][] qs = Bench.features(testLines.subList(0, Math.min(RECALL_QUERIES, testLines.size())));
    KnnModel.Neighbours n = model.search(qs, k);
    long found = 0;
    for (int i = 0; i < qs.length; i++) {
      double kth = sk.get("kth_sq").get(i).asDouble();
      for (double dist : n.distances()[i]) {
        found += dist <= kth * (1 + 1e-5) + 1e-9 ? 1 : 0;
      }
    }
    double recall = (double) found / ((long) qs.length * k);
    String metric = task.equals("classifier") ? "accuracy" : "mse";
    add(new Result("k-NN " + index + " k=" + k + " (" + task + "; no MLlib peer)", data, metric + " / recall@k",
        run.seconds(), Double.NaN, skSeconds(sk), sk.get("fit_s").asDouble(),
        new double[] {run.metrics().get("test:" + metric), recall}, nan(2),
        new double[] {sk.get(metric).asDouble(), 1}));
  }
}
