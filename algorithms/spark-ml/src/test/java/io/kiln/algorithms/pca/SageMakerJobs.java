package io.kiln.algorithms.pca;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.channel.RecordIoProtobuf;
import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.SpecReader;
import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import io.kiln.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The K-Means and PCA tests' one Spark session and S3 bucket, and SageMaker CreateTrainingJob
 * requests (PascalCase, the algorithm's TrainingImage) run through the runner, as a user's would.
 */
public final class SageMakerJobs {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static SageMakerJobs shared;

  public final S3Server s3;
  public final SparkSession spark;
  public final TrainingJobRunner runner;
  public final String bucket;

  private SageMakerJobs() {
    s3 = S3Server.get();
    bucket = s3.bucket("kiln-unsupervised");
    spark = TestSpark.start(s3, Map.of());
    runner = TrainingJobRunner.on(spark);
  }

  /** The session every K-Means and PCA test class shares (started once per test JVM). */
  public static synchronized SageMakerJobs get() {
    if (shared == null || shared.spark.sparkContext().isStopped()) {
      shared = new SageMakerJobs();
    }
    return shared;
  }

  /** One channel: its ContentType and its objects (key below the channel prefix to bytes). */
  public record Channel(String contentType, Map<String, byte[]> objects) {}

  /** A CSV channel of {@code lines}. */
  public static Channel csv(String contentType, List<String> lines) {
    return new Channel(contentType, Map.of("data.csv", (String.join("\n", lines) + "\n")
        .getBytes(StandardCharsets.UTF_8)));
  }

  /** Label-first CSV lines as RecordIO-protobuf records without labels, dense or sparse (zeros left out). */
  public static Channel recordIo(List<String> labelFirst, boolean sparse) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(bytes)) {
      for (String line : labelFirst) {
        float[] x = features(line);
        if (sparse) {
          List<Integer> idx = new ArrayList<>();
          for (int i = 0; i < x.length; i++) {
            if (x[i] != 0) {
              idx.add(i);
            }
          }
          int[] indices = idx.stream().mapToInt(Integer::intValue).toArray();
          float[] values = new float[indices.length];
          for (int j = 0; j < indices.length; j++) {
            values[j] = x[indices[j]];
          }
          w.sparse(x.length, indices, values, null);
        } else {
          w.dense(x, null);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Channel("application/x-recordio-protobuf", Map.of("data.rec", bytes.toByteArray()));
  }

  /** The features of a label-first CSV line. */
  public static float[] features(String line) {
    String[] f = line.split(",");
    float[] x = new float[f.length - 1];
    for (int i = 1; i < f.length; i++) {
      x[i - 1] = Float.parseFloat(f[i]);
    }
    return x;
  }

  /** Runs a CreateTrainingJob request for {@code image} with these channels on 2 workers. */
  public JobResult run(String name, String image, Map<String, String> hyperparameters, Map<String, Channel> channels) {
    var conf = spark.sparkContext().hadoopConfiguration();
    String root = "s3://" + bucket;
    ObjectNode r = JSON.createObjectNode().put("TrainingJobName", name);
    r.putObject("AlgorithmSpecification").put("TrainingImage", image).put("TrainingInputMode", "File");
    r.put("RoleArn", "arn:aws:iam::111122223333:role/KilnTest");
    ObjectNode hp = r.putObject("HyperParameters");
    hyperparameters.forEach(hp::put);
    ArrayNode inputs = r.putArray("InputDataConfig");
    channels.forEach((channel, data) -> {
      String uri = root + "/" + name + "/" + channel + "/";
      data.objects().forEach((key, b) -> S3Files.write(conf, uri.replaceFirst("^s3://", "s3a://") + key, b));
      ObjectNode c = inputs.addObject().put("ChannelName", channel).put("ContentType", data.contentType());
      c.putObject("DataSource").putObject("S3DataSource").put("S3DataType", "S3Prefix").put("S3Uri", uri)
          .put("S3DataDistributionType", "FullyReplicated");
    });
    r.putObject("OutputDataConfig").put("S3OutputPath", root + "/output/");
    r.putObject("ResourceConfig").put("InstanceType", "ml.m5.large").put("InstanceCount", 2).put("VolumeSizeInGB", 10);
    r.putObject("StoppingCondition").put("MaxRuntimeInSeconds", 600);
    return runner.run(SpecReader.readTrainingJob(r.toString(), name + ".json"));
  }

  /** The files of a finished job's model.tar.gz. */
  public Map<String, byte[]> model(JobResult r) {
    return S3Files.untar(S3Files.read(spark.sparkContext().hadoopConfiguration(),
        r.modelArtifacts().replaceFirst("^s3://", "s3a://")));
  }

  /** The final metrics of a finished job, by name. */
  public Map<String, Double> finalMetrics(String name) {
    Map<String, Double> out = new LinkedHashMap<>();
    runner.store().load(name).orElseThrow().finalMetricDataList().forEach(m -> out.put(m.metricName(), m.value()));
    return out;
  }

  /** Writes lines as one object of the tests' bucket and returns its s3:// URI. */
  public String put(String key, List<String> lines) {
    S3Files.write(spark.sparkContext().hadoopConfiguration(), "s3a://" + bucket + "/" + key,
        (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    return "s3://" + bucket + "/" + key;
  }

  /** The lines of an S3 object (s3://), without the final line break, which it must have. */
  public List<String> lines(String uri) {
    String text = new String(S3Files.read(spark.sparkContext().hadoopConfiguration(),
        uri.replaceFirst("^s3://", "s3a://")), StandardCharsets.UTF_8);
    if (!text.endsWith("\n")) {
      throw new AssertionError(uri + " does not end with a line break");
    }
    return List.of(text.substring(0, text.length() - 1).split("\n", -1));
  }

  /**
   * Runs the {@code kiln} command line in this JVM (it reuses the shared session) against the
   * runner's job root and the test S3 server; asserts it exits 0 and returns what it printed.
   */
  public String kiln(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--job-root", runner.store().root()));
    int exit = io.kiln.cli.Kiln.execute(all.toArray(String[]::new), new java.io.PrintWriter(out, true),
        new java.io.PrintWriter(out, true), s3.environment());
    if (exit != 0) {
      throw new AssertionError("kiln " + String.join(" ", args) + " exited " + exit + ":\n" + out);
    }
    return out.toString();
  }

  /**
   * Several requests to the tests' scikit-learn script ({@code /reference/unsupervised_reference.py})
   * in one Python process, started now on another thread so it runs beside the Kiln jobs; the answers
   * in the requests' order.
   */
  public static java.util.concurrent.CompletableFuture<List<com.fasterxml.jackson.databind.JsonNode>> reference(
      List<Map<String, Object>> requests) {
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      com.fasterxml.jackson.databind.JsonNode answers = io.kiln.testing.ReferencePython.call(SageMakerJobs.class,
          "/reference/unsupervised_reference.py", Map.of("op", "batch", "requests", requests));
      List<com.fasterxml.jackson.databind.JsonNode> out = new ArrayList<>();
      answers.forEach(out::add);
      if (out.size() != requests.size()) {
        throw new AssertionError("the reference answered " + out.size() + " of " + requests.size() + " requests");
      }
      return out;
    });
  }

  /** Writes CSV lines to a new temporary file (deleted when the JVM exits) and returns its path. */
  public static String tempCsv(List<String> lines) {
    try {
      java.nio.file.Path file = io.kiln.testing.TestSpark.tempDir("kiln-unsupervised-ref-").resolve("x.csv");
      java.nio.file.Files.write(file, lines);
      return file.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Hyperparameters from alternating keys and values. */
  public static Map<String, String> hp(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
