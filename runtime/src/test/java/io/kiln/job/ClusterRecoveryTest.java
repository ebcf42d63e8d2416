package io.kiln.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spec.SpecReader;
import io.kiln.testing.CountingAlgorithm;
import io.kiln.testing.LocalCluster;
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

/** The runner on a real standalone cluster: executors in their own JVMs. */
@Tag("cluster")
class ClusterRecoveryTest {
  static LocalCluster cluster;
  static SparkSession spark;
  static TrainingJobRunner runner;
  static Path dir;
  static String train;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(2);
    spark = TestSpark.start(null, cluster.driverConf());
    runner = new TrainingJobRunner(spark, new JobStore(new KilnConf(spark.sparkContext().getConf()).jobRoot(),
        spark.sparkContext().hadoopConfiguration()), new Algorithms(List.of(new CountingAlgorithm())));
    dir = TestSpark.tempDir("kiln-cluster-job-");
    train = SharedData.writeLocal(dir, "train.csv", SharedData.iris());
  }

  @AfterAll
  static void stop() {
    spark.stop();
    cluster.close();
  }

  @Test
  void runsOnExecutorsOfARealCluster() {
    JobResult r = runner.run(SpecReader.readTrainingJob("""
        {"name": "cluster-ok", "algorithm": "counting", "hyperparameters": {"rounds": "5"},
         "channels": [{"name": "train", "uri": "%s"}], "outputPath": "%s", "resources": {"workers": 2}}
        """.formatted(train, dir.resolve("out").toUri()), "test"));
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(cluster.executors(0)).hasSize(1);
    assertThat(cluster.executors(1)).hasSize(1);
  }
}
