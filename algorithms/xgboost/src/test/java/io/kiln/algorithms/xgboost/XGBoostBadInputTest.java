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
    // newcomer item 1: pandas writes a missing last feature as an empty last cell; from row 50 on (all of worker
    // 1's share) every row's last cell is empty; the twin spells those cells nan
    List<String> emptyLast = new ArrayList<>();
    List<String> nanLast = new ArrayList<>();
    List<String> trailingComma = new ArrayList<>();
    for (int i = 0; i < small.size(); i++) {
      String r = small.get(i);
      boolean empty = i >= 50 || i % 7 == 0;
      emptyLast.add(empty ? r.substring(0, r.lastIndexOf(',') + 1) : r);
      nanLast.add(empty ? r.substring(0, r.lastIndexOf(',') + 1) + "nan" : r);
      trailingComma.add(r + ",");
    }
    S3Files.write(hadoop, "s3a://kiln-bad/empty-last/train.csv", emptyLast);
    S3Files.write(hadoop, "s3a://kiln-bad/nan-last/train.csv", nanLast);
    S3Files.write(hadoop, "s3a://kiln-bad/trailing-comma/train.csv", trailingComma);
    S3Files.write(hadoop, "s3a://kiln-bad/tab/train.tsv", tab);
    S3Files.write(hadoop, "s3a://kiln-bad/qid-weights/train.libsvm",
        List.of("1:2 qid:1 0:1 1:2", "0:2 qid:1 0:2 1:1", "1:1 qid:2 0:1 1:3", "0:1 qid:2 0:3 1:1"));
    // issue 9's iris-like file: classes numbered from 1
    S3Files.write(hadoop, "s3a://kiln-bad/iris-from-1/train.csv", List.of("1,5.1,3.5,1.4,0.2", "2,7.0,3.2,4.7,1.4",
        "3,6.3,3.3,6.0,2.5", "1,4.9,3.0,1.4,0.2", "2,6.4,3.2,4.5,1.5", "3,5.8,2.7,5.1,1.9"));
    List<String> train = rows.subList(0, 400);
    List<String> validation = new ArrayList<>(rows.subList(400, rows.size()));
    S3Files.write(hadoop, "s3a://kiln-bad/bc/train.csv", train);
    // a validation row labelled 2 for a binary:logistic job, on line 57
    List<String> two = new ArrayList<>(validation);
    two.set(56, "2" + two.get(56).substring(1));
    S3Files.write(hadoop, "s3a://kiln-bad/bc-label-2/validation.csv", two);
    // validation rows without the last feature column
    S3Files.write(hadoop, "s3a://kiln-bad/bc-narrow/validation.csv",
        validation.stream().map(l -> l.substring(0, l.lastIndexOf(','))).toList());
    // csv_weights=1: label, weight, features; a negative weight on line 18
    List<String> weighted = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      String l = rows.get(i);
      weighted.add(l.substring(0, l.indexOf(',')) + "," + (i == 17 ? "-1" : "1") + l.substring(l.indexOf(',')));
    }
    S3Files.write(hadoop, "s3a://kiln-bad/weighted-negative/train.csv", weighted);
    // every label 0: auc is NaN in every round
    List<String> negatives = rows.stream().filter(l -> l.startsWith("0")).limit(60).toList();
    S3Files.write(hadoop, "s3a://kiln-bad/negatives/train/part-0.csv", negatives.subList(0, 40));
    S3Files.write(hadoop, "s3a://kiln-bad/negatives/validation/part-0.csv", negatives.subList(40, 60));
    // Parquet rows for reg:gamma, one label 0 (row 23); written by Spark locally, uploaded through S3
    java.nio.file.Path parquet = java.nio.file.Files.createTempDirectory("kiln-gamma-").resolve("p");
    List<org.apache.spark.sql.Row> gamma = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      gamma.add(org.apache.spark.sql.RowFactory.create(i == 22 ? 0.0 : 1.0 + i % 7, (double) i, (double) (i % 5)));
    }
    org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
        .add("label", "double").add("f0", "double").add("f1", "double");
    spark.createDataFrame(gamma, schema).coalesce(1).write().parquet(parquet.toString());
    try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(parquet)) {
      java.nio.file.Path part = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst()
          .orElseThrow();
      S3Files.write(hadoop, "s3a://kiln-bad/gamma/rows.parquet", java.nio.file.Files.readAllBytes(part));
    }
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
        + "application/x-parquet, application/x-recordio-protobuf). List them in a ManifestFile channel (a JSON list of a prefix and keys) or put them "
        + "under an S3Prefix");
  }

  @Test
  void raggedCsvRowNamesFileAndLine() {
    assertFailed(run("bad-ragged", GOOD, "s3://kiln-bad/ragged/"), 1,
        "s3://kiln-bad/ragged/train.csv line 37: found 3 values, but rows before it have 31");
  }

  @Test
  void nonNumericFeatureNamesFileLineColumnAndValue() {
    assertFailed(run("bad-text", GOOD, "s3://kiln-bad/text/"), 1,
        "s3://kiln-bad/text/train.csv line 12: column 5 is 'abc', which is not a number");
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

  /**
   * Newcomer item 1: an empty last cell (pandas' missing last feature) is a missing value, also on a
   * worker whose every row ends so: the job trains the model of its twin that spells those cells
   * nan, with all 30 features; a trailing comma on every row of the channel is no feature (30 too).
   */
  @Test
  void anEmptyLastCellIsAMissingFeatureOnEveryWorkerAndATrailingCommaEverywhereIsNone() throws Exception {
    String hp = "{\"num_round\": \"3\", \"objective\": \"binary:logistic\", \"max_depth\": \"3\"}";
    JobResult empty = runChannels("data-empty-last", hp, csv("train", "s3://kiln-bad/empty-last/"));
    JobResult nan = runChannels("data-nan-last", hp, csv("train", "s3://kiln-bad/nan-last/"));
    JobResult comma = runChannels("data-trailing-comma", hp, csv("train", "s3://kiln-bad/trailing-comma/"));
    assertThat(empty.failureReason()).isNull();
    assertThat(nan.failureReason()).isNull();
    assertThat(comma.failureReason()).isNull();
    String a = model("data-empty-last");
    assertThat(a).isEqualTo(model("data-nan-last")).contains("\"num_feature\":\"30\"");
    assertThat(model("data-trailing-comma")).contains("\"num_feature\":\"30\"");
  }

  static String model(String job) {
    return new String(S3Files.untar(S3Files.read(hadoop, "s3a://kiln-bad/out/" + job + "/output/model.tar.gz"))
        .get("xgboost-model"), StandardCharsets.UTF_8);
  }

  /** Issue 9, kind 4: no ContentType means LIBSVM, as on SageMaker; CSV data then gets the fix in the message. */
  @Test
  void channelWithoutContentTypeOnCsvDataSuggestsTextCsv() {
    JobResult r = runChannels("bad-no-type", GOOD, "{\"name\": \"train\", \"uri\": \"s3://kiln-bad/good/\"}");
    // newcomer item 6: both workers fail (worker 1 on the first line of its share, mid-file); the first
    // bad line of the channel is reported, whichever worker's task fails first
    assertFailed(r, 1, "ClientError: Channel 'train': s3://kiln-bad/good/train.csv line 1: ",
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

  // ---- issue 9, kind 1: what native XGBoost refuses is a ClientError naming channel, object, line, value, fix

  static JobResult job(String name, String hyperparameters, String channels) {
    return runner.run(SpecReader.readTrainingJob("""
        {"name": "%s", "algorithm": "xgboost", "hyperparameters": %s, "channels": [%s],
         "outputPath": "s3://kiln-bad/out/", "resources": {"workers": 2}}
        """.formatted(name, hyperparameters, channels), "test"));
  }

  static String csv(String channel, String uri) {
    return "{\"name\": \"" + channel + "\", \"uri\": \"" + uri + "\", \"contentType\": \"text/csv\"}";
  }

  @Test
  void multiClassLabelsNumberedFromOneNameTheLabelTheFileTheLineAndThatClassesAre0Based() {
    // today: AlgorithmError "label must be discrete values in the range of [0, num_class)" and a backtrace
    JobResult r = job("k1-iris-from-1", "{\"num_round\": \"3\", \"objective\": \"multi:softmax\", "
        + "\"num_class\": \"3\"}", csv("train", "s3://kiln-bad/iris-from-1/"));
    assertFailed(r, 1, "ClientError: Channel 'train': s3://kiln-bad/iris-from-1/train.csv line 3: label 3 is not a "
        + "class of objective=multi:softmax with num_class=3: labels are 0-based class indices, whole numbers 0 to 2; "
        + "number the classes from 0 (labels 1 to 3 become 0 to 2)");
    assertThat(r.failureReason()).doesNotContain("Stack trace", "[bt]", ".so", "s3a://");
  }

  @Test
  void numClassWithABinaryObjectiveIsRefusedAtValidation() {
    JobResult r = job("k1-binary-num-class", "{\"num_round\": \"3\", \"objective\": \"binary:logistic\", "
        + "\"num_class\": \"2\"}", csv("train", "s3://kiln-bad/good/"));
    assertFailed(r, 2, "ClientError: Hyperparameter num_class=2 is only for multi-classification (objective "
        + "multi:softmax or multi:softprob), but objective=binary:logistic predicts one value per row: remove num_class");
    assertThat(runner.store().load(r.name()).orElseThrow().kiln().metricHistory()).isEmpty();
  }

  @Test
  void aValidationLabelOutsideZeroOneNamesTheValidationChannelAndItsLine() {
    JobResult r = job("k1-label-2", GOOD, csv("train", "s3://kiln-bad/bc/") + ", "
        + csv("validation", "s3://kiln-bad/bc-label-2/"));
    assertFailed(r, 1, "ClientError: Channel 'validation': s3://kiln-bad/bc-label-2/validation.csv line 57: label 2 "
        + "is outside [0, 1]: objective=binary:logistic learns a probability (label must be in [0,1] for logistic "
        + "regression); the labels look like classes 0 to 2: for 3 classes use objective=multi:softprob (or "
        + "multi:softmax) with num_class=3");
  }

  /** Newcomer item 3: binary:logistic on classes 1 to 3 names the objective and num_class that fit them. */
  @Test
  void aBinaryObjectiveOnClassLabelsSuggestsMultiSoftprobWithNumClass() {
    JobResult r = job("k1-binary-on-classes", "{\"num_round\": \"3\", \"objective\": \"binary:logistic\"}",
        csv("train", "s3://kiln-bad/iris-from-1/"));
    assertFailed(r, 1, "ClientError: Channel 'train': s3://kiln-bad/iris-from-1/train.csv line 2: label 2 is outside "
        + "[0, 1]: objective=binary:logistic learns a probability (label must be in [0,1] for logistic regression); "
        + "the labels look like classes 1 to 3: number the classes from 0 (0 to 2) and use objective=multi:softprob "
        + "(or multi:softmax) with num_class=3");
  }

  @Test
  void aParquetLabelXGBoostRefusesNamesTheObjectAndRow() {
    JobResult r = runner.run(SpecReader.readTrainingJob("""
        {"name": "k1-gamma-parquet", "algorithm": "xgboost",
         "hyperparameters": {"num_round": "3", "objective": "reg:gamma"},
         "channels": [{"name": "train", "uri": "s3://kiln-bad/gamma/", "contentType": "application/x-parquet"}],
         "outputPath": "s3://kiln-bad/out/", "resources": {"workers": 2}}
        """, "test"));
    assertFailed(r, 1, "ClientError: Channel 'train': s3://kiln-bad/gamma/rows.parquet row 23: label 0 is not "
        + "positive: objective=reg:gamma needs labels > 0");
  }

  @Test
  void aNegativeCsvWeightNamesItsLine() {
    JobResult r = job("k1-weight", "{\"num_round\": \"3\", \"objective\": \"binary:logistic\", "
        + "\"csv_weights\": \"1\"}", csv("train", "s3://kiln-bad/weighted-negative/"));
    assertFailed(r, 1, "ClientError: Channel 'train': s3://kiln-bad/weighted-negative/train.csv line 18: the instance weight "
        + "(column 2, csv_weights=1) is -1; XGBoost needs weights that are numbers >= 0");
  }

  @Test
  void channelsWithDifferentFeatureCountsAreRefusedNamingBoth() {
    JobResult r = job("k1-narrow", GOOD, csv("train", "s3://kiln-bad/bc/") + ", "
        + csv("validation", "s3://kiln-bad/bc-narrow/"));
    // XGBoostWorker's column check speaks in the file's columns (DataChecksTest covers DataChecks' own wording)
    assertFailed(r, 1, "ClientError: Channel 'validation' has 30 columns per row but 'train' has 31 (label and 30 "
        + "features); both channels need the same columns, in the same order");
  }

  @Test
  void monotoneConstraintsForMoreFeaturesThanTheDataHasAreRefused() {
    JobResult m = job("k1-monotone-2", "{\"num_round\": \"3\", \"objective\": \"binary:logistic\", "
        + "\"monotone_constraints\": \"(" + "1,".repeat(30) + "1)\"}", csv("train", "s3://kiln-bad/good/"));
    assertFailed(m, 1, "ClientError: Hyperparameter monotone_constraints=(" + "1,".repeat(30) + "1) gives 31 "
        + "constraints, but the training data has 30 feature(s): give at most one per feature, in column order");
  }

  @Test
  void aNanMetricFlowsThroughRecordsLogsAndEarlyStoppingInsteadOfCrashing() {
    // auc on labels that are all 0: native XGBoost reports nan (and warns) and keeps training
    JobResult r = job("k1-nan-auc", "{\"num_round\": \"6\", \"objective\": \"binary:logistic\", "
        + "\"eval_metric\": \"logloss,auc\", \"early_stopping_rounds\": \"3\"}",
        csv("train", "s3://kiln-bad/negatives/train/") + ", " + csv("validation", "s3://kiln-bad/negatives/validation/"));
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    var record = runner.store().load(r.name()).orElseThrow();
    // early stopping watches validation:auc (the last eval_metric): NaN is never an improvement, so it
    // stops after 3 rounds without a number
    assertThat(record.kiln().metricHistory()).hasSize(3);
    for (var round : record.kiln().metricHistory()) {
      assertThat(round.metrics().get("validation:auc")).isNaN();
      assertThat(round.metrics().get("train:auc")).isNaN();
      assertThat(round.metrics().get("validation:logloss")).isFinite();
    }
    assertThat(record.finalMetricDataList()).extracting(m -> m.metricName())
        .containsExactlyInAnyOrder("train:logloss", "validation:logloss");
    String log = runner.store().readLog(r.name()).orElseThrow();
    assertThat(log).contains("validation-auc:NaN", "Final metric validation:auc is NaN: not a number, so it is left "
        + "out of FinalMetricDataList", "Early stopping on validation:auc (maximize): no iteration had a value, no "
        + "better for 3 round(s) by iteration 2; 3 round(s) ran (iterations 0 to 2), the model keeps all 3 (iterations 0 "
        + "to 2: 3 tree(s))");
    // kind 5: the log names the URIs as the user wrote them
    assertThat(log).contains("s3://kiln-bad/").doesNotContain("s3a://");
  }
}
