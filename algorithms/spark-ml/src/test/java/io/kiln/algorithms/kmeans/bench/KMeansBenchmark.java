package io.kiln.algorithms.kmeans.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.algorithms.kmeans.KMeansCore;
import io.kiln.algorithms.kmeans.Standardized;
import io.kiln.testing.ReferencePython;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.clustering.KMeansModel;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Which K-Means Kiln runs (docs/built-ins.md): on standardised iris, wine and digits, the inertia (sum of
 * squared distances of every row to its nearest center) and wall time of (a) SageMaker's scheme as
 * {@link KMeansCore} implements it, with SageMaker's defaults and variants, (b) Spark MLlib's
 * {@code KMeans} (k-means|| initialisation, Lloyd), best of 10 seeds, against scikit-learn's
 * {@code KMeans(n_init=10)}. Run:
 * {@code mvn -B -o test-compile -pl algorithms/spark-ml -am} then
 * {@code java -cp <the module's test classpath> io.kiln.algorithms.kmeans.bench.KMeansBenchmark}.
 */
public final class KMeansBenchmark {
  private KMeansBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, List<String>> sets = new java.util.LinkedHashMap<>();
    sets.put("iris", SharedData.iris());
    sets.put("wine", SharedData.wine());
    sets.put("digits", SharedData.digits());
    Map<String, Integer> ks = Map.of("iris", 3, "wine", 3, "digits", 10);
    SparkSession spark = TestSpark.start(null, Map.of());
    System.out.println("| data | k | scikit-learn n_init=10 | variant | inertia | vs sklearn | ms |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (var e : sets.entrySet()) {
      Standardized s = Standardized.of(e.getValue());
      int k = ks.get(e.getKey());
      int d = s.features();
      double[] x = s.matrix();
      int n = s.rows().size();
      Path file = TestSpark.tempDir("kiln-km-bench-").resolve("x.csv");
      Files.write(file, s.csv());
      JsonNode ref = ReferencePython.call(KMeansBenchmark.class, "/reference/unsupervised_reference.py",
          Map.of("op", "kmeans", "data", file.toString(), "k", k, "n_init", 10));
      double sk = ref.get("inertia").asDouble();
      for (String variant : List.of("sagemaker-defaults", "factor10", "kmeans++-init", "epochs10-mb50",
          "defaults+full-lloyd", "defaults+full-lloyd-every-trial", "factor2+full-lloyd-every-trial")) {
        for (int warm = 0; warm < 2; warm++) {
          long t0 = System.nanoTime();
          double[] centers = sagemaker(variant, x, n, d, k);
          double inertia = KMeansCore.cost(KMeansCore.LOCAL, x, n, d, centers, k)[0];
          long ms = (System.nanoTime() - t0) / 1_000_000;
          if (warm == 1) {
            System.out.printf("| %s | %d | %.4f | %s | %.4f | %+.3f %% | %d |%n", e.getKey(), k, sk, variant, inertia,
                100 * (inertia / sk - 1), ms);
          }
        }
      }
      List<Row> rows = new ArrayList<>();
      for (float[] r : s.rows()) {
        double[] v = new double[d];
        for (int i = 0; i < d; i++) {
          v[i] = r[i];
        }
        rows.add(RowFactory.create(Vectors.dense(v)));
      }
      Dataset<Row> df = spark.createDataFrame(rows, new StructType().add("features", new VectorUDT())).cache();
      df.count();
      for (int warm = 0; warm < 2; warm++) {
        long t0 = System.nanoTime();
        double best = Double.POSITIVE_INFINITY;
        for (int seed = 0; seed < 10; seed++) {
          KMeansModel m = new KMeans().setK(k).setMaxIter(300).setTol(1e-4).setSeed(seed).fit(df);
          best = Math.min(best, m.summary().trainingCost());
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (warm == 1) {
          System.out.printf("| %s | %d | %.4f | mllib k-means|| best of 10 | %.4f | %+.3f %% | %d |%n", e.getKey(), k,
              sk, best, 100 * (best / sk - 1), ms);
        }
      }
    }
    spark.stop();
  }

  private static double[] sagemaker(String variant, double[] x, int n, int d, int k) {
    int factor = variant.equals("factor10") ? 10 : variant.startsWith("factor2") ? 2 : 4;
    int epochs = variant.startsWith("epochs10") ? 10 : 1;
    int batch = variant.startsWith("epochs10") ? 50 : 5000;
    int big = Math.min(n, k * factor);
    double[] centers = variant.equals("kmeans++-init")
        ? KMeansCore.initPlusPlus(KMeansCore.LOCAL, x, null, n, d, big, new java.util.Random(KMeansCore.SEED))
        : KMeansCore.initRandom(KMeansCore.LOCAL, x, n, d, big);
    double[] counts = new double[big];
    for (int e = 0; e < epochs; e++) {
      for (int from = 0; from < n; from += batch) {
        KMeansCore.step(KMeansCore.LOCAL, x, from, Math.min(n, from + batch), d, centers, counts, 0);
      }
    }
    if (variant.endsWith("every-trial")) {
      double[] best = null;
      double bestCost = Double.POSITIVE_INFINITY;
      for (double[] c : KMeansCore.reduceTrials(centers, counts, d, k, 10, true, 300, 1e-4)) {
        double cost = KMeansCore.refine(KMeansCore.LOCAL, x, n, d, c, k, 300, 1e-4)[1];
        if (cost < bestCost) {
          bestCost = cost;
          best = c;
        }
      }
      return best;
    }
    double[] reduced = KMeansCore.reduce(centers, counts, d, k, 10, true, 300, 1e-4);
    if (variant.endsWith("full-lloyd")) {
      KMeansCore.refine(KMeansCore.LOCAL, x, n, d, reduced, k, 300, 1e-4);
    }
    return reduced;
  }
}
