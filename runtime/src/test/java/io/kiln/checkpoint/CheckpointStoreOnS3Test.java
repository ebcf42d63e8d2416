package io.kiln.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.barrier.HadoopConf;
import io.kiln.storage.S3Settings;
import io.kiln.testing.S3Server;
import io.kiln.testing.TestSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Checkpoints on the real S3 server while it restarts: the store's test hook pauses a save after its
 * files and before its manifest, the server is killed and started again, and a restore never picks
 * up the half-written checkpoint.
 */
@Tag("s3")
class CheckpointStoreOnS3Test {
  private static Path state(String model) throws java.io.IOException {
    Path d = TestSpark.tempDir("kiln-state-");
    Files.writeString(d.resolve("model"), model);
    return d;
  }

  @Test
  void aCheckpointInterruptedByAnS3RestartIsNeverRestored() throws Exception {
    S3Server s3 = S3Server.get();
    s3.bucket("kiln-ckpt");
    Path pause = TestSpark.tempDir("kiln-pause-").resolve("pause");
    Configuration conf = new Configuration();
    Map<String, String> s3a = new LinkedHashMap<>(S3Settings.defaults());
    s3a.putAll(S3Settings.fromEnvironment(s3.environment()));
    s3a.forEach((k, v) -> conf.set(k.substring("spark.hadoop.".length()), v));
    conf.set("fs.s3a.attempts.maximum", "2");
    conf.set("fs.s3a.retry.limit", "2");
    conf.set("fs.s3a.retry.interval", "200ms");
    conf.set("fs.s3a.impl.disable.cache", "true");
    Configuration pausing = new Configuration(conf);
    pausing.set(HadoopCheckpointStore.PAUSE_FILE, pause.toString());
    HadoopCheckpointStore writer = new HadoopCheckpointStore("s3a://kiln-ckpt/job-1/", 3, new HadoopConf(pausing));
    HadoopCheckpointStore reader = new HadoopCheckpointStore("s3a://kiln-ckpt/job-1/", 3, new HadoopConf(conf));

    writer.save(10, state("ten"), HadoopCheckpointStoreTest.JOB);
    Files.writeString(pause, "hold");
    Path twenty = state("twenty");
    CompletableFuture<Void> save = CompletableFuture.runAsync(
        () -> writer.save(20, twenty, HadoopCheckpointStoreTest.JOB));
    Path paused = pause.resolveSibling("pause.paused");
    long deadline = System.currentTimeMillis() + 60_000;
    while (!Files.exists(paused) && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertThat(paused).exists();
    // the files of round 20 are on S3, its manifest is not: a restore now must take round 10
    assertThat(reader.latest().orElseThrow().round()).isEqualTo(10);

    // the server is shared by every test class of this JVM: it runs again however this part ends
    boolean failed;
    s3.kill();
    try {
      Files.delete(pause); // the writer goes on to its manifest while the server is down
      try {
        save.get(120, TimeUnit.SECONDS);
        failed = false;
      } catch (java.util.concurrent.ExecutionException e) {
        failed = true;
      }
    } finally {
      s3.restart();
    }
    assertThat(failed).as("the manifest write fails while the server is down").isTrue();
    assertThat(reader.latest().orElseThrow().round()).isEqualTo(10);
    Path restored = TestSpark.tempDir("kiln-restored-");
    assertThat(reader.restore(reader.latest().orElseThrow(), restored)).isTrue();
    assertThat(Files.readString(restored.resolve("model"), StandardCharsets.UTF_8)).isEqualTo("ten");

    // once the server is back, the next checkpoint completes and becomes the newest
    writer.save(30, state("thirty"), HadoopCheckpointStoreTest.JOB);
    assertThat(reader.latest().orElseThrow().round()).isEqualTo(30);
  }
}
