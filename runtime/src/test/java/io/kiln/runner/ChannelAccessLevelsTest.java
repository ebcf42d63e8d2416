package io.kiln.runner;

import io.kiln.channel.RecordIoProtobuf;
import io.kiln.record.JobStore;
import io.kiln.record.TrainingJobStatus;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spec.SpecReader;
import io.kiln.testing.AccessLevelsAlgorithm;
import io.kiln.testing.AccessLevelsAlgorithm.Epoch;
import io.kiln.testing.AccessLevelsAlgorithm.Result;
import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import io.kiln.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every access level of a channel in real jobs (two workers on local Spark, channels on local
 * files and on the real S3 server), read by {@link AccessLevelsAlgorithm}: rows without labels,
 * lines, whole objects, a download and every object; each row, line and object is seen by exactly
 * one worker, and reading a channel again (a second epoch) sends S3 no list request.
 */
@Tag("spark")
@Tag("s3")
class ChannelAccessLevelsTest {
  static final String BUCKET = "kiln-access";
  static SparkSession spark;
  static Configuration hadoop;
  static TrainingJobRunner runner;
  static Path dir;

  @BeforeAll
  static void start() {
    S3Server s3 = S3Server.get();
    s3.bucket(BUCKET);
    spark = TestSpark.start(s3, Map.of());
    hadoop = spark.sparkContext().hadoopConfiguration();
    // the algorithms registered through ServiceLoader, as a job finds them
    runner = new TrainingJobRunner(spark, new JobStore(new KilnConf(spark.sparkContext().getConf()).jobRoot(), hadoop),
        Algorithms.load());
    dir = TestSpark.tempDir("kiln-access-");
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** What the channels written by {@link #writeChannels} hold. */
  record Expected(List<Double> rowIds, List<Long> lineIds, List<String> imageKeys, Map<String, String> images,
      Map<String, String> downloads, List<String> downloadOrder, Map<String, String> model) {}

  @Test
  void everyAccessLevelSeesEachRecordExactlyOnceAcrossTwoWorkers() {
    String root = local("local-data");
    Expected expected = writeChannels(root);

    List<Result> results = run("access-local", root);

    assertExactlyOnce(results, expected, 2);
    assertThat(results).allSatisfy(r -> assertThat(r.epochs()).allSatisfy(e -> {
      assertThat(e.listRequestsBefore()).isEqualTo(-1); // no channel on s3a
    }));
  }

  @Test
  void onS3EveryRecordIsSeenOnceAndASecondEpochSendsNoListRequest() {
    String root = "s3a://" + BUCKET + "/data/";
    Expected expected = writeChannels(root);

    List<Result> results = run("access-s3", "s3://" + BUCKET + "/data/");

    assertExactlyOnce(results, expected, 2);
    for (Result r : results) {
      Epoch first = r.epochs().get(0);
      Epoch second = r.epochs().get(1);
      // the driver listed the channels through the same (cached) s3a filesystem: the statistic is live
      assertThat(first.listRequestsBefore()).as("rank %d: list requests before reading", r.rank()).isPositive();
      assertThat(first.listRequestsAfter()).as("rank %d: list requests after epoch 1", r.rank())
          .isEqualTo(first.listRequestsBefore());
      assertThat(second.listRequestsAfter()).as("rank %d: list requests during epoch 2", r.rank())
          .isEqualTo(second.listRequestsBefore());
    }
  }

  @Test
  void aLineTheAlgorithmRefusesFailsTheJobAsAUserErrorNamingObjectAndLine() {
    String root = local("bad-line");
    S3Files.write(hadoop, root + "lines/a.jsonl", List.of("{\"id\": 1}", "{\"id\": 2}"));
    S3Files.write(hadoop, root + "lines/b.jsonl", List.of("{\"id\": 3}", "", "{\"di\": 4}"));

    JobResult r = runner.run(SpecReader.readTrainingJob(spec("access-bad-line",
        channel("lines", root + "lines/", "application/jsonlines", "None")), "test"));

    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.failureReason()).startsWith("ClientError: Channel 'lines': file:")
        .endsWith("/bad-line/lines/b.jsonl line 3: 'id' must be a whole number; write {\"id\": 1}");
  }

  @Test
  void aLineTheAlgorithmFailsOnIsAnAlgorithmError() {
    String root = local("crash-line");
    S3Files.write(hadoop, root + "lines/a.jsonl", List.of("{\"id\": 1}", "{\"crash\": true}", "{\"id\": 3}"));

    JobResult r = runner.run(SpecReader.readTrainingJob(spec("access-crash",
        channel("lines", root + "lines/", "application/jsonlines", "None")).replace("\"workers\": 2",
        "\"workers\": 1"), "test"));

    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).startsWith("AlgorithmError: Channel 'lines': file:")
        .endsWith("/crash-line/lines/a.jsonl line 2: the algorithm failed on the line: "
            + "java.lang.IllegalStateException: crashed on a line as asked");
  }

