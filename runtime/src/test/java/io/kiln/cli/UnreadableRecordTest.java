package io.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.record.JobStore;
import io.kiln.record.JobRecord;
import io.kiln.record.JobRecords;
import io.kiln.spec.SpecReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One broken record does not hide the rest (hardening, kind 8): {@code kiln list} shows every
 * readable job and marks the ones whose record cannot be read, and {@code describe} of a broken
 * one says which file in one line. The commands start no Spark.
 */
class UnreadableRecordTest {
  @TempDir
  Path dir;

  String root;

  record Run(int exit, String out, String err) {}

  Run kiln(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of(
        "--job-root", root)).toArray(String[]::new);
    int exit = Kiln.execute(all, new PrintWriter(out, true), new PrintWriter(err, true), Map.of());
    return new Run(exit, out.toString(), err.toString());
  }

  static JobRecord record(String name) {
    var spec = SpecReader.readTrainingJob("""
        {"name": "%s", "algorithm": "xgboost", "channels": [{"name": "train", "uri": "s3://b/train/"}],
         "outputPath": "s3://b/out/"}
        """.formatted(name), "test");
    return JobRecords.created(spec, java.time.Instant.now(), "local[2]", "app-1", "127.0.0.1", 1, 30);
  }

  @BeforeEach
  void jobs() throws Exception {
    root = dir.resolve("jobs").toString();
    JobStore store = new JobStore(root, new Configuration());
    for (String name : new String[] {"good-1", "cut-short", "emptied", "good-2"}) {
      store.create(record(name));
    }
    Path training = dir.resolve("jobs/training-jobs");
    byte[] whole = Files.readAllBytes(training.resolve("cut-short/record.json"));
    // a write cut short halfway (a filesystem without atomic replace, a full disk)
    Files.write(training.resolve("cut-short/record.json"), java.util.Arrays.copyOf(whole, whole.length / 2));
    Files.write(training.resolve("emptied/record.json"), new byte[0]);
    Path tuning = dir.resolve("jobs/tuning-jobs");
    Files.createDirectories(tuning.resolve("tune-ok"));
    Files.writeString(tuning.resolve("tune-ok/record.json"), """
        {"HyperParameterTuningJobName": "tune-ok", "HyperParameterTuningJobStatus": "Completed",
         "CreationTime": "2026-11-30T10:00:00Z", "Kiln": {"Trials": []}}""", StandardCharsets.UTF_8);
    Files.createDirectories(tuning.resolve("tune-cut"));
    Files.writeString(tuning.resolve("tune-cut/record.json"), "{\"HyperParameterTuningJobName\": \"tune-",
        StandardCharsets.UTF_8);
  }

  @Test
  void listShowsEveryReadableJobAndMarksTheBrokenOnes() {
    Run list = kiln("list");
    assertThat(list.exit).as(list.err).isZero();
    assertThat(list.out).containsPattern("good-1\\s+InProgress").containsPattern("good-2\\s+InProgress")
        .containsPattern("cut-short\\s+Unreadable").containsPattern("emptied\\s+Unreadable")
        .containsPattern("tune-ok\\s+Completed").containsPattern("tune-cut\\s+Unreadable");
    assertThat(list.err.lines()).hasSize(3).allSatisfy(line -> assertThat(line).startsWith("kiln list: The ")
        .contains("record.json cannot be read (").doesNotContain("\tat "));
    assertThat(list.err).contains("training-jobs/cut-short/record.json", "training-jobs/emptied/record.json",
        "tuning-jobs/tune-cut/record.json");
  }

  @Test
  void listJsonHasTheReadableJobsAndNamesTheBrokenOnesOnStderr() throws Exception {
    Run list = kiln("list", "--json");
    assertThat(list.exit).as(list.err).isZero();
    JsonNode response = new ObjectMapper().readTree(list.out);
    assertThat(response.get("TrainingJobSummaries").findValuesAsText("TrainingJobName"))
        .containsExactlyInAnyOrder("good-1", "good-2");
    assertThat(list.err).contains("cut-short/record.json", "emptied/record.json");
  }

  @Test
  void describeOfABrokenRecordSaysWhichFileInOneLine() {
    Run broken = kiln("describe", "cut-short");
    assertThat(broken.exit).isEqualTo(Kiln.EXIT_FAILED);
    assertThat(broken.out).isEmpty();
    assertThat(broken.err.strip()).doesNotContain("\n").contains("training-jobs/cut-short/record.json cannot be read (")
        .contains("delete its folder");
    Run good = kiln("describe", "good-2", "--json");
    assertThat(good.exit).as(good.err).isZero();
    assertThat(good.out).contains("\"TrainingJobName\" : \"good-2\"");
  }

  /**
   * Issue 10 (newcomer): {@code kiln stop} of a job that already ended, training or tuning, is
   * SageMaker's ValidationException naming its status, one line, exit 2; one still running is asked
   * to stop (exit 0).
   */
  @Test
  void stoppingAJobThatEndedIsAValidationErrorAndExitsTwo() {
    JobStore store = new JobStore(root, new Configuration());
    store.create(record("done-1").toBuilder().trainingJobStatus(io.kiln.record.TrainingJobStatus.Completed)
        .secondaryStatus(io.kiln.record.SecondaryStatus.Completed).build());
    Run training = kiln("stop", "done-1");
    assertThat(training.exit).as(training.err).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(training.err).isEqualTo("kiln: ValidationException: The request was rejected because the training job"
        + " is in status Completed; done-1 already ended, there is nothing to stop (see 'kiln describe done-1')\n");
    assertThat(store.stopRequest("done-1")).isEmpty();
    Run tuning = kiln("stop", "tune-ok");
    assertThat(tuning.exit).as(tuning.err).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(tuning.err).isEqualTo("kiln: ValidationException: The request was rejected because the hyperparameter"
        + " tuning job is in status Completed; tune-ok already ended, there is nothing to stop (see 'kiln"
        + " describe-tuning tune-ok')\n");
    Run running = kiln("stop", "good-1");
    assertThat(running.exit).as(running.err).isZero();
    assertThat(store.stopRequest("good-1")).isPresent();
  }

  /**
   * Issue 10 (newcomer): "no such job" names the job root as it was given (here a path without a
   * scheme, which Kiln reads as a file: URI), so the suggested command line works as typed.
   */
  @Test
  void noSuchJobNamesTheJobRootAsGiven() {
    Run missing = kiln("describe", "no-such");
    assertThat(missing.exit).isEqualTo(Kiln.EXIT_NO_SUCH_JOB);
    assertThat(missing.err).isEqualTo("kiln: ResourceNotFound: no training job named 'no-such' in " + root
        + " (see 'kiln list --job-root " + root + "')\n");
  }
}
