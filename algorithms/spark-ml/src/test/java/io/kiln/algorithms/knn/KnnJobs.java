package io.kiln.algorithms.knn;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.SpecReader;
import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import io.kiln.testing.TestSpark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * What the k-NN tests share: the JVM's local Spark session wired to the test S3 server (made again
 * only when another test class stopped it), a bucket, and SageMaker CreateTrainingJob requests for the
 * {@code knn} image.
 */
final class KnnJobs {
  static final String IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/knn:1";
  static final String BUCKET = "kiln-knn";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static SparkSession spark;

  private KnnJobs() {}

  static synchronized SparkSession spark() {
    if (spark == null || spark.sparkContext().isStopped()) {
      S3Server s3 = S3Server.get();
      s3.bucket(BUCKET);
      spark = TestSpark.start(s3, Map.of());
    }
    return spark;
  }

  static TrainingJobRunner runner() {
    return TrainingJobRunner.on(spark());
  }

  /** Writes CSV lines as one object; returns its s3:// URI. */
  static String put(String key, List<String> lines) {
    S3Files.write(spark().sparkContext().hadoopConfiguration(), "s3a://" + BUCKET + "/" + key, lines);
    return "s3://" + BUCKET + "/" + key;
  }

  /** Writes bytes as one object; returns its s3:// URI. */
  static String put(String key, byte[] bytes) {
    S3Files.write(spark().sparkContext().hadoopConfiguration(), "s3a://" + BUCKET + "/" + key, bytes);
    return "s3://" + BUCKET + "/" + key;
  }

  /** The s3:// prefix of a key prefix. */
  static String prefix(String keyPrefix) {
    return "s3://" + BUCKET + "/" + keyPrefix + "/";
  }

  /** A channel: an S3 prefix and its ContentType. */
  record Channel(String uri, String contentType) {}

  /** A CreateTrainingJob request for the knn image. */
  static String request(String name, Map<String, String> hyperparameters, Map<String, Channel> channels,
      int instances) {
    ObjectNode r = JSON.createObjectNode().put("TrainingJobName", name);
    r.putObject("AlgorithmSpecification").put("TrainingImage", IMAGE).put("TrainingInputMode", "File");
    r.put("RoleArn", "arn:aws:iam::111122223333:role/KilnKnnTest");
    ObjectNode hp = r.putObject("HyperParameters");
    hyperparameters.forEach(hp::put);
    ArrayNode inputs = r.putArray("InputDataConfig");
    channels.forEach((channel, c) -> {
      ObjectNode in = inputs.addObject().put("ChannelName", channel).put("ContentType", c.contentType());
      in.putObject("DataSource").putObject("S3DataSource").put("S3DataType", "S3Prefix").put("S3Uri", c.uri())
          .put("S3DataDistributionType", "FullyReplicated");
    });
    r.putObject("OutputDataConfig").put("S3OutputPath", "s3://" + BUCKET + "/output/");
    r.putObject("ResourceConfig").put("InstanceType", "ml.m5.large").put("InstanceCount", instances)
        .put("VolumeSizeInGB", 10);
    r.putObject("StoppingCondition").put("MaxRuntimeInSeconds", 600);
    return r.toString();
  }

  static JobResult run(String name, Map<String, String> hyperparameters, Map<String, Channel> channels,
      int instances) {
    return runner().run(SpecReader.readTrainingJob(request(name, hyperparameters, channels, instances),
        name + ".json"));
  }

  /** The final metrics of a job, by name. */
  static Map<String, Double> finalMetrics(String name) {
    Map<String, Double> out = new LinkedHashMap<>();
    runner().store().load(name).orElseThrow().finalMetricDataList().forEach(m -> out.put(m.metricName(), m.value()));
    return out;
  }

  /** The files of a completed job's model.tar.gz. */
  static Map<String, byte[]> modelFiles(JobResult r) {
    return S3Files.untar(S3Files.read(spark().sparkContext().hadoopConfiguration(),
        r.modelArtifacts().replaceFirst("^s3://", "s3a://")));
  }

  /** Model files unpacked into a new directory, read by the loader. */
  static KnnModel model(Map<String, byte[]> files) {
    Path dir = TestSpark.tempDir("kiln-knn-model-");
    try {
      for (Map.Entry<String, byte[]> e : files.entrySet()) {
        Files.write(dir.resolve(e.getKey()), e.getValue());
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return KnnModel.read(dir);
  }

  static KnnModel model(JobResult r) {
    return model(modelFiles(r));
  }

  /** The features of label-first CSV rows. */
  static float[][] features(List<String> rows) {
    float[][] out = new float[rows.size()][];
    for (int i = 0; i < rows.size(); i++) {
      String[] cells = rows.get(i).split(",");
      out[i] = new float[cells.length - 1];
      for (int j = 1; j < cells.length; j++) {
        out[i][j - 1] = Float.parseFloat(cells[j]);
      }
    }
    return out;
  }

  /** The labels of label-first CSV rows. */
  static float[] labels(List<String> rows) {
    float[] out = new float[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      out[i] = Float.parseFloat(rows.get(i).substring(0, rows.get(i).indexOf(',')));
    }
    return out;
  }

  /**
   * Runs the {@code kiln} command line in this JVM (it reuses the shared session) against the
   * runner's job root and the test S3 server; asserts it exits 0 and returns what it printed.
   */
  static String kiln(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.addAll(List.of("--job-root", runner().store().root()));
    int exit = io.kiln.cli.Kiln.execute(all.toArray(String[]::new), new java.io.PrintWriter(out, true),
        new java.io.PrintWriter(out, true), S3Server.get().environment());
    if (exit != 0) {
      throw new AssertionError("kiln " + String.join(" ", args) + " exited " + exit + ":\n" + out);
    }
    return out.toString();
  }

  /** The lines of an S3 object (s3://), without the final line break. */
  static List<String> lines(String uri) {
    String text = new String(S3Files.read(spark().sparkContext().hadoopConfiguration(),
        uri.replaceFirst("^s3://", "s3a://")), java.nio.charset.StandardCharsets.UTF_8);
    if (!text.endsWith("\n")) {
      throw new AssertionError(uri + " does not end with a line break");
    }
    return List.of(text.substring(0, text.length() - 1).split("\n", -1));
  }
}
