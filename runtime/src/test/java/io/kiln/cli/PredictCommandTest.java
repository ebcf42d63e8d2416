package io.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.SpecReader;
import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import io.kiln.testing.TestSpark;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code kiln predict} end to end with the counting test algorithm's predictor: a job trained on the
 * test S3 server, then the command (on this class's one local session, which the command reuses and
 * leaves running) over input objects on S3, output compared line by line; and every way it refuses
 * (exit 2, or 4 for no such job) with the one line that names the problem and the fix.
 */
@Tag("spark")
@Tag("s3")
class PredictCommandTest {
  static S3Server s3;
  static SparkSession spark;
  static Configuration hadoop;
  static String jobRoot;

  @BeforeAll
  static void start() {
    s3 = S3Server.get();
    s3.bucket("kiln-predict");
    spark = TestSpark.start(s3, Map.of());
    hadoop = spark.sparkContext().hadoopConfiguration();
    S3Files.write(hadoop, "s3a://kiln-predict/train/part-0.csv", List.of("0,1,2.5,0.25", "1,3,4,5", "0,0.5,0.5,0.5"));
    TrainingJobRunner runner = TrainingJobRunner.on(spark);
    jobRoot = runner.store().root();
    JobResult ok = runner.run(SpecReader.readTrainingJob(spec("pc-ok", "3"), "inline"));
    assertThat(ok.status()).as(ok.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    JobResult failed = runner.run(SpecReader.readTrainingJob(spec("pc-failed", "3\", \"fail_at_round\": \"0"), "inline"));
    assertThat(failed.status()).isEqualTo(TrainingJobStatus.Failed);
    // two objects, one in a folder: each becomes <key>.out
    S3Files.write(hadoop, "s3a://kiln-predict/in/a.csv", List.of("1,2.5,0.25", "", "1,,2"));
    S3Files.write(hadoop, "s3a://kiln-predict/in/sub/b.csv", List.of("0.5,0.5,0.5"));
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static String spec(String name, String rounds) {
    return """
        {"name": "%s", "algorithm": "counting", "hyperparameters": {"rounds": "%s"},
         "channels": [{"name": "train", "uri": "s3://kiln-predict/train/", "contentType": "text/csv"}],
         "outputPath": "s3://kiln-predict/models/", "resources": {"workers": 2}}
        """.formatted(name, rounds);
  }

  record Run(int exit, String out, String err) {}

  static Run kiln(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--job-root", jobRoot));
    int exit = Kiln.execute(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true),
        s3.environment());
    return new Run(exit, out.toString(), err.toString());
  }

  static String read(String uri) {
    return new String(S3Files.read(hadoop, uri), StandardCharsets.UTF_8);
  }

  @Test
  void eachObjectBecomesItsOutObjectLineByLine() {
    Run csv = kiln("predict", "pc-ok", "--input", "s3://kiln-predict/in/", "--output", "s3://kiln-predict/out-csv/");
    assertThat(csv.exit).as(csv.err).isZero();
    assertThat(csv.out).contains("predict: 2 object(s), 3 record(s) -> s3://kiln-predict/out-csv/ (text/csv, counting)");
    // row_sum (Python's repr), rounds (a whole number), doubled (a vector, quoted beside other fields);
    // a blank line is no record; an empty cell is missing (nan)
    assertThat(read("s3a://kiln-predict/out-csv/a.csv.out"))
        .isEqualTo("3.75,3,\"[2.0, 5.0, 0.5]\"\n3.0,3,\"[2.0, nan, 4.0]\"\n");
    assertThat(read("s3a://kiln-predict/out-csv/sub/b.csv.out")).isEqualTo("1.5,3,\"[1.0, 1.0, 1.0]\"\n");

    Run json = kiln("predict", "pc-ok", "--input", "s3://kiln-predict/in/a.csv", "--output",
        "s3://kiln-predict/out-json", "--accept", "application/jsonlines");
    assertThat(json.exit).as(json.err).isZero();
    assertThat(read("s3a://kiln-predict/out-json/a.csv.out")).isEqualTo(
        "{\"row_sum\": 3.75, \"rounds\": 3, \"doubled\": [2.0, 5.0, 0.5]}\n"
        + "{\"row_sum\": 3.0, \"rounds\": 3, \"doubled\": [2.0, NaN, 4.0]}\n");

    // a non-empty output prefix is refused, naming the flag; with it, the .out objects are replaced
    Run again = kiln("predict", "pc-ok", "--input", "s3://kiln-predict/in/", "--output", "s3://kiln-predict/out-csv/");
    assertThat(again.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(again.err).startsWith("kiln: --output s3://kiln-predict/out-csv/ is not empty (it holds "
        + "s3://kiln-predict/out-csv/").contains("give --overwrite to replace the .out objects there");
    Run overwrite = kiln("predict", "pc-ok", "--input", "s3://kiln-predict/in/", "--output",
        "s3://kiln-predict/out-csv/", "--overwrite");
    assertThat(overwrite.exit).as(overwrite.err).isZero();
  }

  @Test
  void anObjectReadInManySmallRangesKeepsItsOrderAndLineNumbers() {
    List<String> rows = new ArrayList<>();
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 60; i++) {
      rows.add(i + ",0.5," + (i % 7 == 3 ? "" : "1"));
      double sum = i + 0.5 + (i % 7 == 3 ? 0 : 1);
      expected.append(io.kiln.predict.PythonText.repr(sum)).append(",3,\"[")
          .append(io.kiln.predict.PythonText.repr(2.0 * i)).append(", 1.0, ").append(i % 7 == 3 ? "nan" : "2.0")
          .append("]\"\n");
    }
    rows.add(30, "");
    S3Files.write(hadoop, "s3a://kiln-predict/long/rows.csv", rows);
    // ranges of 7 bytes: most lines straddle a range's end
    Run small = kiln("predict", "pc-ok", "--input", "s3://kiln-predict/long/", "--output", "s3://kiln-predict/out-long/",
        "--conf", "spark.kiln.predict.chunk-bytes=7");
    assertThat(small.exit).as(small.err).isZero();
    assertThat(read("s3a://kiln-predict/out-long/rows.csv.out")).isEqualTo(expected.toString());

    List<String> bad = new ArrayList<>(rows);
    bad.set(45, "1,2");
    S3Files.write(hadoop, "s3a://kiln-predict/long-bad/rows.csv", bad);
    Run narrow = kiln("predict", "pc-ok", "--input", "s3://kiln-predict/long-bad/", "--output",
        "s3://kiln-predict/out-long-bad/", "--conf", "spark.kiln.predict.chunk-bytes=7");
    assertThat(narrow.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(narrow.err).contains("kiln: Input s3://kiln-predict/long-bad/rows.csv line 46: 2 feature(s), but the "
        + "model takes 3; give every one of the model's features (an empty cell is a missing one)");
    Run zero = kiln("predict", "pc-ok", "--input", "s3://kiln-predict/long/", "--output", "s3://kiln-predict/o2/",
        "--conf", "spark.kiln.predict.chunk-bytes=0");
    assertThat(zero.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(zero.err).contains("spark.kiln.predict.chunk-bytes=0 is not valid: give a number of bytes >= 1");
  }

  @Test
  void aModelUriIsRecognisedByItsFiles() throws Exception {
    Run byUri = kiln("predict", "--model", "s3://kiln-predict/models/pc-ok/output/model.tar.gz", "--input",
        "s3://kiln-predict/in/sub/", "--output", "s3://kiln-predict/out-model/");
    assertThat(byUri.exit).as(byUri.err).isZero();
    assertThat(read("s3a://kiln-predict/out-model/b.csv.out")).isEqualTo("1.5,3,\"[1.0, 1.0, 1.0]\"\n");

    Path unknown = TestSpark.tempDir("kiln-unknown-model-");
    Files.writeString(unknown.resolve("weights.bin"), "not a model");
    Run notRecognised = kiln("predict", "--model", unknown.toUri().toString(), "--input", "s3://kiln-predict/in/",
        "--output", "s3://kiln-predict/out-unknown/");
    assertThat(notRecognised.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(notRecognised.err).contains("No built-in algorithm recognises the model " + unknown.toUri()
        + " (it holds: weights.bin); give --algorithm NAME (one of: ");

    Path notTar = TestSpark.tempDir("kiln-not-tar-").resolve("model.tar.gz");
    Files.writeString(notTar, "rounds=3\n");
    Run bad = kiln("predict", "--model", notTar.toString(), "--input", "s3://kiln-predict/in/", "--output",
        "s3://kiln-predict/out-nottar/");
    assertThat(bad.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(bad.err).contains("is not a gzip-compressed tar (model.tar.gz, as SageMaker training writes it)");
  }

  @Test
  void jobsWithoutModelsAndMissingJobsAreRefusedBeforeSparkWork() {
    Run missing = kiln("predict", "pc-nope", "--input", "s3://kiln-predict/in/", "--output", "s3://kiln-predict/o1/");
    assertThat(missing.exit).isEqualTo(Kiln.EXIT_NO_SUCH_JOB);
    assertThat(missing.err).contains("ResourceNotFound: no training job named 'pc-nope'");
    Run noModel = kiln("predict", "pc-failed", "--input", "s3://kiln-predict/in/", "--output", "s3://kiln-predict/o1/");
    assertThat(noModel.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(noModel.err).contains("Training job 'pc-failed' is Failed (Failed) and has no model: only a Completed "
        + "job, or a Stopped one that kept its model, has one");
    Run both = kiln("predict", "pc-ok", "--model", "s3://x/m.tar.gz", "--input", "s3://kiln-predict/in/", "--output",
        "s3://kiln-predict/o1/");
    assertThat(both.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(both.err).contains("Give a training job NAME, or --model URI (not both)");
    Run inside = kiln("predict", "pc-ok", "--input", "s3://kiln-predict/in/", "--output", "s3://kiln-predict/in/out/");
    assertThat(inside.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(inside.err).contains("is inside --input");
    Run noInput = kiln("predict", "pc-ok", "--input", "s3://kiln-predict/nothing/", "--output", "s3://kiln-predict/o1/");
    assertThat(noInput.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(noInput.err).contains("s3://kiln-predict/nothing/").doesNotContain("Channel 'input'");
    Run libsvm = kiln("predict", "pc-ok", "--input", "s3://kiln-predict/in/", "--output", "s3://kiln-predict/o1/",
        "--content-type", "application/x-parquet");
    assertThat(libsvm.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(libsvm.err).contains("--content-type 'application/x-parquet' is not an input type kiln predict reads");
  }

  @Test
  void badRowsNameTheObjectAndLineAndWriteNothingForThatObject() {
    S3Files.write(hadoop, "s3a://kiln-predict/bad/1-good.csv", List.of("1,1,1"));
    S3Files.write(hadoop, "s3a://kiln-predict/bad/2-text.csv", List.of("1,1,1", "2,2,2", "1,abc,2"));
    Run text = kiln("predict", "pc-ok", "--input", "s3://kiln-predict/bad/", "--output", "s3://kiln-predict/out-bad/");
    assertThat(text.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(text.err).contains("kiln: Input s3://kiln-predict/bad/2-text.csv line 3: column 2 is 'abc', which is "
        + "not a number");
    assertThat(text.err).contains("1 of 2 object(s) were written to s3://kiln-predict/out-bad/");
    assertThat(S3Files.exists(hadoop, "s3a://kiln-predict/out-bad/1-good.csv.out")).isTrue();
    assertThat(S3Files.exists(hadoop, "s3a://kiln-predict/out-bad/2-text.csv.out")).isFalse();

    // the counting model was trained on 3 features; a label column left in is named as such
    S3Files.write(hadoop, "s3a://kiln-predict/wide/x.csv", List.of("", "0,1,2.5,0.25"));
    Run wide = kiln("predict", "pc-ok", "--input", "s3://kiln-predict/wide/", "--output", "s3://kiln-predict/out-w/");
    assertThat(wide.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(wide.err).contains("kiln: Input s3://kiln-predict/wide/x.csv line 2: 4 feature(s), but the model "
        + "takes 3; Batch Transform input has no label column: if the first column is the label, remove it");

    // the predictor's own refusal names the object
    S3Files.write(hadoop, "s3a://kiln-predict/refused/x.csv", List.of("1,-999,1"));
    Run refused = kiln("predict", "pc-ok", "--input", "s3://kiln-predict/refused/", "--output",
        "s3://kiln-predict/out-r/");
    assertThat(refused.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(refused.err).contains("kiln: Input s3://kiln-predict/refused/x.csv (rows from line 1 on): row 0 holds "
        + "-999, which the counting model refuses");
  }

  /** A local model directory of the object-sizes test algorithm, tagged {@code tag}. */
  static Path objectModel(String tag) {
    Path dir = TestSpark.tempDir("kiln-object-model-");
    io.kiln.testing.ObjectSizesAlgorithm.writeModel(dir, tag);
    return dir;
  }

  static byte[] gzip(byte[] bytes) throws java.io.IOException {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(b)) {
      z.write(bytes);
    }
    return b.toByteArray();
  }

  @Test
  void wholeObjectsEachBecomeOneJsonDocumentOnOneLine() throws Exception {
    String model = objectModel("t1").toUri().toString();
    S3Files.write(hadoop, "s3a://kiln-predict/img/a.png", new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    S3Files.write(hadoop, "s3a://kiln-predict/img/sub/deeper/b.jpg", new byte[] {(byte) 0xff, (byte) 0xd8, 1, 2, 3});
    S3Files.write(hadoop, "s3a://kiln-predict/img/c.jpg.gz", gzip(new byte[] {7, 7, 7, 7, 7, 7}));
    // the algorithm is recognised by its model's files; application/json is the default accept for objects
    Run run = kiln("predict", "--model", model, "--input", "s3://kiln-predict/img/", "--output",
        "s3://kiln-predict/out-img/", "--content-type", "application/x-image");
    assertThat(run.exit).as(run.err).isZero();
    assertThat(run.out).contains("predict: 3 object(s), 3 record(s) -> s3://kiln-predict/out-img/ (application/json, "
        + "object-sizes)");
    assertThat(read("s3a://kiln-predict/out-img/a.png.out")).isEqualTo("{\"prediction\": [4, 137], \"tag\": \"t1\"}\n");
    assertThat(read("s3a://kiln-predict/out-img/sub/deeper/b.jpg.out"))
        .isEqualTo("{\"prediction\": [5, 255], \"tag\": \"t1\"}\n");
    // a .gz object is decompressed before the model sees it
    assertThat(read("s3a://kiln-predict/out-img/c.jpg.gz.out"))
        .isEqualTo("{\"prediction\": [6, 7], \"tag\": \"t1\"}\n");
    assertThat(S3Files.list(hadoop, "s3a://kiln-predict/out-img/")).hasSize(4); // three .out and the claim

    // the accept type (with its parameters) reaches the model; a document over several lines is put on one,
    // its numbers as written
    Run verbose = kiln("predict", "--model", model, "--algorithm", "object-sizes", "--input",
        "s3://kiln-predict/img/a.png", "--output", "s3://kiln-predict/out-img-verbose/", "--content-type", "image/png",
        "--accept", "application/jsonlines; verbose=true");
    assertThat(verbose.exit).as(verbose.err).isZero();
    assertThat(verbose.out).contains("(application/jsonlines, object-sizes)");
    assertThat(read("s3a://kiln-predict/out-img-verbose/a.png.out")).isEqualTo(
        "{\"prediction\":[4,137],\"tag\":\"t1\",\"content_type\":\"image/png\",\"name\":\"a.png\",\"score\":0.50}\n");
  }

  @Test
  void smallObjectsAreGroupedIntoFewTasksWithOnePredictorEach() {
    int n = 40;
    for (int i = 0; i < n; i++) {
      S3Files.write(hadoop, String.format("s3a://kiln-predict/many/%02d.jpg", i), new byte[] {(byte) (100 + i), 1});
    }
    int before = io.kiln.testing.ObjectSizesAlgorithm.PREDICTORS.get();
    Run run = kiln("predict", "--model", objectModel("many").toUri().toString(), "--input", "s3://kiln-predict/many/",
        "--output", "s3://kiln-predict/out-many/", "--content-type", "image/jpeg");
    assertThat(run.exit).as(run.err).isZero();
    assertThat(run.out).contains("predict: 40 object(s), 40 record(s)");
    for (int i = 0; i < n; i++) {
      assertThat(read(String.format("s3a://kiln-predict/out-many/%02d.jpg.out", i)))
          .isEqualTo("{\"prediction\": [2, " + (100 + i) + "], \"tag\": \"many\"}\n");
    }
    // one predictor for the driver's check, then one per task: a group of objects per task, not one each
    int tasks = io.kiln.predict.BatchTransform.objectGroups(
        java.util.Collections.nCopies(n, new io.kiln.predict.BatchTransform.ObjectTask("x", "x", 2, false, "y")),
        spark.sparkContext().defaultParallelism());
    assertThat(tasks).isLessThan(n).isGreaterThanOrEqualTo(2);
    assertThat(io.kiln.testing.ObjectSizesAlgorithm.PREDICTORS.get() - before).isEqualTo(1 + tasks);
  }

  @Test
  void aBadObjectIsNamedAndGetsNoOutWhileTheOthersAreWritten() {
    String model = objectModel("t2").toUri().toString();
    S3Files.write(hadoop, "s3a://kiln-predict/img-bad/1.png", new byte[] {1, 2});
    S3Files.write(hadoop, "s3a://kiln-predict/img-bad/2.png", new byte[] {'X', 2, 3});
    S3Files.write(hadoop, "s3a://kiln-predict/img-bad/3.png", new byte[0]);
    Run run = kiln("predict", "--model", model, "--input", "s3://kiln-predict/img-bad/", "--output",
        "s3://kiln-predict/out-img-bad/", "--content-type", "image/png");
    assertThat(run.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(run.err).contains("kiln: Input s3://kiln-predict/img-bad/2.png: not an image: it starts with 'X'; give "
        + "a JPEG or PNG file (and 1 more object(s) failed)");
    assertThat(run.err).contains("1 of 3 object(s) were written to s3://kiln-predict/out-img-bad/; none for the "
        + "failed ones");
    assertThat(read("s3a://kiln-predict/out-img-bad/1.png.out"))
        .isEqualTo("{\"prediction\": [2, 1], \"tag\": \"t2\"}\n");
    assertThat(S3Files.exists(hadoop, "s3a://kiln-predict/out-img-bad/2.png.out")).isFalse();
    assertThat(S3Files.exists(hadoop, "s3a://kiln-predict/out-img-bad/3.png.out")).isFalse();
    Run empty = kiln("predict", "--model", model, "--input", "s3://kiln-predict/img-bad/3.png", "--output",
        "s3://kiln-predict/out-img-empty/", "--content-type", "image/png");
    assertThat(empty.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(empty.err).contains("kiln: Input is empty: the 1 object(s) under s3://kiln-predict/img-bad/3.png hold 0 "
        + "bytes");

    // an answer that is not JSON is the algorithm's bug: the run fails, naming the object, and writes no .out
    S3Files.write(hadoop, "s3a://kiln-predict/img-bug/x.png", new byte[] {'!', 1});
    Run bug = kiln("predict", "--model", model, "--input", "s3://kiln-predict/img-bug/", "--output",
        "s3://kiln-predict/out-img-bug/", "--content-type", "image/png");
    assertThat(bug.exit).isEqualTo(Kiln.EXIT_FAILED);
    assertThat(bug.err).contains("kiln: predict failed: Algorithm 'object-sizes' answered "
        + "s3://kiln-predict/img-bug/x.png with text that is not one JSON value: '{\"prediction\": [2] trailing'")
        .doesNotContain("\tat ");
    assertThat(S3Files.exists(hadoop, "s3a://kiln-predict/out-img-bug/x.png.out")).isFalse();
  }

  @Test
  void contentTypesAndAcceptsTheAlgorithmDoesNotTakeAreRefused() {
    String model = objectModel("t3").toUri().toString();
    S3Files.write(hadoop, "s3a://kiln-predict/img-types/a.png", new byte[] {1});
    // a rows-only algorithm, named by its job: refused before its model is fetched
    Run rowsOnly = kiln("predict", "pc-ok", "--input", "s3://kiln-predict/img-types/", "--output",
        "s3://kiln-predict/o-types1/", "--content-type", "application/x-image");
    assertThat(rowsOnly.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(rowsOnly.err).contains("kiln: --content-type 'application/x-image' is not an input type kiln predict "
        + "reads for algorithm 'counting'; it reads text/csv (features only, no label column, as Batch Transform sends "
        + "them)\n");
    // an object algorithm names the types it takes
    Run other = kiln("predict", "--model", model, "--input", "s3://kiln-predict/img-types/", "--output",
        "s3://kiln-predict/o-types2/", "--content-type", "image/gif");
    assertThat(other.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(other.err).contains("--content-type 'image/gif' is not an input type kiln predict reads for algorithm "
        + "'object-sizes'; it reads text/csv (features only, no label column, as Batch Transform sends them), or whole "
        + "objects (one request each) of application/x-image, image/jpeg, image/png");
    // text/csv (the default) to an algorithm without a row predictor says which types it takes
    Run csv = kiln("predict", "--model", model, "--input", "s3://kiln-predict/img-types/", "--output",
        "s3://kiln-predict/o-types3/");
    assertThat(csv.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(csv.err).contains("Algorithm 'object-sizes' has no batch prediction (kiln predict); no built-in of this "
        + "name implements Algorithm.predictor (--content-type text/csv); it predicts over whole objects: give "
        + "--content-type application/x-image, image/jpeg, image/png");
    Run csvOut = kiln("predict", "--model", model, "--input", "s3://kiln-predict/img-types/", "--output",
        "s3://kiln-predict/o-types4/", "--content-type", "application/x-image", "--accept", "text/csv");
    assertThat(csvOut.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(csvOut.err).contains("--accept 'text/csv': algorithm 'object-sizes' answers each whole object "
        + "(application/x-image) with a JSON document; use application/json (the default) or application/jsonlines");
    Run jsonRows = kiln("predict", "pc-ok", "--input", "s3://kiln-predict/in/", "--output",
        "s3://kiln-predict/o-types5/", "--accept", "application/json");
    assertThat(jsonRows.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(jsonRows.err).contains("--accept 'application/json' is written for whole-object input only; text/csv "
        + "rows are written as text/csv (the default) or application/jsonlines, one line per row");
    for (String prefix : List.of("o-types1/", "o-types2/", "o-types3/", "o-types4/", "o-types5/")) {
      assertThat(S3Files.exists(hadoop, "s3a://kiln-predict/" + prefix + io.kiln.predict.BatchPrediction.CLAIM))
          .as(prefix).isFalse();
    }
  }
}
