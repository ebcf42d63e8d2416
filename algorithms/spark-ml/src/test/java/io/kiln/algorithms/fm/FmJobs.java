package io.kiln.algorithms.fm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.SpecReader;
import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import io.kiln.testing.TestSpark;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * What the Factorization Machines tests share: one local Spark session wired to the test S3 server
 * (made again only when another test class stopped it), a bucket, SageMaker CreateTrainingJob
 * requests for a built-in image, and the standardisation and split of Linear Learner's reference
 * test (every fifth row is a test row; features scaled by the train rows' mean and population
 * standard deviation, as scikit-learn's StandardScaler).
 */
final class FmJobs {
  static final String IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/factorization-machines:1";
  static final String LINEAR_IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1";
  static final String BUCKET = "kiln-fm";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static SparkSession spark;

  private FmJobs() {}

  /** The shared session (started on first use, or again after another class stopped it). */
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

  /** Writes bytes as one object and returns its s3:// URI. */
  static String put(String key, byte[] bytes) {
    S3Files.write(spark().sparkContext().hadoopConfiguration(), "s3a://" + BUCKET + "/" + key, bytes);
    return "s3://" + BUCKET + "/" + key;
  }

  /** Writes CSV lines as one object and returns its s3:// URI. */
  static String put(String key, List<String> lines) {
    return put(key, (String.join("\n", lines) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The prefix (s3://.../) of an object URI. */
  static String prefix(String uri) {
    return uri.substring(0, uri.lastIndexOf('/') + 1);
  }

  /**
   * A channel of a request.
   *
   * @param uri an S3 prefix
   * @param contentType its ContentType
   */
  record Channel(String uri, String contentType) {}

  /** Runs a CreateTrainingJob request for {@code image} on {@code instances} instances. */
  static JobResult run(String image, String name, Map<String, String> hyperparameters, Map<String, Channel> channels,
      int instances) {
    ObjectNode r = JSON.createObjectNode().put("TrainingJobName", name);
    r.putObject("AlgorithmSpecification").put("TrainingImage", image).put("TrainingInputMode", "File");
    r.put("RoleArn", "arn:aws:iam::111122223333:role/KilnFmTest");
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
    return runner().run(SpecReader.readTrainingJob(r.toString(), name + ".json"));
  }

  /** The final metrics of a job, by name. */
  static Map<String, Double> finalMetrics(String name) {
    Map<String, Double> out = new LinkedHashMap<>();
    runner().store().load(name).orElseThrow().finalMetricDataList().forEach(m -> out.put(m.metricName(), m.value()));
    return out;
  }

  /** The model of a completed job, through the algorithm's own loader. */
  static FmModel model(JobResult r) {
    Map<String, byte[]> files = S3Files.untar(S3Files.read(spark().sparkContext().hadoopConfiguration(),
        r.modelArtifacts().replaceFirst("^s3://", "s3a://")));
    return FmModel.read(files.get(FmModel.FILE));
  }

  /** Train and test rows (label first): every fifth row is a test row, as Linear Learner's reference test. */
  record Split(List<String> train, List<String> test) {
    static Split of(List<String> rows) {
      List<String> train = new ArrayList<>();
      List<String> test = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        (i % 5 == 4 ? test : train).add(rows.get(i));
      }
      return new Split(train, test);
    }

    /** Both sides with the features standardised by the train rows (StandardScaler: population sd). */
    Split standardised() {
      float[][] x = features(train);
      int d = x[0].length;
      double[] mean = new double[d];
      double[] sd = new double[d];
      for (float[] row : x) {
        for (int j = 0; j < d; j++) {
          mean[j] += row[j] / (double) x.length;
        }
      }
      for (float[] row : x) {
        for (int j = 0; j < d; j++) {
          sd[j] += (row[j] - mean[j]) * (row[j] - mean[j]) / x.length;
        }
      }
      for (int j = 0; j < d; j++) {
        sd[j] = sd[j] > 0 ? Math.sqrt(sd[j]) : 1;
      }
      return new Split(scale(train, mean, sd), scale(test, mean, sd));
    }

    private static List<String> scale(List<String> rows, double[] mean, double[] sd) {
      List<String> out = new ArrayList<>();
      for (String row : rows) {
        String[] c = row.split(",");
        StringBuilder b = new StringBuilder(c[0]);
        for (int j = 1; j < c.length; j++) {
          b.append(',').append((float) ((Double.parseDouble(c[j]) - mean[j - 1]) / sd[j - 1]));
        }
        out.add(b.toString());
      }
      return out;
    }

    /** Uploads train (two objects) and test as CSV channels under {@code prefix}. */
    Map<String, Channel> upload(String prefix) {
      int half = train.size() / 2;
      put(prefix + "/train/part-0.csv", train.subList(0, half));
      put(prefix + "/train/part-1.csv", train.subList(half, train.size()));
      put(prefix + "/test/part-0.csv", test);
      Map<String, Channel> channels = new LinkedHashMap<>();
      channels.put("train", new Channel("s3://" + BUCKET + "/" + prefix + "/train/", "text/csv"));
      channels.put("test", new Channel("s3://" + BUCKET + "/" + prefix + "/test/", "text/csv"));
      return channels;
    }
  }

  /**
   * Runs the {@code kiln} command line in this JVM (it reuses the shared session) against the
   * runner's job root and the test S3 server; asserts it exits 0 and returns what it printed.
   */
  static String kiln(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    List<String> all = new ArrayList<>(List.of(args));
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

  /** The labels of CSV rows whose label is first. */
  static double[] labels(List<String> rows) {
    return rows.stream().mapToDouble(r -> Double.parseDouble(r.substring(0, r.indexOf(',')))).toArray();
  }

  /** The features of CSV rows whose label is first. */
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
}
