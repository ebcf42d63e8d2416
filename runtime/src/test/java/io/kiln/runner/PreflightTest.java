package io.kiln.runner;

import io.kiln.record.JobRecord;
import io.kiln.record.JobStore;
import io.kiln.record.SecondaryStatus;
import io.kiln.record.TrainingJobStatus;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spec.SpecReader;
import io.kiln.testing.CountingAlgorithm;
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

/** Barrier execution cannot run with dynamic allocation: the job says so, with the setting to change. */
@Tag("spark")
class PreflightTest {
  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = TestSpark.start(null, Map.of("spark.dynamicAllocation.enabled", "true"));
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void dynamicAllocationIsRefusedNamingTheSetting() {
    Path dir = TestSpark.tempDir("kiln-preflight-");
    String train = SharedData.writeLocal(dir, "train.csv", SharedData.iris());
    TrainingJobRunner runner = new TrainingJobRunner(spark, new JobStore(dir.resolve("jobs").toUri().toString(),
        spark.sparkContext().hadoopConfiguration()), new Algorithms(List.of(new CountingAlgorithm())));
    JobResult r = runner.run(SpecReader.readTrainingJob("""
        {"name": "pre-dyn", "algorithm": "counting", "hyperparameters": {"rounds": "1"},
         "channels": [{"name": "train", "uri": "%s"}], "outputPath": "%s"}
        """.formatted(train, dir.resolve("out").toUri()), "test"));
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).contains("cannot run with spark.dynamicAllocation.enabled=true",
        "--conf spark.dynamicAllocation.enabled=false");
    assertThat(runner.store().load("pre-dyn").orElseThrow().secondaryStatusTransitions())
        .extracting(JobRecord.StatusTransition::status)
        .containsExactly(SecondaryStatus.Starting, SecondaryStatus.Failed);
  }
}
