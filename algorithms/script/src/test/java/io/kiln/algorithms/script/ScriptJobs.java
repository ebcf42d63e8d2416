package io.kiln.algorithms.script;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.SpecReader;
import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import io.kiln.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.spark.sql.SparkSession;

/**
 * What the script-job tests share: the JVM's local Spark session wired to the test S3 server, a
 * bucket, source archives as the SageMaker SDK uploads them, and CreateTrainingJob requests for a
 * framework image.
 */
final class ScriptJobs {
  static final String BUCKET = "kiln-script";
  static final String PYTORCH_IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-cpu-py311";
  /** Debian's interpreter (the first python3 on PATH here may be a bare pyenv one). */
  static final String PYTHON = "/usr/bin/python3";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static SparkSession spark;

  private ScriptJobs() {}

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

  /** Writes bytes as one object; returns its s3:// URI. */
  static String put(String key, byte[] bytes) {
    S3Files.write(spark().sparkContext().hadoopConfiguration(), "s3a://" + BUCKET + "/" + key, bytes);
    return "s3://" + BUCKET + "/" + key;
  }

  static String put(String key, String text) {
    return put(key, text.getBytes(StandardCharsets.UTF_8));
  }

  /** A test resource's text (scripts/probe.py). */
  static String resource(String name) {
    try (InputStream in = ScriptJobs.class.getResourceAsStream("/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A gzip-compressed tar of the entries (name → text), in order, names written as given. */
  static byte[] tarGz(Map<String, String> entries) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Map.Entry<String, String> e : entries.entrySet()) {
        byte[] data = e.getValue().getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry entry = new TarArchiveEntry(e.getKey(), true); // preserve the name exactly (../x)
        entry.setSize(data.length);
        entry.setMode(0644);
        tar.putArchiveEntry(entry);
        tar.write(data);
        tar.closeArchiveEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Uploads a source archive of the probe script (and {@code extra} entries) under {@code key}; its s3:// URI. */
  static String probeSource(String key, Map<String, String> extra) {
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("probe.py", resource("scripts/probe.py"));
    entries.putAll(extra);
    return put(key, tarGz(entries));
  }

  /** A channel: an S3 prefix, its ContentType (or null) and distribution. */
  record Channel(String uri, String contentType, String distribution) {}

  /** A CreateTrainingJob request for the PyTorch framework image, as the SageMaker SDK writes it. */
  static String request(String name, Map<String, String> hyperparameters, Map<String, Channel> channels,
      int instances, Map<String, String> environment) {
    ObjectNode r = JSON.createObjectNode().put("TrainingJobName", name);
    r.putObject("AlgorithmSpecification").put("TrainingImage", PYTORCH_IMAGE).put("TrainingInputMode", "File");
    r.put("RoleArn", "arn:aws:iam::111122223333:role/KilnScriptTest");
    ObjectNode hp = r.putObject("HyperParameters");
    hyperparameters.forEach(hp::put);
    ArrayNode inputs = r.putArray("InputDataConfig");
    channels.forEach((channel, c) -> {
      ObjectNode in = inputs.addObject().put("ChannelName", channel);
      if (c.contentType() != null) {
        in.put("ContentType", c.contentType());
      }
      in.putObject("DataSource").putObject("S3DataSource").put("S3DataType", "S3Prefix").put("S3Uri", c.uri())
          .put("S3DataDistributionType", c.distribution());
    });
    r.putObject("OutputDataConfig").put("S3OutputPath", "s3://" + BUCKET + "/output/");
    r.putObject("ResourceConfig").put("InstanceType", "ml.m5.large").put("InstanceCount", instances)
        .put("VolumeSizeInGB", 10);
    r.putObject("StoppingCondition").put("MaxRuntimeInSeconds", 600);
    ObjectNode env = r.putObject("Environment");
    environment.forEach(env::put);
    return r.toString();
  }

  static JobResult run(String request, String source) {
    return runner().run(SpecReader.readTrainingJob(request, source));
  }

  /** The job's log. */
  static String log(String name) {
    return runner().store().readLog(name).orElseThrow();
  }

  /** Every probe report in a job's log, in log order. */
  static List<JsonNode> probes(String name) {
    List<JsonNode> out = new ArrayList<>();
    for (String line : log(name).split("\n")) {
      int at = line.indexOf("KILN-PROBE ");
      if (at >= 0) {
        try {
          out.add(JSON.readTree(line.substring(at + "KILN-PROBE ".length())));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return out;
  }

  /** The files of a completed job's archive (s3:// URI). */
  static Map<String, byte[]> untar(String uri) {
    return S3Files.untar(S3Files.read(spark().sparkContext().hadoopConfiguration(), uri.replaceFirst("^s3://", "s3a://")));
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
