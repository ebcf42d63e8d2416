package io.kiln.bench;

import io.kiln.barrier.HadoopConf;
import io.kiln.checkpoint.HadoopCheckpointStore;
import io.kiln.record.JobRecord;
import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.JobBuilder;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.testing.LocalCluster;
import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import io.kiln.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;

/**
 * scripts/bench-spot: on a standalone cluster of real executor JVMs with checkpoints on the S3
 * server, measures (1) the checkpoint overhead at the default (adaptive) interval against the same
 * job without checkpoints, and (2) the wall time an executor loss costs against an uninterrupted
 * run. Arguments: work directory, rows, features, rounds, repetitions.
 */
public final class SpotBenchmark {
  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    int rows = Integer.parseInt(args[1]);
    int features = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    int reps = Integer.parseInt(args[4]);
    Path train = work.resolve("train/part-0.csv");
    if (!Files.exists(train)) {
      XGBoostBenchmark.generate(train, rows, features, 1);
    }
    S3Server s3 = S3Server.get();
    s3.bucket("kiln-bench");
    LocalCluster cluster = LocalCluster.start(2);
    Map<String, String> conf = new LinkedHashMap<>(cluster.driverConf());
    conf.put("spark.executor.memory", "2g");
    SparkSession spark = TestSpark.start(s3, conf);
    TrainingJobRunner runner = TrainingJobRunner.on(spark);
    // the data is read from S3, as Kiln's jobs read their channels: both variants then start the
    // executors' S3 client for reading, and the comparison isolates what checkpointing adds
    String data = "s3://kiln-bench/spot-data/" + rows + "x" + features + "/";
    String upload = "s3a" + data.substring(2) + "train/part-0.csv";
    if (!S3Files.exists(spark.sparkContext().hadoopConfiguration(), upload)) {
      S3Files.write(spark.sparkContext().hadoopConfiguration(), upload, Files.readAllBytes(train));
    }
    List<Double> plain = new ArrayList<>();
    List<Double> checkpointed = new ArrayList<>();
    List<String> checkpointCounts = new ArrayList<>();
    long stamp = System.currentTimeMillis();
    time(runner, spec("warmup-" + stamp, work, data, rounds, null)); // executors, JIT and caches warm, not counted
    for (int rep = 0; rep < reps; rep++) {
      plain.add(time(runner, spec("plain-" + stamp + "-" + rep, work, data, rounds, null)));
      String name = "ckpt-" + stamp + "-" + rep;
      checkpointed.add(time(runner, spec(name, work, data, rounds, "s3://kiln-bench/checkpoints/" + name + "/")));
      checkpointCounts.add(count(runner.store().readLog(name).orElse(""), "Checkpoint saved after round"));
    }
    // an executor SIGKILLed once the run has a periodic checkpoint in the store (or at 95 % of the
    // rounds if it has none by then): relaunching, re-reading and the rounds since that checkpoint
    String killed = "kill-" + stamp;
    String killedCheckpoints = "s3://kiln-bench/checkpoints/" + killed + "/";
    HadoopCheckpointStore store = new HadoopCheckpointStore(killedCheckpoints, 3,
        new HadoopConf(spark.sparkContext().hadoopConfiguration()));
    CompletableFuture<Double> interrupted = CompletableFuture.supplyAsync(() ->
        time(runner, spec(killed, work, data, rounds, killedCheckpoints)));
    while (true) {
      var r = runner.store().load(killed);
      Integer done = r.isPresent() ? r.get().kiln().roundsCompleted() : null;
      if (done != null && (done >= rounds * 95 / 100 || store.latest().isPresent())) {
        break;
      }
      Thread.sleep(200);
    }
    int killedAt = runner.store().load(killed).orElseThrow().kiln().roundsCompleted();
    cluster.killExecutors(0);
    double interruptedSeconds = interrupted.get();
    JobRecord rec = runner.store().load(killed).orElseThrow();
    Matcher m = Pattern.compile("Resumed from the checkpoint after round (\\d+)")
        .matcher(runner.store().readLog(killed).orElse(""));
    String restored = m.find() ? m.group(1) : "none";
    spark.stop();
    cluster.close();

    double p = median(plain);
    double c = median(checkpointed);
    System.out.printf(Locale.ROOT, "== %d rows x %d features, %d rounds, depth 6, 2 workers x 1 thread on a standalone "
        + "cluster, data and checkpoints on the S3 server%n", rows, features, rounds);
    System.out.printf(Locale.ROOT, "without checkpoints   %s s (median %.2f)%n", plain, p);
    System.out.printf(Locale.ROOT, "default checkpoints   %s s (median %.2f), checkpoints per run %s%n", checkpointed, c,
        checkpointCounts);
    System.out.printf(Locale.ROOT, "checkpoint overhead   %.1f %% of the job's wall time%n", 100 * (c - p) / p);
    System.out.printf(Locale.ROOT, "executor killed after round %d, resumed from round %s; interrupted run %.2f s vs "
        + "uninterrupted median %.2f s: the interruption cost %.2f s (%s)%n", killedAt, restored, interruptedSeconds, c,
        interruptedSeconds - c, rec.kiln().billing());
    System.out.flush();
    System.exit(0);
  }

  static TrainingJobSpec spec(String name, Path work, String data, int rounds, String checkpoint) {
    JobBuilder b = JobBuilder.named(name).algorithm("xgboost")
        .hyperparameters(Map.of("num_round", rounds, "objective", "binary:logistic", "max_depth", 6, "eta", 0.3,
            "eval_metric", "logloss"))
        .channel("train", data + "train/", "text/csv")
        .outputPath(work.resolve("out").toUri().toString()).workers(2);
    if (checkpoint != null) {
      b.checkpoint(checkpoint, null);
    }
    return b.build();
  }

  static double time(TrainingJobRunner runner, TrainingJobSpec spec) {
    long t0 = System.nanoTime();
    JobResult r = runner.run(spec);
    if (r.exitCode() != 0) {
      throw new IllegalStateException(spec.name() + " failed: " + r.failureReason());
    }
    return Math.round((System.nanoTime() - t0) / 1e7) / 100.0;
  }

  static String count(String log, String text) {
    int n = 0;
    for (int i = log.indexOf(text); i >= 0; i = log.indexOf(text, i + 1)) {
      n++;
    }
    return Integer.toString(n);
  }

  static double median(List<Double> values) {
    List<Double> s = new ArrayList<>(values);
    Collections.sort(s);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}
