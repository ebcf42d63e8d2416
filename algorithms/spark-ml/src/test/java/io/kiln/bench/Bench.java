package io.kiln.bench;

import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.JobBuilder;
import io.kiln.testing.S3Files;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * What the Spark-ML benchmarks share (scripts/bench-linear, bench-fm, bench-sparkml): the local
 * session Kiln's jobs and Spark MLlib's estimators both run on, a Kiln training job on local files
 * with its wall time, model files and final metrics, and Spark MLlib's way of reading the same CSV.
 */
final class Bench {
  private static final AtomicInteger JOBS = new AtomicInteger();

  private Bench() {}

  /**
   * A {@code local[workers]} session on loopback whose Kiln job records live under
   * {@code work/jobs}; no UI, {@code workers} shuffle partitions.
   */
  static SparkSession spark(Path work, int workers, String app) {
    return SparkSession.builder().master("local[" + workers + "]").appName(app)
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", String.valueOf(workers))
        .config("spark.kiln.job-root", work.resolve("jobs").toUri().toString())
        .config("spark.kiln.heartbeat.interval-seconds", "10")
        .getOrCreate();
  }

  /**
   * A completed Kiln job.
   *
   * @param result the runner's result
   * @param seconds wall time of {@code TrainingJobRunner.run} (channel reading, training, metrics,
   *     model.tar.gz written)
   * @param files model.tar.gz's files by name
   * @param metrics the job's final metrics by SageMaker name
   */
  record KilnRun(JobResult result, double seconds, Map<String, byte[]> files, Map<String, Double> metrics) {}

  /**
   * Runs a Kiln training job of {@code algorithm} (a SageMaker image name, e.g. {@code linear-learner})
   * on {@code workers} workers; {@code channels} maps a channel name to {uri, ContentType}. Output
   * goes under {@code work/out}. A failed job throws with its failure reason.
   */
  static KilnRun kiln(SparkSession spark, Path work, String algorithm, Map<String, ?> hyperparameters,
      Map<String, String[]> channels, int workers) {
    String name = "bench-" + algorithm + "-" + JOBS.incrementAndGet() + "-" + System.currentTimeMillis();
    JobBuilder job = JobBuilder.named(name).algorithm(algorithm).hyperparameters(hyperparameters)
        .outputPath(work.resolve("out").toUri().toString()).workers(workers);
    channels.forEach((channel, c) -> job.channel(channel, c[0], c[1]));
    TrainingJobRunner runner = TrainingJobRunner.on(spark);
    long t0 = System.nanoTime();
    JobResult result = runner.run(job.build());
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (result.exitCode() != 0) {
      throw new IllegalStateException("Kiln job " + name + " failed: " + result.failureReason());
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    runner.store().load(name).orElseThrow().finalMetricDataList().forEach(m -> metrics.put(m.metricName(), m.value()));
    Map<String, byte[]> files = S3Files.untar(S3Files.read(spark.sparkContext().hadoopConfiguration(),
        result.modelArtifacts()));
    return new KilnRun(result, seconds, files, metrics);
  }

  /** The URI of a local directory as a channel prefix (ending in /). */
  static String prefix(Path dir) {
    return dir.toUri().toString().replaceFirst("/?$", "/");
  }

  /**
   * Spark MLlib's usual input: the CSV files under {@code dir} (no header; label first when
   * {@code labelled}, in column {@code label}) read by spark.read.csv, the {@code features} columns
   * assembled into a vector column {@code features}, repartitioned to {@code partitions} and cached
   * (not yet materialised: the first fit reads it).
   */
  static Dataset<Row> csv(SparkSession spark, Path dir, int features, boolean labelled, int partitions) {
    StructType schema = new StructType();
    if (labelled) {
      schema = schema.add("label", DataTypes.DoubleType, false);
    }
    String[] names = new String[features];
    for (int j = 0; j < features; j++) {
      names[j] = "f" + j;
      schema = schema.add(names[j], DataTypes.DoubleType, true);
    }
    Dataset<Row> df = spark.read().schema(schema).csv(dir.toString());
    Dataset<Row> assembled = new VectorAssembler().setInputCols(names).setOutputCol("features").transform(df);
    return (labelled ? assembled.select("label", "features") : assembled.select("features"))
        .repartition(partitions).cache();
  }

  /** Label-first CSV lines: the features as float32 rows. */
  static float[][] features(List<String> lines) {
    float[][] x = new float[lines.size()][];
    for (int i = 0; i < x.length; i++) {
      String[] c = lines.get(i).split(",");
      x[i] = new float[c.length - 1];
      for (int j = 1; j < c.length; j++) {
        x[i][j - 1] = Float.parseFloat(c[j]);
      }
    }
    return x;
  }

  /** Label-first CSV lines: the labels. */
  static double[] labels(List<String> lines) {
    return lines.stream().mapToDouble(l -> Double.parseDouble(l.substring(0, l.indexOf(',')))).toArray();
  }

  /** Writes lines (each ending in a newline) to a file, creating its directory. */
  static Path write(Path file, List<String> lines) {
    try {
      Files.createDirectories(file.getParent());
      try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
        for (String l : lines) {
          out.write(l);
          out.write('\n');
        }
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Seconds since {@code t0} (a {@link System#nanoTime()}). */
  static double since(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
