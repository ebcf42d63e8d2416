package io.kiln.algorithms.script;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.record.JobRecord;
import io.kiln.record.SecondaryStatus;
import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.SpecReader;
import io.kiln.testing.LocalCluster;
import io.kiln.testing.S3Files;
import io.kiln.testing.TestSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Managed spot for script jobs on a real standalone cluster: the executor running the script is
 * SIGKILLed mid-run; the runtime starts the next attempt, whose worker restores the files the first
 * one synced to the checkpoint location before the script starts, and the script resumes from them.
 */
@Tag("cluster")
class ScriptSpotRecoveryTest {
  static LocalCluster cluster;
  static SparkSession spark;
  static TrainingJobRunner runner;
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.shared(2);
    if (SparkSession.getDefaultSession().isDefined()) { // another test class's local session (ScriptJobs makes a new one)
      SparkSession.getDefaultSession().get().stop();
    }
    Map<String, String> conf = new LinkedHashMap<>(cluster.driverConf());
    conf.put(ScriptAlgorithm.CHECKPOINT_SYNC_KEY, "1");
    spark = TestSpark.start(null, conf);
    runner = TrainingJobRunner.on(spark);
    dir = TestSpark.tempDir("kiln-script-spot-");
    Files.createDirectories(dir.resolve("src"));
    Files.writeString(dir.resolve("src/resume.py"), ScriptJobs.resource("scripts/resume.py"));
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(dir.resolve("data/x.csv"), "1\n");
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  @Test
  void aKilledExecutorsScriptResumesFromTheSyncedCheckpointInTheNextAttempt() throws Exception {
    String name = "script-spot";
    String spec = """
        {"name": "%s",
         "algorithm": {"entryPoint": "resume.py", "source": "%s", "interpreter": "%s"},
         "hyperparameters": {"steps": "30", "step-seconds": "0.5"},
         "channels": [{"name": "train", "uri": "%s"}],
         "outputPath": "%s", "resources": {"workers": 1},
         "checkpoint": {"uri": "%s"}}
        """.formatted(name, dir.resolve("src").toUri(), ScriptJobs.PYTHON, dir.resolve("data").toUri(),
        dir.resolve("out").toUri(), dir.resolve("checkpoints").toUri());
    long started = System.nanoTime();
    CompletableFuture<JobResult> running = CompletableFuture.supplyAsync(
        () -> runner.run(SpecReader.readTrainingJob(spec, name + ".json")));
    // once the script reached step 8 (its checkpoint synced every second), SIGKILL the executor running it
    Pattern first = Pattern.compile("RESUMED-FROM 0 pid=(\\d+) executor=(\\d+)");
    long executor = -1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
    while (true) {
      String log = runner.store().readLog(name).orElse("");
      Matcher m = first.matcher(log);
      if (m.find() && log.contains("] step 8\n")) {
        executor = Long.parseLong(m.group(2));
        break;
      }
      assertThat(running).as("the job still runs").isNotDone();
      assertThat(System.nanoTime()).as("step 8 within 240 s").isLessThan(deadline);
      Thread.sleep(100);
    }
    ProcessHandle handle = ProcessHandle.of(executor).orElseThrow();
    assertThat(cluster.executors(0).contains(handle) || cluster.executors(1).contains(handle))
        .as("pid " + executor + " is one of the cluster's executors").isTrue();
    handle.destroyForcibly();
    JobResult r = running.get(300, TimeUnit.SECONDS);
    System.out.printf("script-spot: Completed %.1f s after the start%n", (System.nanoTime() - started) / 1e9);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    JobRecord record = runner.store().load(name).orElseThrow();
    assertThat(record.secondaryStatusTransitions()).extracting(JobRecord.StatusTransition::status)
        .containsSubsequence(SecondaryStatus.Training, SecondaryStatus.Interrupted, SecondaryStatus.Training,
            SecondaryStatus.Completed);

    // the second attempt's script found the synced step and went on from it
    Matcher again = Pattern.compile("RESUMED-FROM (\\d+) ").matcher(runner.store().readLog(name).orElseThrow());
    assertThat(again.find()).isTrue();
    assertThat(again.find()).as("a second start").isTrue();
    int resumed = Integer.parseInt(again.group(1));
    assertThat(resumed).as("the retry starts past step 0").isBetween(1, 29);
    JsonNode result = ScriptJobs.json(new String(S3Files.untar(S3Files.read(spark.sparkContext().hadoopConfiguration(),
        r.modelArtifacts())).get("result.json"), StandardCharsets.UTF_8));
    assertThat(result.get("resumed_from").asInt()).isEqualTo(resumed);
    assertThat(result.get("ran").size()).isEqualTo(30 - resumed);
    assertThat(result.get("ran").get(0).asInt()).isEqualTo(resumed + 1);
    assertThat(runner.store().readLog(name).orElseThrow()).contains("Restored 1 checkpoint file(s)");
    System.out.printf("script-spot: the retry resumed from step %d of 30%n", resumed);
  }
}
