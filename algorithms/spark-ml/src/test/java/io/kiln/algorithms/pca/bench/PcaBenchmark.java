package io.kiln.algorithms.pca.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.algorithms.pca.PcaFit;
import io.kiln.algorithms.pca.PcaHyperparameters;
import io.kiln.algorithms.pca.PcaModel;
import io.kiln.algorithms.pca.PcaState;
import io.kiln.algorithms.pca.UnlabelledRows;
import io.kiln.testing.ReferencePython;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.mllib.linalg.distributed.RowMatrix;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * Which PCA Kiln runs (docs/built-ins.md): on digits (k=10) and wine (k=5), the largest relative
 * error of the explained variances against scikit-learn's PCA (svd_solver="full", the same float32
 * values) and the wall time of (a) Kiln's exact scatter sums + LAPACK dsyev ({@link PcaFit}, one
 * process), (b) Spark MLlib's {@code RowMatrix.computePrincipalComponentsAndExplainedVariance} on a
 * cached 2-partition RDD (local[2]). Explained variance from MLlib is its ratio times scikit-learn's
 * total variance (MLlib gives ratios only). Run like KMeansBenchmark.
 */
public final class PcaBenchmark {
  private PcaBenchmark() {}

  public static void main(String[] args) throws Exception {
    SparkSession spark = TestSpark.start(null, Map.of());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    System.out.println("| data | k | method | worst relative error of explained variance | ms |");
    System.out.println("|---|---|---|---|---|");
    for (var set : List.of(Map.entry("digits", SharedData.digits()), Map.entry("wine", SharedData.wine()))) {
      int k = set.getKey().equals("digits") ? 10 : 5;
      List<String> lines = set.getValue();
      int d = lines.get(0).split(",").length - 1;
      int n = lines.size();
      double[] x = new double[n * d];
      List<Vector> vectors = new ArrayList<>();
      List<String> features = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        String[] f = lines.get(r).split(",");
        double[] v = new double[d];
        for (int i = 0; i < d; i++) {
          v[i] = Float.parseFloat(f[i + 1]);
          x[r * d + i] = v[i];
        }
        vectors.add(Vectors.dense(v));
        features.add(lines.get(r).substring(lines.get(r).indexOf(',') + 1));
      }
      Path file = TestSpark.tempDir("kiln-pca-bench-").resolve("x.csv");
      Files.write(file, features);
      JsonNode ref = ReferencePython.call(PcaBenchmark.class, "/reference/unsupervised_reference.py",
          Map.of("op", "pca", "data", file.toString(), "k", d));
      double totalVariance = 0;
      for (JsonNode v : ref.get("explained_variance")) {
        totalVariance += v.asDouble();
      }
      for (int warm = 0; warm < 3; warm++) {
        long t0 = System.nanoTime();
        PcaHyperparameters p = new PcaHyperparameters(d, k, n, false, true, -1);
        double[] mean = new double[d];
        for (int r = 0; r < n; r++) {
          for (int i = 0; i < d; i++) {
            mean[i] += x[r * d + i] / n;
          }
        }
        double[] delta = new double[PcaState.sumsLength(p)];
        PcaState.accumulate(p, mean, null, new UnlabelledRows(n, d, x), 0, n, delta);
        PcaModel model = PcaFit.model(PcaState.start(p, mean).plus(delta));
        long kilnMs = (System.nanoTime() - t0) / 1_000_000;
        double kilnErr = 0;
        for (int j = 0; j < k; j++) {
          double e = ref.get("explained_variance").get(j).asDouble();
          kilnErr = Math.max(kilnErr, Math.abs(model.explainedVariance()[k - 1 - j] - e) / e);
        }
        t0 = System.nanoTime();
        JavaRDD<Vector> rdd = jsc.parallelize(vectors, 2).cache();
        Tuple2<org.apache.spark.mllib.linalg.Matrix, Vector> pc = new RowMatrix(rdd.rdd())
            .computePrincipalComponentsAndExplainedVariance(k);
        long mllibMs = (System.nanoTime() - t0) / 1_000_000;
        double mllibErr = 0;
        for (int j = 0; j < k; j++) {
          double e = ref.get("explained_variance").get(j).asDouble();
          mllibErr = Math.max(mllibErr, Math.abs(pc._2().apply(j) * totalVariance - e) / e);
        }
        rdd.unpersist(true);
        if (warm == 2) {
          System.out.printf("| %s | %d | Kiln: exact sums + dsyev | %.2g | %d |%n", set.getKey(), k, kilnErr, kilnMs);
          System.out.printf("| %s | %d | MLlib RowMatrix | %.2g | %d |%n", set.getKey(), k, mllibErr, mllibMs);
        }
      }
    }
    spark.stop();
  }
}
