package io.kiln.bench;

import io.kiln.algorithms.fm.FmModel;
import io.kiln.channel.RecordIoProtobuf;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.spark.ml.classification.FMClassificationModel;
import org.apache.spark.ml.classification.FMClassifier;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * scripts/bench-fm: Kiln's Factorization Machines job (its barrier worker loop, sparse
 * RecordIO-protobuf input) against Spark MLlib's FMClassifier (a driver-side loop with a Spark job
 * per iteration) on the same SparkSession and the same generated task: {@code fields} categorical
 * fields of {@code levels} levels each, one-hot (so {@code fields} non-zeros per row), the label the
 * sign of a hidden factorization machine's pairwise term plus noise. Prints wall times and held-out
 * accuracy.
 *
 * <p>Arguments: work directory, rows, fields, levels, epochs, workers.
 */
public final class FactorizationMachinesBenchmark {
  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    int rows = Integer.parseInt(args[1]);
    int fields = Integer.parseInt(args[2]);
    int levels = Integer.parseInt(args[3]);
    int epochs = Integer.parseInt(args[4]);
    int workers = Integer.parseInt(args[5]);
    int total = rows + rows / 5;
    OneHot task = task(total, fields, levels);
    int d = task.dimension();
    int[][] idx = task.indices();
    float[] label = task.labels();
    Files.createDirectories(work.resolve("train"));
    float[] ones = new float[fields];
    java.util.Arrays.fill(ones, 1);
    try (OutputStream out = Files.newOutputStream(work.resolve("train/part-0.rec"));
        RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(out)) {
      for (int i = 0; i < rows; i++) {
        w.sparse(d, idx[i], ones, label[i]);
      }
    }
    SparkSession spark = Bench.spark(work, workers, "bench-fm");
    List<String> report = new ArrayList<>();
    for (String batch : List.of("1000", "100")) {
      Map<String, Object> hp = new LinkedHashMap<>();
      hp.put("predictor_type", "binary_classifier");
      hp.put("feature_dim", d);
      hp.put("num_factors", 4);
      hp.put("epochs", epochs);
      hp.put("mini_batch_size", batch);
      hp.put("linear_lr", "0.01");
      hp.put("factors_lr", "0.01");
      hp.put("factors_init_sigma", "0.1");
      Bench.KilnRun run = Bench.kiln(spark, work, "factorization-machines", hp, Map.of("train",
          new String[] {Bench.prefix(work.resolve("train")), "application/x-recordio-protobuf"}), workers);
      double seconds = run.seconds();
      FmModel model = FmModel.read(run.files().get(FmModel.FILE));
      long right = 0;
      float[] x = new float[d];
      for (int i = rows; i < total; i++) {
        java.util.Arrays.fill(x, 0);
        for (int a : idx[i]) {
          x[a] = 1;
        }
        right += (model.output(x) >= 0 ? 1 : 0) == (int) label[i] ? 1 : 0;
      }
      report.add(String.format(Locale.ROOT, "kiln   mini_batch_size=%s epochs=%d: %.2f s  accuracy %.4f  (job wall: "
          + "RecordIO read, an all-reduce per step, model.tar.gz)", batch, epochs, seconds,
          (double) right / (total - rows)));
    }
    StructType schema = new StructType().add("label", DataTypes.DoubleType).add("features", SQLDataTypes.VectorType());
    for (int maxIter : List.of(epochs, 10 * epochs)) {
      long s0 = System.nanoTime();
      List<Row> list = new ArrayList<>(rows);
      double[] onesD = new double[fields];
      java.util.Arrays.fill(onesD, 1);
      for (int i = 0; i < rows; i++) {
        list.add(RowFactory.create((double) label[i], Vectors.sparse(d, idx[i], onesD)));
      }
      Dataset<Row> df = spark.createDataFrame(list, schema).repartition(workers).cache();
      FMClassificationModel m = new FMClassifier().setFactorSize(4).setMaxIter(maxIter).setStepSize(0.01)
          .setSolver("adamW").setInitStd(0.1).setSeed(1).fit(df);
      double seconds = (System.nanoTime() - s0) / 1e9;
      df.unpersist();
      List<Row> test = new ArrayList<>();
      for (int i = rows; i < total; i++) {
        test.add(RowFactory.create((double) label[i], Vectors.sparse(d, idx[i], onesD)));
      }
      List<Row> predicted = m.transform(spark.createDataFrame(test, schema)).select("label", "prediction")
          .collectAsList();
      long right = predicted.stream().filter(p -> p.getDouble(0) == p.getDouble(1)).count();
      report.add(String.format(Locale.ROOT, "mllib  FMClassifier adamW maxIter=%d (full batch, a Spark job per "
          + "iteration): %.2f s  accuracy %.4f", maxIter, seconds, (double) right / predicted.size()));
    }
    spark.stop();
    report.forEach(System.out::println);
    System.out.flush();
    System.exit(0);
  }
  /**
   * A generated one-hot task (scripts/bench-fm, bench-sparkml).
   *
   * @param dimension fields x levels one-hot columns
   * @param indices per row, its {@code fields} set columns (field a's in [a*levels, (a+1)*levels))
   * @param labels per row, 0 or 1
   */
  record OneHot(int dimension, int[][] indices, float[] labels) {}

  /**
   * {@code total} rows of {@code fields} categorical fields of {@code levels} levels each, one-hot;
   * the label the sign of a hidden factorization machine's pairwise term (4 factors, N(0, 1)) plus
   * N(0, 0.25) noise; everything from {@code new Random(42)}, so the first rows of a larger task are
   * the rows of a smaller one.
   */
  static OneHot task(int total, int fields, int levels) {
    int d = fields * levels;
    Random r = new Random(42);
    double[][] hidden = new double[d][4];
    for (double[] v : hidden) {
      for (int f = 0; f < 4; f++) {
        v[f] = r.nextGaussian();
      }
    }
    int[][] idx = new int[total][fields];
    float[] label = new float[total];
    for (int i = 0; i < total; i++) {
      double z = 0;
      for (int a = 0; a < fields; a++) {
        idx[i][a] = a * levels + r.nextInt(levels);
      }
      for (int a = 0; a < fields; a++) {
        for (int b = a + 1; b < fields; b++) {
          for (int f = 0; f < 4; f++) {
            z += hidden[idx[i][a]][f] * hidden[idx[i][b]][f];
          }
        }
      }
      label[i] = z + 0.5 * r.nextGaussian() > 0 ? 1 : 0;
    }
    return new OneHot(d, idx, label);
  }
}
