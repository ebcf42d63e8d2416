package io.kiln.algorithms.xgboost;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.record.TrainingJobStatus;
import io.kiln.spec.SpecReader;
import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every bad input ends the job Failed with a reason that names the field, value or file line and the
 * fix, and leaves no model.tar.gz behind. Runs against the real S3 server; the unreachable endpoint
 * and the wrong credentials are per-bucket s3a settings of the same session.
 */
@Tag("spark")
@Tag("s3")
class XGBoostBadInputTest {
  static S3Server s3;
  static SparkSession spark;
  static Configuration hadoop;
  static TrainingJobRunner runner;
  /**
   * Holds a loopback port bound but not listening for the whole class: a connection to it is
   * refused, and no other process can take the port and answer in the meantime.
   */
  static Socket closedPort;

  @BeforeAll
  static void start() throws IOException {
    s3 = S3Server.get();
    s3.bucket("kiln-bad");
    s3.bucket("kiln-badcreds");
    closedPort = new Socket();
    closedPort.bind(new InetSocketAddress("127.0.0.1", 0));
    spark = TestSpark.start(s3, Map.of(
        "spark.hadoop.fs.s3a.bucket.kiln-unreachable.endpoint", "http://127.0.0.1:" + closedPort.getLocalPort(),
        "spark.hadoop.fs.s3a.bucket.kiln-badcreds.secret.key", "not-the-secret"));
    hadoop = spark.sparkContext().hadoopConfiguration();
    runner = TrainingJobRunner.on(spark);
    List<String> rows = SharedData.breastCancer();
    S3Files.write(hadoop, "s3a://kiln-bad/good/train.csv", rows);
    List<String> ragged = new ArrayList<>(rows.subList(0, 100));
    ragged.set(36, "1,2.5,3.5");
    S3Files.write(hadoop, "s3a://kiln-bad/ragged/train.csv", ragged);
    List<String> text = new ArrayList<>(rows.subList(0, 100));
    String[] cells = text.get(11).split(",");
    cells[4] = "abc";
    text.set(11, String.join(",", cells));
    S3Files.write(hadoop, "s3a://kiln-bad/text/train.csv", text);
    List<String> header = new ArrayList<>(rows.subList(0, 50));
    header.add(0, "label,f1,f2");
    S3Files.write(hadoop, "s3a://kiln-bad/header/train.csv", header);
    S3Files.write(hadoop, "s3a://kiln-bad/empty/train.csv", new byte[0]);
  }

  @AfterAll
  static void stop() throws IOException {
    spark.stop();
    closedPort.close();
  }

  static JobResult run(String name, String hyperparameters, String trainUri, String outputPath) {
    return runner.run(SpecReader.readTrainingJob("""
        {"name": "%s", "algorithm": "xgboost", "hyperparameters": %s,
         "channels": [{"name": "train", "uri": "%s", "contentType": "text/csv"}],
         "outputPath": "%s", "resources": {"workers": 2}}
        """.formatted(name, hyperparameters, trainUri, outputPath), "test"));
  }

  static JobResult run(String name, String hyperparameters, String trainUri) {
    return run(name, hyperparameters, trainUri, "s3://kiln-bad/out/");
  }