  @Test
  void rowsWithoutLabelsAreRefusedToAnAlgorithmThatAsksForLabels() {
    String root = local("no-labels");
    S3Files.write(hadoop, root + "rows/a.csv", List.of("1,2", "3,4", "5,6", "7,8"));

    JobResult r = runner.run(SpecReader.readTrainingJob(spec("access-label-size",
        channel("rows", root + "rows/", "text/csv; label_size=0", "None")).replace("\"epochs\": \"2\"",
        "\"epochs\": \"1\", \"rows_label_size\": \"1\""), "test"));

    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.failureReason()).isEqualTo("ClientError: Channel 'rows' has content type text/csv;label_size=0 (rows "
        + "without a label), but this algorithm learns from a label in the first column; put the label first and "
        + "remove label_size=0");
  }

  @Test
  void recordIoProtobufRowsDenseOrSparseReachTheWorkersOnceEachWithTheirLabelsAndFeatures() throws IOException {
    String local = local("recordio");
    String s3 = "s3a://" + BUCKET + "/recordio/";
    List<List<Double>> expected = new ArrayList<>();
    // 3 objects, rows with zeros (absent from the sparse records), labels 0-2; two workers cut the
    // objects by bytes, so records straddle a worker's boundary
    for (int part = 0; part < 3; part++) {
      ByteArrayOutputStream dense = new ByteArrayOutputStream();
      ByteArrayOutputStream sparse = new ByteArrayOutputStream();
      try (RecordIoProtobuf.Writer d = new RecordIoProtobuf.Writer(dense);
          RecordIoProtobuf.Writer sp = new RecordIoProtobuf.Writer(sparse)) {
        for (int i = part * 200; i < part * 200 + 150 + part * 40; i++) {
          float[] f = {i, i % 4 == 0 ? 0 : i * 0.5f, i % 3 == 0 ? 0 : -i};
          float label = i % 3;
          d.dense(f, label);
          int[] idx = java.util.stream.IntStream.range(0, 3).filter(c -> f[c] != 0).toArray();
          float[] v = new float[idx.length];
          for (int k = 0; k < idx.length; k++) {
            v[k] = f[idx[k]];
          }
          sp.sparse(3, idx, v, label);
          expected.add(List.of((double) label, (double) f[0], (double) f[1], (double) f[2]));
        }
      }
      S3Files.write(hadoop, local + "dense/part-" + part + ".rec", dense.toByteArray());
      S3Files.write(hadoop, s3 + "sparse/part-" + part + ".rec", sparse.toByteArray());
    }

    List<Result> dense = runRows("recordio-dense", local + "dense/", "application/x-recordio-protobuf");
    List<Result> sparse = runRows("recordio-sparse", "s3://" + BUCKET + "/recordio/sparse/", "recordio-protobuf");

    assertThat(seen(dense)).isEqualTo(expected);
    assertThat(seen(sparse)).isEqualTo(expected);
    for (List<Result> job : List.of(dense, sparse)) {
      assertThat(job).allSatisfy(r -> {
        assertThat(r.epochs().get(0).rowIds()).as("rank %d has rows", r.rank()).isNotEmpty();
        assertThat(r.epochs().get(0).rowColumns()).isEqualTo(3);
      });
    }
    assertThat(dense).allSatisfy(r -> assertThat(r.epochs().get(0).rowsSparse()).isFalse());
    assertThat(sparse).allSatisfy(r -> assertThat(r.epochs().get(0).rowsSparse()).isTrue());
  }

  @Test
  void aTruncatedRecordIoObjectFailsTheJobAsAClientErrorNamingObjectRecordAndOffset() throws IOException {
    String root = local("recordio-bad");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(bytes)) {
      for (int i = 0; i < 4; i++) {
        w.dense(new float[] {i, i}, 1f); // 52 bytes each
      }
    }
    S3Files.write(hadoop, root + "rows/a.rec", java.util.Arrays.copyOf(bytes.toByteArray(), 52 * 3 + 30));

    JobResult r = runner.run(SpecReader.readTrainingJob(spec("access-bad-recordio",
        channel("rows", root + "rows/", "application/x-recordio-protobuf", "None")).replace("\"workers\": 2",
        "\"workers\": 1"), "test"));

    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.failureReason()).startsWith("ClientError: Channel 'rows': file:")
        .endsWith("/recordio-bad/rows/a.rec record 3 (counting from 0) at byte offset 156: the record is truncated: "
            + "its header at byte offset 156 states 44 bytes of data, but the object ends after 22; replace the "
            + "object with a complete copy");
  }

  @Test
  void recordIoLabelSizeZeroIsRefusedToALabelLearnerButLabelsAreIgnoredByAnAlgorithmWithoutThem() throws IOException {
    String root = local("recordio-labels");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(bytes)) {
      for (int i = 0; i < 20; i++) {
        w.dense(new float[] {i, -i}, i % 2f);
      }
    }
    S3Files.write(hadoop, root + "rows/a.rec", bytes.toByteArray());
    String oneWorker = "\"workers\": 1";

    JobResult refused = runner.run(SpecReader.readTrainingJob(spec("access-recordio-needs-labels",
        channel("rows", root + "rows/", "application/x-recordio-protobuf; label_size=0", "None"))
        .replace("\"workers\": 2", oneWorker).replace("\"epochs\": \"2\"", "\"epochs\": \"1\", \"rows_label_size\": \"1\""),
        "test"));
    JobResult ignored = runner.run(SpecReader.readTrainingJob(spec("access-recordio-ignores-labels",
        channel("rows", root + "rows/", "application/x-recordio-protobuf;label_size=1", "None"))
        .replace("\"workers\": 2", oneWorker).replace("\"epochs\": \"2\"", "\"epochs\": \"1\", \"rows_label_size\": \"0\""),
        "test"));

    assertThat(refused.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(refused.failureReason()).isEqualTo("ClientError: Channel 'rows' has content type "
        + "application/x-recordio-protobuf;label_size=0 (rows without a label), but this algorithm learns from a label "
        + "in each record's label[\"values\"]; write the labels there and remove label_size=0");
    assertThat(ignored.status()).as(ignored.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    Epoch epoch = AccessLevelsAlgorithm.results(S3Files.untar(S3Files.read(hadoop, ignored.modelArtifacts())))
        .get(0).epochs().get(0);
    assertThat(epoch.rowLabels()).isNull();
    assertThat(epoch.rowIds()).hasSize(20);
  }

  /** Every worker's rows, in rank order, as label then features. */
  private static List<List<Double>> seen(List<Result> results) {
    List<List<Double>> rows = new ArrayList<>();
    for (Result r : results) {
      Epoch e = r.epochs().get(0);
      for (int i = 0; i < e.rowFeatures().size(); i++) {
        List<Double> row = new ArrayList<>();
        row.add(e.rowLabels().get(i));
        row.addAll(e.rowFeatures().get(i));
        rows.add(row);
      }
    }
    return rows;
  }

  /** One epoch of the access-levels algorithm on two workers over a labelled rows channel; the workers' results. */
  private static List<Result> runRows(String name, String uri, String contentType) {
    String spec = spec(name, channel("rows", uri, contentType, "None")).replace("\"epochs\": \"2\"",
        "\"epochs\": \"1\"");
    JobResult result = runner.run(SpecReader.readTrainingJob(spec, "test"));
    assertThat(result.status()).as(result.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    return AccessLevelsAlgorithm.results(S3Files.untar(S3Files.read(hadoop, result.modelArtifacts())));
  }

  /** Runs the access-levels algorithm for two epochs on every channel under {@code root}; its workers' results. */
  private static List<Result> run(String name, String root) {
    List<Result> results = runJob(name,
        channel("rows", root + "rows/", "text/csv;label_size=0", "None"),
        channel("lines", root + "lines/", "application/x-jsonlines", "None"),
        channel("images", root + "images/", "application/x-image", "None"),
        channel("files", root + "files/", null, "Gzip"),
        channel("model", root + "model/", null, "None"));
    assertThat(runner.store().readLog(name).orElseThrow())
        .contains("Channel rows: 3 object(s), ", " bytes, text/csv;label_size=0, FullyReplicated")
        .contains("Channel images: 9 object(s), ", " bytes, application/x-image, FullyReplicated");
    return results;
  }

  /** Runs the access-levels algorithm for two epochs on {@code channels} with two workers; its workers' results. */
  private static List<Result> runJob(String name, String... channels) {
    JobResult result = runner.run(SpecReader.readTrainingJob(spec(name, channels), "test"));
    assertThat(result.status()).as(result.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    List<Result> results = AccessLevelsAlgorithm.results(S3Files.untar(S3Files.read(hadoop,
        result.modelArtifacts())));
    assertThat(results).extracting(Result::rank).containsExactly(0, 1);
    assertThat(results).allSatisfy(r -> assertThat(r.epochs()).hasSize(2));
    return results;
  }

  @Test
  void manifestFileChannelsOnS3ReadAtEveryLevelAsTheirPrefixesDoAndASecondEpochListsNothing() {
    String root = "s3a://" + BUCKET + "/mdata/";
    Expected expected = writeChannels(root);
    List<String> channels = new ArrayList<>();
    for (List<String> c : List.of(List.of("rows", "text/csv;label_size=0", "None"),
        List.of("lines", "application/x-jsonlines", "None"), List.of("images", "application/x-image", "None"),
        List.of("files", "", "Gzip"), List.of("model", "", "None"))) {
      String name = c.get(0);
      List<String> keys = new ArrayList<>(S3Files.list(hadoop, root + name + "/"));
      assertThat(keys).isNotEmpty();
      Collections.reverse(keys); // the order of a manifest's keys does not change what a worker reads
      // the user's spelling, s3://, in the manifest and in the spec
      String manifest = "s3://" + BUCKET + "/manifests/" + name + ".manifest";
      put("s3a" + manifest.substring(2), manifestJson("s3://" + BUCKET + "/mdata/" + name + "/", keys));
      channels.add(channel(name, manifest, c.get(1).isEmpty() ? null : c.get(1), c.get(2), "ManifestFile", null));
    }

    List<Result> results = runJob("access-manifest", channels.toArray(String[]::new));

    assertExactlyOnce(results, expected, 2);
    for (Result r : results) {
      for (Epoch e : r.epochs()) {
        assertThat(e.listRequestsAfter()).as("rank %d: list requests while reading", r.rank())
            .isEqualTo(e.listRequestsBefore());
      }
      assertThat(r.epochs().get(1).listRequestsBefore()).isEqualTo(r.epochs().get(0).listRequestsAfter());
    }
    assertThat(runner.store().readLog("access-manifest").orElseThrow())
        .contains("Channel rows: 3 object(s), ", " bytes listed by manifest s3://" + BUCKET
            + "/manifests/rows.manifest, text/csv;label_size=0, FullyReplicated")
        .contains("Channel files: 4 object(s), ");
  }

  @Test
  void anAugmentedManifestOnS3GivesEachLineToOneWorkerWithItsAttributesInOrder() {
    String root = "s3a://" + BUCKET + "/aug/";
    StringBuilder manifest = new StringBuilder();
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 60; i++) {
      String key = "img/" + (i % 3 == 0 ? "cats/" : "dogs/sub/") + i + ".jpg";
      String ref = "s3://" + BUCKET + "/aug/" + key;
      put(root + key, "image " + i);
      manifest.append("{\"source-ref\": \"").append(ref).append("\", \"noise\": [1, 2], \"class\": ")
          .append(i % 3).append("}\n");
      expected.add(i + ": " + (i % 3) + " | \"" + ref + "\" | image " + i);
    }
    put(root + "labels.jsonl", manifest.toString());

    List<Result> results = runJob("access-augmented", channel("labelled", "s3://" + BUCKET + "/aug/labels.jsonl",
        null, "None", "AugmentedManifestFile", List.of("class", "source-ref")));

    for (int e = 0; e < 2; e++) {
      List<String> all = new ArrayList<>();
      for (Result r : results) {
        assertThat(r.labelled().get(e)).as("rank %d's records in epoch %d", r.rank(), e + 1).isNotEmpty()
            .isEqualTo(r.labelled().get(0));
        all.addAll(r.labelled().get(e));
      }
      assertThat(all).containsExactlyElementsOf(expected);
    }
    assertThat(runner.store().readLog("access-augmented").orElseThrow()).contains("Channel labelled: augmented "
        + "manifest s3://" + BUCKET + "/aug/labels.jsonl (", " bytes), attributes class, source-ref, "
        + "application/x-image, FullyReplicated");
  }

  @Test
  void anAugmentedManifestLineWithoutAnAttributeFailsTheJobNamingTheLineAsWritten() {
    String root = "s3a://" + BUCKET + "/aug-bad/";
    put(root + "a.jpg", "a");
    put(root + "labels.jsonl", String.join("\n",
        "{\"source-ref\": \"s3://" + BUCKET + "/aug-bad/a.jpg\", \"class\": 1}",
        "{\"source-ref\": \"s3://" + BUCKET + "/aug-bad/a.jpg\", \"class\": 0}",
        "{\"source-ref\": \"s3://" + BUCKET + "/aug-bad/a.jpg\", \"klass\": 1}",
        "{\"source-ref\": \"s3://" + BUCKET + "/aug-bad/a.jpg\", \"class\": 1}", ""));

    JobResult r = runner.run(SpecReader.readTrainingJob(spec("access-aug-bad", channel("labelled",
        "s3://" + BUCKET + "/aug-bad/labels.jsonl", null, "None", "AugmentedManifestFile",
        List.of("class", "source-ref"))).replace("\"workers\": 2", "\"workers\": 1"), "test"));

    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.failureReason()).isEqualTo("ClientError: Channel 'labelled': augmented manifest s3://" + BUCKET
        + "/aug-bad/labels.jsonl line 3: it has no attribute 'class' (attributeNames / AttributeNames: class, "
        + "source-ref); add it to the line or remove it from attributeNames");
  }

  @Test
  void aManifestNamingAMissingObjectFailsTheJobNamingTheEntryAsWritten() {
    put("s3a://" + BUCKET + "/mgone/a.csv", "1,2\n");
    put("s3a://" + BUCKET + "/mgone/train.manifest", manifestJson("s3://" + BUCKET + "/mgone/",
        List.of("a.csv", "deep/er/b.csv")));

    JobResult r = runner.run(SpecReader.readTrainingJob(spec("access-manifest-gone", channel("rows",
        "s3://" + BUCKET + "/mgone/train.manifest", "text/csv;label_size=0", "None", "ManifestFile", null)),
        "test"));

    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).isEqualTo("ClientError: Channel 'rows': manifest s3://" + BUCKET
        + "/mgone/train.manifest entry [2] names s3://" + BUCKET + "/mgone/deep/er/b.csv, which does not exist; "
        + "upload it, or fix or remove the entry");
  }

  @Test
  void anAugmentedManifestOnAChannelThatDoesNotReadOneIsRefusedBeforeAnyWork() {
    JobResult r = runner.run(SpecReader.readTrainingJob(spec("access-aug-refused", channel("rows",
        "s3://" + BUCKET + "/nowhere/labels.jsonl", "text/csv", "None", "AugmentedManifestFile",
        List.of("source-ref"))), "test"));

    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.failureReason()).isEqualTo("ClientError: Channel 'rows' is an AugmentedManifestFile (dataType / "
        + "S3DataType), which access-levels does not read on this channel: it reads the data objects themselves "
        + "(text/csv, application/x-parquet, application/x-recordio-protobuf). List them in a ManifestFile channel (a JSON list of a prefix and keys) "
        + "or put them under an S3Prefix");
  }

  /** SageMaker's manifest format: the prefix, then the keys. */
  private static String manifestJson(String prefix, List<String> keys) {
    StringBuilder json = new StringBuilder("[{\"prefix\": \"" + prefix + "\"}");
    keys.forEach(k -> json.append(",\n \"").append(k).append('"'));
    return json.append("]\n").toString();
  }

  /**
   * Each epoch of each worker read a share of the rows and lines; the shares, in rank order, are the
   * whole channel in order, each record once; both epochs read the same; whole objects were dealt
   * out as object i to worker i mod workers.
   */
  private static void assertExactlyOnce(List<Result> results, Expected expected, int workers) {
    for (int e = 0; e < 2; e++) {
      List<Double> rows = new ArrayList<>();
      List<Long> lines = new ArrayList<>();
      Map<String, String> images = new TreeMap<>();
      for (Result r : results) {
        Epoch epoch = r.epochs().get(e);
        assertThat(epoch.rowIds()).as("rank %d's rows", r.rank()).isNotEmpty();
        assertThat(epoch.lineIds()).as("rank %d's lines", r.rank()).isNotEmpty();
        assertThat(epoch.rowLabels()).as("rows read without labels").isNull();
        assertThat(epoch.rowColumns()).as("every column a feature").isEqualTo(3);
        assertThat(epoch).as("rank %d: epoch %d reads what epoch 1 read", r.rank(), e + 1)
            .isEqualTo(new Epoch(r.epochs().get(0).rowIds(), null, 3, r.epochs().get(0).rowFeatures(), false,
                r.epochs().get(0).lineIds(),
                r.epochs().get(0).images(), epoch.listRequestsBefore(), epoch.listRequestsAfter()));
        rows.addAll(epoch.rowIds());
        lines.addAll(epoch.lineIds());
        for (Map.Entry<String, String> i : epoch.images().entrySet()) {
          assertThat(images.put(i.getKey(), i.getValue())).as("image %s read twice", i.getKey()).isNull();
        }
        List<String> mine = new ArrayList<>();
        for (int i = r.rank(); i < expected.imageKeys().size(); i += workers) {
          mine.add(expected.imageKeys().get(i));
        }
        assertThat(epoch.images().keySet()).as("rank %d's images", r.rank()).containsExactlyElementsOf(mine);
      }
      assertThat(rows).containsExactlyElementsOf(expected.rowIds());
      assertThat(lines).containsExactlyElementsOf(expected.lineIds());
      assertThat(images).isEqualTo(expected.images());
    }
    Map<String, String> downloads = new TreeMap<>();
    for (Result r : results) {
      List<String> mine = new ArrayList<>();
      for (int i = r.rank(); i < expected.downloadOrder().size(); i += workers) {
        mine.add(expected.downloadOrder().get(i));
      }
      assertThat(r.downloaded().keySet()).as("rank %d's downloads", r.rank()).containsExactlyInAnyOrderElementsOf(mine);
      downloads.putAll(r.downloaded());
      assertThat(r.model()).as("rank %d sees every model object", r.rank()).isEqualTo(expected.model());
    }
    assertThat(downloads).isEqualTo(expected.downloads());
  }

  /**
   * Writes the channels under {@code root} (a directory URI ending in /) through its Hadoop
   * filesystem, so S3 data goes in through the S3 API.
   */
  private static Expected writeChannels(String root) {
    List<Double> rowIds = new ArrayList<>();
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < 550; i++) {
      if (i == 300) {
        put(root + "rows/part-0.csv", rows.toString());
        rows.setLength(0);
      }
      rows.append(i).append(',').append(i * 2).append(',').append(i % 7).append(i % 5 == 0 ? "\r\n" : "\n");
      rowIds.add((double) i);
    }
    put(root + "rows/part-1.csv", rows.toString());
    put(root + "rows/part-2.csv", "");

    List<Long> lineIds = new ArrayList<>();
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 900; i++) {
      if (i == 400 || i == 600) {
        String name = i == 400 ? "lines/a.jsonl" : "lines/b.jsonl.gz";
        if (i == 400) {
          put(root + name, lines.toString());
        } else {
          S3Files.write(hadoop, root + name, gzip(lines.toString()));
        }
        lines.setLength(0);
      }
      lines.append("{\"id\": ").append(i).append(", \"text\": \"").append("word ".repeat(i % 13)).append("\"}\n");
      if (i % 97 == 0) {
        lines.append('\n');
      }
      lineIds.add((long) i);
    }
    put(root + "lines/c.jsonl", lines.toString());

    List<String> imageKeys = new ArrayList<>();
    Map<String, String> images = new TreeMap<>();
    for (String key : List.of("cats/001.jpg", "cats/002.jpg", "cats/003.jpg", "dogs/a/004.jpg", "dogs/b/005.jpg",
        "empty.jpg", "top-006.jpg", "zebras/007.jpg", "zebras/008.jpg")) {
      String content = key.equals("empty.jpg") ? "" : "image " + key;
      put(root + "images/" + key, content);
      if (!content.isEmpty()) {
        imageKeys.add(key);
        images.put(key, content);
      }
    }

    Map<String, String> downloads = new TreeMap<>();
    List<String> downloadOrder = new ArrayList<>();
    Map<String, String> files = new LinkedHashMap<>(); // key order
    files.put("a.txt.gz", "a.txt");
    files.put("nested/b.txt.gz", "nested/b.txt");
    files.put("nested/deeper/c.txt", "nested/deeper/c.txt");
    files.put("z.bin", "z.bin");
    for (Map.Entry<String, String> f : files.entrySet()) {
      String content = "file " + f.getValue() + "\n".repeat(3);
      S3Files.write(hadoop, root + "files/" + f.getKey(), gzip(content));
      downloads.put(f.getValue(), content);
      downloadOrder.add(f.getValue());
    }

    Map<String, String> model = new LinkedHashMap<>();
    model.put("model.tar.gz", "kept as stored: the channel is not Gzip");
    model.put("vocab.txt", "a\nb\n");
    model.forEach((k, v) -> put(root + "model/" + k, v));
    return new Expected(rowIds, lineIds, imageKeys, images, downloads, downloadOrder, model);
  }

  /** A directory URI (ending in /) under the test's temporary directory. */
  private static String local(String name) {
    return dir.resolve(name).toUri() + "/";
  }

  private static void put(String uri, String text) {
    S3Files.write(hadoop, uri, text.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] gzip(String text) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static String channel(String name, String uri, String contentType, String compression) {
    return channel(name, uri, contentType, compression, "S3Prefix", null);
  }

  private static String channel(String name, String uri, String contentType, String compression, String dataType,
      List<String> attributeNames) {
    return "{\"name\": \"" + name + "\", \"uri\": \"" + uri + "\", \"compression\": \"" + compression + "\""
        + (contentType == null ? "" : ", \"contentType\": \"" + contentType + "\"")
        + ", \"dataType\": \"" + dataType + "\""
        + (attributeNames == null ? "" : ", \"attributeNames\": [\"" + String.join("\", \"", attributeNames) + "\"]")
        + "}";
  }

  private static String spec(String name, String... channels) {
    return """
        {"name": "%s", "algorithm": "access-levels", "hyperparameters": {"epochs": "2"},
         "channels": [%s], "outputPath": "%s", "resources": {"workers": 2}}
        """.formatted(name, String.join(", ", channels), dir.resolve("out").toUri());
  }
}
