package io.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.record.JobRecords;
import io.kiln.record.JobStore;
import io.kiln.spec.SpecReader;
import io.kiln.testing.S3Server;
import io.kiln.testing.TestSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The read-only commands as users run them: {@code scripts/kiln} in a new JVM each time, on the
 * launcher's slim classpath (kiln.jar, Hadoop's client, s3a, SLF4J's simple logger) with the
 * class-data-sharing archive the first of them makes. They print what they should, exit with the
 * documented codes and say nothing else on stderr (no logging framework's start-up complaints).
 */
class LauncherIT {
  static Path dir;
  static String root;
  static Path cds;

  /** Records of running jobs whose heartbeat stays fresh for an hour, however slow the machine. */
  @BeforeAll
  static void jobs() throws Exception {
    dir = TestSpark.tempDir("kiln-launcher-");
    root = dir.resolve("jobs").toUri().toString();
    cds = dir.resolve("cds");
    JobStore store = new JobStore(root, new Configuration());
    for (String name : List.of("launch-1", "launch-2", "launch-cut")) {
      var spec = SpecReader.readTrainingJob("""
          {"name": "%s", "algorithm": "xgboost", "channels": [{"name": "train", "uri": "s3://b/train/"}],
           "outputPath": "s3://b/out/"}
          """.formatted(name), "test");
      store.create(JobRecords.created(spec, Instant.now(), "local[2]", "app-1", "127.0.0.1", 1, 3600));
    }
    Path cut = dir.resolve("jobs/training-jobs/launch-cut/record.json");
    Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(cut), 40));
  }

  record Run(int exit, String out, String err) {}

  static Run kiln(String... args) throws Exception {
    return kiln(root, java.util.Map.of(), args);
  }

  static Run kiln(String jobRoot, java.util.Map<String, String> env, String... args) throws Exception {
    Path repo = Path.of(System.getProperty("kiln.repo.root"));
    List<String> cmd = new ArrayList<>(List.of(repo.resolve("scripts/kiln").toString()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--job-root", jobRoot));
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("KILN_CDS_DIR", cds.toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(String.join(" ", cmd)).isTrue();
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err,
        StandardCharsets.UTF_8));
  }

  @Test
  void theReadOnlyCommandsRunOnTheSlimClasspathAndSayNothingElse() throws Exception {
    // the first run makes the class-data-sharing archive, the second uses it
    for (int pass = 0; pass < 2; pass++) {
      Run describe = kiln("describe", "launch-1", "--json");
      assertThat(describe.exit).as(describe.err).isZero();
      assertThat(new ObjectMapper().readTree(describe.out).get("TrainingJobName").asText()).isEqualTo("launch-1");
      assertThat(describe.err).isEmpty();

      Run list = kiln("list");
      assertThat(list.exit).as(list.err).isZero();
      assertThat(list.out).containsPattern("launch-1\\s+InProgress").containsPattern("launch-cut\\s+Unreadable");
      assertThat(list.err.lines()).singleElement().asString().startsWith("kiln list: The training job record ")
          .contains("launch-cut/record.json cannot be read");

      Run missing = kiln("describe", "no-such-job");
      assertThat(missing.exit).isEqualTo(4);
      assertThat(missing.err.lines()).singleElement().asString().contains("no-such-job");
      try (var archives = Files.list(cds)) {
        assertThat(archives.filter(p -> p.getFileName().toString().endsWith(".jsa"))).as("the CDS archive").hasSize(1);
      }
    }
  }

  /**
   * On an {@code s3://} job root the same commands load s3a and the AWS SDK, which the launcher
   * keeps off their class path ({@link S3aJars}), and read the records through the S3 server.
   */
  @Test
  void theReadOnlyCommandsReadAnS3JobRootThroughTheDeferredS3aJars() throws Exception {
    S3Server s3 = S3Server.get();
    String bucket = s3.bucket("kiln-launcher");
    Configuration conf = new Configuration();
    java.util.Map<String, String> s3a = new java.util.LinkedHashMap<>(io.kiln.storage.S3Settings.defaults());
    s3a.putAll(io.kiln.storage.S3Settings.fromEnvironment(s3.environment()));
    s3a.forEach((k, v) -> conf.set(k.substring("spark.hadoop.".length()), v));
    String s3Root = "s3://" + bucket + "/jobs";
    var spec = SpecReader.readTrainingJob("""
        {"name": "on-s3", "algorithm": "xgboost", "channels": [{"name": "train", "uri": "s3://b/train/"}],
         "outputPath": "s3://b/out/"}
        """, "test");
    new JobStore(s3Root, conf).create(JobRecords.created(spec, Instant.now(), "local[2]", "app-1", "127.0.0.1", 1, 3600));

    Run describe = kiln(s3Root, s3.environment(), "describe", "on-s3", "--json");
    assertThat(describe.exit).as(describe.err).isZero();
    assertThat(new ObjectMapper().readTree(describe.out).get("TrainingJobName").asText()).isEqualTo("on-s3");
    assertThat(describe.err).isEmpty();
    Run list = kiln(s3Root, s3.environment(), "list");
    assertThat(list.exit).as(list.err).isZero();
    assertThat(list.out).containsPattern("on-s3\\s+InProgress");
  }
}
