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
import java.net.ServerSocket;
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

  @BeforeAll
  static void start() throws IOException {
    s3 = S3Server.get();
    s3.bucket("kiln-bad");
    s3.bucket("kiln-badcreds");
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    spark = TestSpark.start(s3, Map.of(
        "spark.hadoop.fs.s3a.bucket.kiln-unreachable.endpoint", "http://127.0.0.1:" + closedPort,
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
    // issue 9, kinds 2 and 4
    List<String> small = rows.subList(0, 120);
    S3Files.write(hadoop, "s3a://kiln-bad/weighted/train.csv", small.stream()
        .map(r -> r.substring(0, r.indexOf(',')) + ",1" + r.substring(r.indexOf(','))).toList());
    S3Files.write(hadoop, "s3a://kiln-bad/unweighted/validation.csv", rows.subList(120, 160));
    S3Files.write(hadoop, "s3a://kiln-bad/narrow/validation.csv", rows.subList(120, 160).stream()
        .map(r -> r.substring(0, r.lastIndexOf(','))).toList());
    List<String> inf = new ArrayList<>(small);
    String[] infCells = inf.get(7).split(",");
    infCells[2] = "inf";
    inf.set(7, String.join(",", infCells));
    S3Files.write(hadoop, "s3a://kiln-bad/inf/train.csv", inf);
    // the same table with commas and empty cells, and with tabs, missing-value spellings and trailing tabs
    List<String> comma = new ArrayList<>();
    List<String> tab = new ArrayList<>();
    String[] spellings = {"nan", "NA", "NaN", "-nan", "null", "?", "N/A", "None"};
    for (int i = 0; i < small.size(); i++) {
      String[] parts = small.get(i).split(",");
      if (i % 3 == 0) {
        parts[1 + i % 30] = "";
      }
      comma.add(String.join(",", parts));
      if (i % 3 == 0) {
        parts[1 + i % 30] = spellings[i % spellings.length];
      }
      tab.add(String.join("\t", parts) + (i % 2 == 0 ? "\t" : ""));
    }
    S3Files.write(hadoop, "s3a://kiln-bad/comma/train.csv", comma);
    S3Files.write(hadoop, "s3a://kiln-bad/tab/train.tsv", tab);
    S3Files.write(hadoop, "s3a://kiln-bad/qid-weights/train.libsvm",
        List.of("1:2 qid:1 0:1 1:2", "0:2 qid:1 0:2 1:1", "1:1 qid:2 0:1 1:3", "0:1 qid:2 0:3 1:1"));
  }

  @AfterAll
  static void stop() {
    spark.stop();
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
  void augmentedManifestChannelIsRefusedNamingTheChannelAndWhatToUseInstead() {
    S3Files.write(hadoop, "s3a://kiln-bad/augmented/train.jsonl",
        List.of("{\"source-ref\": \"s3://kiln-bad/good/train.csv\"}"));

    JobResult r = runner.run(SpecReader.readTrainingJob("""
        {"TrainingJobName": "bad-augmented",
         "AlgorithmSpecification": {"TrainingImage": "sagemaker-xgboost:1.7-1", "TrainingInputMode": "Pipe"},
         "HyperParameters": {"num_round": "3"},
         "InputDataConfig": [{"ChannelName": "train", "ContentType": "text/csv", "DataSource": {"S3DataSource": {
           "S3DataType": "AugmentedManifestFile", "S3Uri": "s3://kiln-bad/augmented/train.jsonl",
           "AttributeNames": ["source-ref"]}}}],
         "OutputDataConfig": {"S3OutputPath": "s3://kiln-bad/out/"}}
        """, "request.json"));

    assertFailed(r, 2, "ClientError: Channel 'train' is an AugmentedManifestFile (dataType / S3DataType), which "
        + "xgboost does not read on this channel: it reads the data objects themselves (text/libsvm, text/csv, "
        + "application/x-parquet). List them in a ManifestFile channel (a JSON list of a prefix and keys) or put them "
        + "under an S3Prefix");
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
        + "text/libsvm, text/csv, application/x-parquet, application/x-recordio-protobuf");
  }

  /** Issue 9, kind 4: XGBoost's label_size must be 1, as SageMaker's container says; refused before training. */
  @Test
  void labelSizeOtherThanOneIsRefusedBeforeTraining() {
    for (String labelSize : List.of("0", "2")) {
      JobResult r = runner.run(SpecReader.readTrainingJob("""
          {"name": "bad-label-size-%s", "algorithm": "xgboost", "hyperparameters": {"num_round": "3"},
           "channels": [{"name": "train", "uri": "s3://kiln-bad/good/", "contentType": "text/csv; label_size=%s"}],
           "outputPath": "s3://kiln-bad/out/", "resources": {"workers": 2}}
          """.formatted(labelSize, labelSize), "test"));
      assertFailed(r, 2, "ClientError: Channel 'train' has ContentType 'text/csv;label_size=" + labelSize + "', but "
          + "XGBoost's label_size must be 1 (the label in the first column), as in SageMaker's XGBoost; remove "
          + "label_size or set it to 1");
      assertThat(runner.store().load(r.name()).orElseThrow().kiln().metricHistory()).isEmpty();
    }
  }

  static JobResult runChannels(String name, String hyperparameters, String channels) {
    return runner.run(SpecReader.readTrainingJob("""
        {"name": "%s", "algorithm": "xgboost", "hyperparameters": %s, "channels": [%s],
         "outputPath": "s3://kiln-bad/out/", "resources": {"workers": 2}}
        """.formatted(name, hyperparameters, channels), "test"));
  }

  /**
   * Issue 9, kind 2: csv_weights=1 with a validation file without the weight column would read the
   * validation features shifted by one; the job fails naming both column counts.
   */
  @Test
  void csvWeightsWithAValidationChannelWithoutTheWeightColumnNamesBothColumnCounts() {
    JobResult r = runChannels("bad-weights", "{\"num_round\": \"3\", \"csv_weights\": \"1\", "
        + "\"objective\": \"binary:logistic\"}",
        "{\"name\": \"train\", \"uri\": \"s3://kiln-bad/weighted/\", \"contentType\": \"text/csv\"}, "
        + "{\"name\": \"validation\", \"uri\": \"s3://kiln-bad/unweighted/\", \"contentType\": \"text/csv\"}");
    assertFailed(r, 1, "ClientError: Channel 'validation' has 31 columns per row but 'train' has 32 (label, weight and "
        + "30 features); with csv_weights=1 every channel's rows need the instance weight in the second column: add "
        + "the weight column to the validation data (or set csv_weights=0 and remove it from train)");
  }

  /** Issue 9, kind 2: a validation CSV with fewer columns than train is refused (before, only more was). */
  @Test
  void validationWithFewerOrMoreColumnsThanTrainIsRefused() {
    JobResult fewer = runChannels("bad-narrow", GOOD,
        "{\"name\": \"train\", \"uri\": \"s3://kiln-bad/good/\", \"contentType\": \"text/csv\"}, "
        + "{\"name\": \"validation\", \"uri\": \"s3://kiln-bad/narrow/\", \"contentType\": \"text/csv\"}");
    assertFailed(fewer, 1, "ClientError: Channel 'validation' has 30 columns per row but 'train' has 31 (label and 30 "
        + "features); both channels need the same columns, in the same order");
    JobResult more = runChannels("bad-wide", GOOD,
        "{\"name\": \"train\", \"uri\": \"s3://kiln-bad/narrow/\", \"contentType\": \"text/csv\"}, "
        + "{\"name\": \"validation\", \"uri\": \"s3://kiln-bad/good/\", \"contentType\": \"text/csv\"}");
    assertFailed(more, 1, "ClientError: Channel 'validation' has 31 columns per row but 'train' has 30 (label and 29 "
        + "features)");
  }

  /** Issue 9, kind 2: an infinite value fails the job naming the file, line and column. */
  @Test
  void infiniteValueFailsTheJobNamingTheLine() {
    assertFailed(run("bad-inf", GOOD, "s3://kiln-bad/inf/"), 1, "ClientError: Channel 'train': ",
        "/inf/train.csv line 8: column 3 is 'inf', which is infinite (a 32-bit float holds at most ±3.4028235e38); "
        + "replace it with a finite number, or leave the cell empty for a missing value");
  }

  /**
   * Issue 9, kinds 2 and 4: a tab-delimited "text/csv" with missing-value spellings and trailing tabs
   * trains the very model its comma-separated twin with empty cells trains, read as
   * "text/csv; charset=utf-8" (a ContentType with parameters, as the container accepts it).
   */
  @Test
  void tabDelimitedCsvWithMissingSpellingsTrainsTheModelOfItsCommaTwin() throws Exception {
    String hp = "{\"num_round\": \"5\", \"objective\": \"binary:logistic\", \"max_depth\": \"3\"}";
    JobResult comma = runChannels("data-comma", hp,
        "{\"name\": \"train\", \"uri\": \"s3://kiln-bad/comma/\", \"contentType\": \"text/csv; charset=utf-8\"}");
    JobResult tab = runChannels("data-tab", hp,
        "{\"name\": \"train\", \"uri\": \"s3://kiln-bad/tab/\", \"contentType\": \"text/csv\"}");
    assertThat(comma.failureReason()).isNull();
    assertThat(tab.failureReason()).isNull();
    byte[] a = S3Files.untar(S3Files.read(hadoop, "s3a://kiln-bad/out/data-comma/output/model.tar.gz"))
        .get("xgboost-model");
    byte[] b = S3Files.untar(S3Files.read(hadoop, "s3a://kiln-bad/out/data-tab/output/model.tar.gz"))
        .get("xgboost-model");
    assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo(new String(a, StandardCharsets.UTF_8));
    assertThat(runner.store().load("data-tab").orElseThrow().finalMetricDataList().get(0).value())
        .isEqualTo(runner.store().load("data-comma").orElseThrow().finalMetricDataList().get(0).value());
  }

  /** Issue 9, kind 4: no ContentType means LIBSVM, as on SageMaker; CSV data then gets the fix in the message. */
  @Test
  void channelWithoutContentTypeOnCsvDataSuggestsTextCsv() {
    JobResult r = runChannels("bad-no-type", GOOD, "{\"name\": \"train\", \"uri\": \"s3://kiln-bad/good/\"}");
    // whichever worker fails first names its first line
    assertFailed(r, 1, "ClientError: Channel 'train': ", "/good/train.csv line ",
        "' looks like CSV (comma-separated values), but the channel is read as LIBSVM (label index:value ...), which "
        + "is also what a channel without a ContentType is read as. If the data is CSV, set \"ContentType\": "
        + "\"text/csv\" on the channel (contentType: text/csv in Kiln's spec)");
  }

  /** Issue 9, kind 4: qids make query groups, and XGBoost weighs groups: row weights beside qids are refused. */
  @Test
  void rankingRowsWithQidsAndRowWeightsAreRefused() {
    JobResult r = runChannels("bad-qid-weights", "{\"num_round\": \"3\", \"objective\": \"rank:pairwise\"}",
        "{\"name\": \"train\", \"uri\": \"s3://kiln-bad/qid-weights/\", \"contentType\": \"text/libsvm\"}");
    assertFailed(r, 1, "ClientError: Channel 'train' gives its rows both a query id (qid:) and an instance weight "
        + "(label:weight); XGBoost weighs query groups, not rows (native XGBoost refuses this: size of weights must "
        + "equal the number of groups). Remove the :weight after the labels");
  }

  @Test
  void unreachableEndpointFailsWithinSecondsSayingSo() {
    long start = System.nanoTime();
    JobResult r = run("bad-endpoint", GOOD, "s3://kiln-unreachable/train/");
    long seconds = (System.nanoTime() - start) / 1_000_000_000L;
    assertFailed(r, 1, "Cannot reach the S3 endpoint for channel 'train' s3://kiln-unreachable/train/",
        "Check AWS_ENDPOINT_URL");
    assertThat(seconds).isLessThan(30);
  }

  @Test
  void wrongCredentialsFailWithinSecondsSayingSo() {
    long start = System.nanoTime();
    JobResult r = run("bad-creds", GOOD, "s3://kiln-badcreds/train/");
    long seconds = (System.nanoTime() - start) / 1_000_000_000L;
    assertFailed(r, 1, "rejected Kiln's credentials for channel 'train' s3://kiln-badcreds/train/",
        "AWS_ACCESS_KEY_ID");
    assertThat(seconds).isLessThan(30);
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
