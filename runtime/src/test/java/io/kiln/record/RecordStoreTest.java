package io.kiln.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kiln.spec.SpecReader;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The record store on a local job root: names cannot leave it, and what it writes is the owner's alone. */
class RecordStoreTest {
  @TempDir
  Path root;

  JobStore store() {
    return new JobStore(root.resolve("jobs").toString(), new Configuration());
  }

  static JobRecord record(String name) {
    var spec = SpecReader.readTrainingJob("""
        {"name": "%s", "algorithm": "xgboost", "channels": [{"name": "train", "uri": "s3://b/train/"}],
         "outputPath": "s3://b/out/"}
        """.formatted(name), "test");
    return JobRecords.created(spec, Instant.now(), "local[2]", "app-1", "127.0.0.1", 1, 30);
  }

  @ParameterizedTest
  @ValueSource(strings = {"../victim", "..", "a/b", "x/../../etc", "name\n[Completed]", ""})
  void aNameThatCouldLeaveTheJobRootIsRefusedByEveryOperation(String name) throws Exception {
    JobStore store = store();
    Files.createDirectories(root.resolve("victim"));
    for (Runnable op : new Runnable[] {() -> store.load(name), () -> store.readLog(name),
        () -> store.requestStop(name, "x"), () -> store.writeLog(name, "forged")}) {
      KilnException e = catchThrowableOfType(KilnException.class, op::run);
      assertThat(e).isNotNull();
      assertThat(e.type()).isEqualTo(ErrorType.USER);
      assertThat(e.getMessage()).doesNotContain("\n").endsWith("is not a valid training job name: use 1 to 63 letters,"
          + " digits and hyphens, starting and ending with a letter or digit");
    }
    try (var files = Files.walk(root)) {
      assertThat(files.filter(Files::isRegularFile)).as("nothing was written anywhere").isEmpty();
    }
  }

  @Test
  void recordsAndLogsAreReadableByTheirOwnerOnly() throws Exception {
    JobStore store = store();
    store.create(record("private-1"));
    store.writeLog("private-1", "a line\n");
    store.save(record("private-1"));
    Path dir = root.resolve("jobs/training-jobs/private-1");
    for (String file : new String[] {"record.json", "job.log"}) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(file))))
          .as(file).isEqualTo("rw-------");
    }
  }

  @Test
  void aFolderNoJobCouldHaveIsNotListed() throws Exception {
    JobStore store = store();
    store.create(record("listed-1"));
    Files.createDirectories(root.resolve("jobs/training-jobs/.DS_Store"));
    Files.createDirectories(root.resolve("jobs/training-jobs/_tmp"));
    assertThat(store.list().records()).extracting(JobRecord::trainingJobName).containsExactly("listed-1");
  }

  /**
   * Issue 10: messages name the job root as the user gave it (s3://, not the s3a:// Kiln reads
   * through), tuning jobs' store beside it too, and credentials in a given root are masked.
   */
  @Test
  void messagesShowTheJobRootAsGivenWithCredentialsMasked() {
    JobStore s3 = new JobStore("s3://bucket/jobs/", new Configuration());
    assertThat(s3.root()).isEqualTo("s3a://bucket/jobs/");
    assertThat(s3.shownRoot()).isEqualTo("s3://bucket/jobs/");
    assertThat(s3.beside(JobStore.TUNING_JOBS, JobStore.TUNING_JOB, String.class, x -> x, x -> null).shownRoot())
        .isEqualTo("s3://bucket/jobs/");
    JobStore secret = new JobStore("s3://AKIAEXAMPLE:wJalrXUtnFEMI/K7MDENG@bucket/jobs/", new Configuration());
    assertThat(secret.shownRoot()).isEqualTo("s3://****@bucket/jobs/");
    assertThat(ResourceNotFoundException.of("training job", "x", secret.shownRoot()).getMessage())
        .doesNotContain("wJalr").doesNotContain("AKIAEXAMPLE");
    JobStore local = store();
    local.create(record("twice"));
    KilnException inUse = catchThrowableOfType(KilnException.class, () -> local.create(record("twice")));
    assertThat(inUse.getMessage()).contains("already exists in " + root.resolve("jobs") + ";");
  }
}
