package io.kiln.algorithms.xgboost;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.channel.RecordIoProtobuf;
import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.record.TrainingJobStatus;
import io.kiln.spec.SpecReader;
import io.kiln.testing.S3Files;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("spark")
class XGBoostSmokeTest {
  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = TestSpark.start(null, Map.of());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void trainsTwoWorkersOnLocalFiles() {
    Path dir = TestSpark.tempDir("kiln-smoke-");
    String train = SharedData.writeLocal(dir, "data/train.csv", SharedData.breastCancer());
    String spec = """
        {"name": "smoke-1", "algorithm": "xgboost",
         "hyperparameters": {"num_round": "10", "objective": "binary:logistic", "max_depth": "3", "eval_metric": "auc", "subsample": "0.8"},
         "channels": [{"name": "train", "uri": "%s", "contentType": "text/csv"}],
         "outputPath": "%s",
         "resources": {"workers": 2}}
        """.formatted(train, dir.resolve("out").toUri());
    JobResult result = TrainingJobRunner.on(spark).run(SpecReader.readTrainingJob(spec, "inline"));
    assertThat(result.failureReason()).isNull();
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Completed);
  }

  @Test
  void aManifestFileChannelTrainsTheModelItsPrefixTrains() {
    Path dir = TestSpark.tempDir("kiln-manifest-");
    List<String> rows = SharedData.breastCancer();
    List<String> keys = List.of("b/nested/part-2.csv", "a/part-0.csv", "part-1.csv");
    for (int k = 0; k < keys.size(); k++) {
      SharedData.writeLocal(dir, "data/" + keys.get(k), rows.subList(k * rows.size() / 3, (k + 1) * rows.size() / 3));
    }
    String folder = dir.resolve("data").toUri().toString();
    String prefix = folder.endsWith("/") ? folder : folder + "/";
    String manifest = SharedData.writeLocal(dir, "train.manifest", List.of("[{\"prefix\": \"" + prefix + "\"}, \""
        + String.join("\", \"", keys) + "\"]"));

    byte[] fromPrefix = model(dir, "prefix-1", "{\"name\": \"train\", \"uri\": \"" + prefix + "\", "
        + "\"contentType\": \"text/csv\"}");
    byte[] fromManifest = model(dir, "manifest-1", "{\"name\": \"train\", \"uri\": \"" + manifest + "\", "
        + "\"dataType\": \"ManifestFile\", \"contentType\": \"text/csv\"}");

    assertThat(fromManifest).isEqualTo(fromPrefix);
  }

  /** Trains 10 rounds with sampling on two workers; the xgboost-model file of model.tar.gz. */
  private static byte[] model(Path dir, String name, String channel) {
    String spec = """
        {"name": "%s", "algorithm": "xgboost",
         "hyperparameters": {"num_round": "10", "objective": "binary:logistic", "max_depth": "3", "subsample": "0.8"},
         "channels": [%s], "outputPath": "%s", "resources": {"workers": 2}}
        """.formatted(name, channel, dir.resolve("out").toUri());
    JobResult result = TrainingJobRunner.on(spark).run(SpecReader.readTrainingJob(spec, "inline"));
    assertThat(result.status()).as(result.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    byte[] model = S3Files.untar(S3Files.read(spark.sparkContext().hadoopConfiguration(), result.modelArtifacts()))
        .get("xgboost-model");
    assertThat(model).isNotEmpty();
    return model;
  }

  /**
   * SageMaker's XGBoost container reads application/x-recordio-protobuf for training; the same rows as
   * dense RecordIO-protobuf records train the same model as their CSV, and as sparse records (zeros
   * left out) the same model as their LibSVM (absent entries are missing values in both).
   */
  @Test
  void recordIoProtobufTrainsTheModelItsCsvOrLibSvmTrains() throws IOException {
    Path dir = TestSpark.tempDir("kiln-recordio-");
    List<String> csv = SharedData.breastCancer();
    List<String> libsvm = new ArrayList<>();
    ByteArrayOutputStream dense = new ByteArrayOutputStream();
    ByteArrayOutputStream sparse = new ByteArrayOutputStream();
    int zeros = 0;
    try (RecordIoProtobuf.Writer d = new RecordIoProtobuf.Writer(dense);
        RecordIoProtobuf.Writer sp = new RecordIoProtobuf.Writer(sparse)) {
      for (String line : csv) {
        String[] cells = line.split(",");
        float label = Float.parseFloat(cells[0]);
        float[] f = new float[cells.length - 1];
        StringBuilder l = new StringBuilder().append(cells[0]);
        List<Integer> idx = new ArrayList<>();
        for (int c = 0; c < f.length; c++) {
          f[c] = Float.parseFloat(cells[c + 1]);
          if (f[c] != 0) {
            idx.add(c);
            l.append(' ').append(c).append(':').append(f[c]);
          } else {
            zeros++;
          }
        }
        libsvm.add(l.toString());
        d.dense(f, label);
        int[] indices = idx.stream().mapToInt(Integer::intValue).toArray();
        float[] values = new float[indices.length];
        for (int k = 0; k < indices.length; k++) {
          values[k] = f[indices[k]];
        }
        sp.sparse(f.length, indices, values, label);
      }
    }
    assertThat(zeros).as("the sparse records leave something out").isPositive();
    String csvUri = SharedData.writeLocal(dir, "csv/train.csv", csv);
    String libsvmUri = SharedData.writeLocal(dir, "libsvm/train.libsvm", libsvm);
    Files.createDirectories(dir.resolve("dense"));
    Files.write(dir.resolve("dense/train.rec"), dense.toByteArray());
    Files.createDirectories(dir.resolve("sparse"));
    Files.write(dir.resolve("sparse/train.rec"), sparse.toByteArray());

    byte[] fromCsv = model(dir, "rio-csv", csvUri, "text/csv");
    byte[] fromDense = model(dir, "rio-dense", dir.resolve("dense").toUri().toString(), "application/x-recordio-protobuf");
    byte[] fromLibSvm = model(dir, "rio-libsvm", libsvmUri, "text/libsvm");
    byte[] fromSparse = model(dir, "rio-sparse", dir.resolve("sparse").toUri().toString(), "recordio-protobuf");

    assertThat(new String(fromDense, StandardCharsets.UTF_8)).isEqualTo(new String(fromCsv, StandardCharsets.UTF_8));
    assertThat(new String(fromSparse, StandardCharsets.UTF_8))
        .isEqualTo(new String(fromLibSvm, StandardCharsets.UTF_8));
  }

  /** Trains 5 rounds on one worker (a single partition of the rows) and returns the xgboost-model bytes. */
  private static byte[] model(Path dir, String name, String train, String contentType) {
    String spec = """
        {"name": "%s", "algorithm": "xgboost",
         "hyperparameters": {"num_round": "5", "objective": "binary:logistic", "max_depth": "3", "subsample": "0.8"},
         "channels": [{"name": "train", "uri": "%s", "contentType": "%s"}],
         "outputPath": "%s",
         "resources": {"workers": 1}}
        """.formatted(name, train, contentType, dir.resolve("out").toUri());
    JobResult result = TrainingJobRunner.on(spark).run(SpecReader.readTrainingJob(spec, "inline"));
    assertThat(result.status()).as(name + ": " + result.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    return S3Files.untar(S3Files.read(spark.sparkContext().hadoopConfiguration(), result.modelArtifacts()))
        .get(XGBoostAlgorithm.MODEL_FILE);
  }
}
