package io.kiln.algorithms.xgboost;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.record.TrainingJobStatus;
import io.kiln.spec.SpecReader;
import io.kiln.testing.S3Files;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.nio.file.Path;
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
}