  static void assertFailed(JobResult r, int exitCode, String... reasonParts) {
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.exitCode()).isEqualTo(exitCode);
    assertThat(r.failureReason()).contains(reasonParts);
    assertThat(S3Files.exists(hadoop, "s3a://kiln-bad/out/" + r.name() + "/output/model.tar.gz")).isFalse();
    assertThat(runner.store().load(r.name()).orElseThrow().failureReason()).isEqualTo(r.failureReason());
  }

  static final String GOOD = "{\"num_round\": \"3\", \"objective\": \"binary:logistic\"}";

  @Test
  void hyperparameterOutOfRangeNamesKeyValueAndRange() {
    assertFailed(run("bad-depth", "{\"num_round\": \"3\", \"max_depth\": \"-3\"}", "s3://kiln-bad/good/"), 2,
        "ClientError: Hyperparameter max_depth=-3 is not valid: expected a whole number >= 0");
  }

  @Test
  void misspeltHyperparameterSuggestsTheRightOne() {
    assertFailed(run("bad-name", "{\"num_round\": \"3\", \"max_dept\": \"3\"}", "s3://kiln-bad/good/"), 2,
        "Hyperparameter max_dept=3 is not an XGBoost hyperparameter; did you mean 'max_depth'?");
  }

  @Test
  void numRoundIsRequired() {
    assertFailed(run("bad-rounds", "{\"eta\": \"0.1\"}", "s3://kiln-bad/good/"), 2,
        "Missing required hyperparameter num_round");
  }

  @Test
  void subsampleMustBeInItsRange() {
    assertFailed(run("bad-subsample", "{\"num_round\": \"3\", \"subsample\": \"1.5\"}", "s3://kiln-bad/good/"), 2,
        "Hyperparameter subsample=1.5 is not valid: expected a number in (0, 1]");
  }

  @Test
  void missingChannelSaysThePrefixMatchedNothing() {
    assertFailed(run("bad-missing", GOOD, "s3://kiln-bad/nothing-here/"), 1,
        "Channel 'train' has no data: nothing matches the prefix s3://kiln-bad/nothing-here/");
  }

  @Test
  void emptyChannelIsRefused() {
    assertFailed(run("bad-empty", GOOD, "s3://kiln-bad/empty/"), 1,
        "Channel 'train' is empty", "hold 0 bytes");
  }

  @Test
  void raggedCsvRowNamesFileAndLine() {
    assertFailed(run("bad-ragged", GOOD, "s3://kiln-bad/ragged/"), 1,
        "s3a://kiln-bad/ragged/train.csv line 37: found 3 values, but rows before it have 31");
  }

  @Test
  void nonNumericFeatureNamesFileLineColumnAndValue() {
    assertFailed(run("bad-text", GOOD, "s3://kiln-bad/text/"), 1,
        "s3a://kiln-bad/text/train.csv line 12: column 5 is 'abc', which is not a number");
  }

  @Test
  void headerRowGetsTheNoHeaderHint() {
    assertFailed(run("bad-header", GOOD, "s3://kiln-bad/header/"), 1,
        "line 1: column 1 is 'label', which is not a number; CSV channels have no header row");
  }

  @Test
  void unknownContentTypeListsTheReadableOnes() {
    JobResult r = runner.run(SpecReader.readTrainingJob("""
        {"name": "bad-type", "algorithm": "xgboost", "hyperparameters": {"num_round": "3"},
         "channels": [{"name": "train", "uri": "s3://kiln-bad/good/", "contentType": "text/plain"}],
         "outputPath": "s3://kiln-bad/out/"}
        """, "test"));
    assertFailed(r, 2, "Channel 'train' has content type 'text/plain', which xgboost cannot read; use one of "
        + "text/libsvm, text/csv, application/x-parquet");
  }

  @Test
  void rowsWithoutLabelsAreRefusedNamingTheChannel() {
    JobResult r = runner.run(SpecReader.readTrainingJob("""
        {"name": "bad-unlabelled", "algorithm": "xgboost", "hyperparameters": {"num_round": "3"},
         "channels": [{"name": "train", "uri": "s3://kiln-bad/good/", "contentType": "text/csv; label_size=0"}],
         "outputPath": "s3://kiln-bad/out/", "resources": {"workers": 2}}
        """, "test"));
    assertFailed(r, 1, "ClientError: Channel 'train' has content type text/csv;label_size=0 (rows without a label), "
        + "but this algorithm learns from a label in the first column; put the label first and remove label_size=0");
  }

  /**
   * A bound on the whole job, generous for a loaded machine, against what an unreachable endpoint
   * costs without the storage probe's single attempt and short timeouts: s3a's defaults (20 SDK
   * attempts with backoff, each call retried by s3a 7 times) take many minutes to give up.
   */
  static final String FAILS_WITHIN = "seconds the whole job took to fail";

  @Test
  void unreachableEndpointFailsWithinSecondsSayingSo() {
    long start = System.nanoTime();
    JobResult r = run("bad-endpoint", GOOD, "s3://kiln-unreachable/train/");
    long seconds = (System.nanoTime() - start) / 1_000_000_000L;
    assertFailed(r, 1, "Cannot reach the S3 endpoint for channel 'train' s3://kiln-unreachable/train/",
        "Check AWS_ENDPOINT_URL");
    assertThat(seconds).as(FAILS_WITHIN).isLessThan(60);
  }

  @Test
  void wrongCredentialsFailWithinSecondsSayingSo() {
    long start = System.nanoTime();
    JobResult r = run("bad-creds", GOOD, "s3://kiln-badcreds/train/");
    long seconds = (System.nanoTime() - start) / 1_000_000_000L;
    assertFailed(r, 1, "rejected Kiln's credentials for channel 'train' s3://kiln-badcreds/train/",
        "AWS_ACCESS_KEY_ID");
    assertThat(seconds).as(FAILS_WITHIN).isLessThan(60);
  }

  @Test
  void outputPathThatCannotBeWrittenIsRefusedBeforeTraining() {
    JobResult r = run("bad-output", GOOD, "s3://kiln-bad/good/", "file:///proc/kiln-cannot-write-here/");
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).contains("Cannot use output path file:///proc/kiln-cannot-write-here/bad-output");
    assertThat(runner.store().load("bad-output").orElseThrow().kiln().metricHistory()).isEmpty();
  }

  @Test
  void credentialsNeverReachRecordsLogsOrDescribe() throws IOException {
    JobResult ok = run("bad-secrets-ok", GOOD, "s3://kiln-bad/good/");
    assertThat(ok.status()).isEqualTo(TrainingJobStatus.Completed);
    run("bad-secrets-fail", GOOD, "s3://kiln-badcreds/train/");
    Path root = Paths.get(java.net.URI.create(runner.store().root()));
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(Files::isRegularFile).toList();
    }
    assertThat(files).isNotEmpty();
    for (Path f : files) {
      String text = Files.readString(f, StandardCharsets.UTF_8);
      assertThat(text).as(f.toString()).doesNotContain(s3.secretKey()).doesNotContain("not-the-secret");
    }
  }
}
