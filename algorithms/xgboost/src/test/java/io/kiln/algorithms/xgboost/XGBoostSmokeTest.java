package io.kiln.algorithms.xgboost;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.record.TrainingJobStatus;
import io.kiln.spec.SpecReader;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.nio.file.Path;
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
}
