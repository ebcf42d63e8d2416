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

  /** Hyperparameters from alternating keys and values. */
  public static Map<String, String> hp(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
