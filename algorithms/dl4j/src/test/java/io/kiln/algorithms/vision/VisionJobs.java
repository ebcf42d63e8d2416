package io.kiln.algorithms.vision;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.SpecReader;
import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;

/**
 * What the DL4J built-ins' tests share: one local Spark session wired to the test S3 server (made
 * again only when another test class stopped it), a bucket, SageMaker CreateTrainingJob requests
 * for a built-in image, and the real digit images of {@code ../shared/data/digits.csv.gz} (scikit-
 * learn's 1,797 8x8 handwritten digits, values 0..16) as PNG files.
 */
public final class VisionJobs {
  public static final String IC_IMAGE = "811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1";
  public static final String BUCKET = "kiln-vision";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static SparkSession spark;

  private VisionJobs() {}

  /** The shared session (started on first use, or again after another class stopped it). */
  public static synchronized SparkSession spark() {
    if (spark == null || spark.sparkContext().isStopped()) {
      S3Server s3 = S3Server.get();
      s3.bucket(BUCKET);
      spark = TestSpark.start(s3, Map.of());
    }
    return spark;
  }

  public static TrainingJobRunner runner() {
    return TrainingJobRunner.on(spark());
  }

  /** Writes bytes as one object and returns its s3:// URI. */
  public static String put(String key, byte[] bytes) {
    S3Files.write(spark().sparkContext().hadoopConfiguration(), "s3a://" + BUCKET + "/" + key, bytes);
    return "s3://" + BUCKET + "/" + key;
  }

  /** Writes many objects at once (4 uploads in flight): key to bytes. */
  public static void putAll(Map<String, byte[]> objects) {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      objects.forEach((key, bytes) -> done.add(pool.submit(() -> put(key, bytes))));
      for (Future<?> f : done) {
        f.get();
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      pool.shutdown();
    }
  }

  /** Reads an object of the bucket (s3:// or s3a:// URI). */
  public static byte[] read(String uri) {
    return S3Files.read(spark().sparkContext().hadoopConfiguration(), uri.replaceFirst("^s3://", "s3a://"));
  }

  /** The files of a job's model.tar.gz, by name. */
  public static Map<String, byte[]> modelFiles(JobResult r) {
    return S3Files.untar(read(r.modelArtifacts()));
  }

  /**
   * A channel of a request.
   *
   * @param uri an S3 prefix
   * @param contentType its ContentType
   */
  public record Channel(String uri, String contentType) {}

  /** A CreateTrainingJob request for {@code image} on {@code instances} instances. */
  public static ObjectNode request(String image, String name, Map<String, String> hyperparameters,
      Map<String, Channel> channels, int instances) {
    ObjectNode r = JSON.createObjectNode().put("TrainingJobName", name);
    r.putObject("AlgorithmSpecification").put("TrainingImage", image).put("TrainingInputMode", "File");
    r.put("RoleArn", "arn:aws:iam::111122223333:role/KilnVisionTest");
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
    r.putObject("StoppingCondition").put("MaxRuntimeInSeconds", 1200);
    return r;
  }

  /** Runs a CreateTrainingJob request. */
  public static JobResult run(ObjectNode request) {
    String name = request.get("TrainingJobName").asText();
    return runner().run(SpecReader.readTrainingJob(request.toString(), name + ".json"));
  }

  /** The final metrics of a job, by name. */
  public static Map<String, Double> finalMetrics(String name) {
    Map<String, Double> out = new LinkedHashMap<>();
    runner().store().load(name).orElseThrow().finalMetricDataList().forEach(m -> out.put(m.metricName(), m.value()));
    return out;
  }

  /**
   * The digit images: per row of digits.csv.gz (label first, then 64 values 0..16), an 8x8 gray PNG
   * scaled to 0..255.
   */
  public static final class Digits {
    public final List<Integer> labels = new ArrayList<>();
    public final List<byte[]> pngs = new ArrayList<>();
    public final List<float[]> pixels = new ArrayList<>();

    public static Digits load() {
      Digits d = new Digits();
      for (String line : SharedData.digits()) {
        String[] f = line.split(",");
        d.labels.add((int) Double.parseDouble(f[0]));
        float[] px = new float[64];
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 64; i++) {
          px[i] = Float.parseFloat(f[i + 1]);
          int v = Math.round(px[i] * 255 / 16);
          img.getRaster().setSample(i % 8, i / 8, 0, v);
        }
        d.pixels.add(px);
        d.pngs.add(png(img));
      }
      return d;
    }

    public int size() {
      return labels.size();
    }
  }

  /** PNG bytes of an image. */
  public static byte[] png(BufferedImage img) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
