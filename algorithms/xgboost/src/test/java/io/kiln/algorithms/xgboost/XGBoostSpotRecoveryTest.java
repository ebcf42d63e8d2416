package io.kiln.algorithms.xgboost;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.runner.JobListener;
import io.kiln.record.JobRecord;
import io.kiln.runner.JobResult;
import io.kiln.record.SecondaryStatus;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.record.TrainingJobStatus;
import io.kiln.spec.SpecReader;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.testing.LocalCluster;
import io.kiln.testing.S3Files;
import io.kiln.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * XGBoost on a real standalone cluster: an executor is SIGKILLed mid-training, the job resumes from
 * its newest checkpoint inside the next attempt, and the final model's predictions are identical to
 * those of an uninterrupted run with the same workers, row and column sampling included.
 */
@Tag("cluster")
class XGBoostSpotRecoveryTest {
  static LocalCluster cluster;
  static SparkSession spark;
  static TrainingJobRunner runner;
  static Path dir;
  static List<float[]> rows;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.start(2);
    spark = TestSpark.start(null, cluster.driverConf());
    runner = TrainingJobRunner.on(spark);
    dir = TestSpark.tempDir("kiln-xgb-spot-");
    rows = generate(120_000, 12);
    List<String> lines = new ArrayList<>();
    for (float[] r : rows) {
      StringBuilder b = new StringBuilder().append((int) r[0]);
      for (int j = 1; j < r.length; j++) {
        b.append(',').append(String.format(Locale.ROOT, "%.5g", r[j]));
      }
      lines.add(b.toString());
    }
    Files.createDirectories(dir.resolve("train"));
    Files.write(dir.resolve("train/part-0.csv"), lines);
    rows = new ArrayList<>();
    for (String l : lines) {
      String[] c = l.split(",");
      float[] r = new float[c.length];
      for (int j = 0; j < c.length; j++) {
        r[j] = Float.parseFloat(c[j]);
      }
      rows.add(r);
    }
  }

  @AfterAll
  static void stop() {
    spark.stop();
    cluster.close();
  }

  static TrainingJobSpec spec(String name) {
    return SpecReader.readTrainingJob("""
        {"name": "%s", "algorithm": "xgboost",
         "hyperparameters": {"num_round": "400", "objective": "binary:logistic", "max_depth": "5", "eta": "0.1",
                             "subsample": "0.8", "colsample_bytree": "0.8", "seed": "3", "eval_metric": "logloss"},
         "channels": [{"name": "train", "uri": "%s", "contentType": "text/csv"}],
         "outputPath": "%s", "resources": {"workers": 2},
         "checkpoint": {"uri": "%s", "intervalRounds": 10}}
        """.formatted(name, dir.resolve("train").toUri() + "/", dir.resolve("out").toUri(),
        dir.resolve("checkpoints/" + name).toUri()), "test");
  }

  @Test
  void killedExecutorResumesFromACheckpointAndTheModelIsIdenticalToAnUninterruptedRun() throws Exception {
    JobResult uninterrupted = runner.run(spec("spot-ref"));
    assertThat(uninterrupted.failureReason()).isNull();

    // the driver's listener kills worker 0's executor the moment round 60 is reported, mid-training
    java.util.concurrent.atomic.AtomicBoolean killed = new java.util.concurrent.atomic.AtomicBoolean();
    JobListener killAtRound60 = new JobListener() {
      @Override
      public void onRound(int round, int plannedRounds, java.util.Map<String, Double> metrics) {
        if (round >= 60 && killed.compareAndSet(false, true)) {
          cluster.killExecutors(0);
        }
      }
    };
    JobResult interrupted = CompletableFuture.supplyAsync(() -> runner.run(spec("spot-kill"), killAtRound60))
        .get(300, TimeUnit.SECONDS);
    assertThat(killed).isTrue();
    assertThat(interrupted.failureReason()).isNull();
    assertThat(interrupted.status()).isEqualTo(TrainingJobStatus.Completed);
    JobRecord record = runner.store().load("spot-kill").orElseThrow();
    assertThat(record.secondaryStatusTransitions()).extracting(JobRecord.StatusTransition::status)
        .containsSubsequence(SecondaryStatus.Training, SecondaryStatus.Interrupted, SecondaryStatus.Starting,
            SecondaryStatus.Downloading, SecondaryStatus.Training, SecondaryStatus.Completed);
    Matcher m = Pattern.compile("Resumed from the checkpoint after round (\\d+)")
        .matcher(runner.store().readLog("spot-kill").orElseThrow());
    assertThat(m.find()).isTrue();
    int restored = Integer.parseInt(m.group(1));
    assertThat(restored).isGreaterThan(0).isLessThan(400);

    float[] a = predict(model(uninterrupted));
    float[] b = predict(model(interrupted));
    double gap = 0;
    for (int i = 0; i < a.length; i++) {
      gap = Math.max(gap, Math.abs(a[i] - b[i]));
    }
    System.out.printf("spot recovery: restored at round %d of 400, max prediction gap %.3g%n", restored, gap);
    assertThat(gap).isEqualTo(0.0);
  }

  static byte[] model(JobResult r) {
    return S3Files.untar(S3Files.read(spark.sparkContext().hadoopConfiguration(), r.modelArtifacts()))
        .get("xgboost-model");
  }

  static float[] predict(byte[] model) throws Exception {
    int f = rows.get(0).length - 1;
    float[] data = new float[rows.size() * f];
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy(rows.get(i), 1, data, i * f, f);
    }
    Booster booster = XGBoost.loadModel(model);
    DMatrix m = new DMatrix(data, rows.size(), f, Float.NaN);
    float[][] p = booster.predict(m);
    float[] out = new float[p.length];
    for (int i = 0; i < p.length; i++) {
      out[i] = p[i][0];
    }
    return out;
  }

  static List<float[]> generate(int n, int features) {
    Random r = new Random(11);
    List<float[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] row = new float[features + 1];
      double z = 0;
      for (int j = 1; j <= features; j++) {
        row[j] = (float) r.nextGaussian();
        z += (j % 3 == 0 ? -1 : 1) * row[j] * (1.0 / j);
      }
      z += row[1] * row[2] + 0.5 * r.nextGaussian();
      row[0] = z > 0 ? 1 : 0;
      out.add(row);
    }
    return out;
  }
}
