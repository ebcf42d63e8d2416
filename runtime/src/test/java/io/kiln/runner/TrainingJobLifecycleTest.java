package io.kiln.runner;

import io.kiln.record.JobRecord;
import io.kiln.record.JobStore;
import io.kiln.record.SecondaryStatus;
import io.kiln.record.TrainingJobStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spec.SpecReader;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.KilnException;
import io.kiln.storage.Uris;
import io.kiln.spi.Rendezvous;
import io.kiln.testing.CollectivesAlgorithm;
import io.kiln.testing.CountingAlgorithm;
import io.kiln.testing.DriverLoopAlgorithm;
import io.kiln.testing.OutputWritingAlgorithm;
import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A job's life from the driver's side: statuses, heartbeat, stop requests, limits, names, and where
 * its outputs are made (worker-side model and output directories, an estimator's staging directory,
 * failure files), some of them on the real S3 server.
 */
@Tag("spark")
@Tag("s3")
class TrainingJobLifecycleTest {
  static final long OUTAGE_WINDOW_SECONDS = 20;
  static SparkSession spark;
  static TrainingJobRunner runner;
  /** The same session and job root, with the outputs algorithm. */
  static TrainingJobRunner outputs;
  static Path dir;
  static String trainUri;

  @BeforeAll
  static void start() {
    S3Server s3 = S3Server.get();
    s3.bucket(OUTPUT_BUCKET);
    // a short storage retry window: the outage tests below kill S3 on purpose
    // and s3a/SDK retries cut short, so one call to a dead server fails in about a second and the
    // window, not the SDK's own backoff, decides how long a write keeps trying;
    // the ARNs of this class's jobs: a region and account of the user's choosing
    spark = TestSpark.start(s3, Map.of(KilnConf.STORAGE_RETRY_WINDOW, Long.toString(OUTAGE_WINDOW_SECONDS),
        "spark.hadoop.fs.s3a.attempts.maximum", "1", "spark.hadoop.fs.s3a.retry.limit", "1",
        "spark.hadoop.fs.s3a.retry.interval", "200ms", "spark.hadoop.fs.s3a.connection.establish.timeout", "2000",
        "spark.kiln.arn.region", "eu-west-1", "spark.kiln.arn.account-id", "123456789012"));
    runner = new TrainingJobRunner(spark, new JobStore(new KilnConf(spark.sparkContext().getConf()).jobRoot(),
        spark.sparkContext().hadoopConfiguration()),
        new Algorithms(List.of(new CountingAlgorithm(), new DriverLoopAlgorithm())));
    outputs = new TrainingJobRunner(spark, runner.store(), new Algorithms(List.of(new OutputWritingAlgorithm())));
    dir = TestSpark.tempDir("kiln-lifecycle-");
    trainUri = SharedData.writeLocal(dir, "data/train.csv", SharedData.iris());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static TrainingJobSpec spec(String name, String hyperparameters, String extra) {
    return SpecReader.readTrainingJob("""
        {"name": "%s", "algorithm": "counting", "hyperparameters": %s,
         "channels": [{"name": "train", "uri": "%s", "contentType": "text/csv"}],
         "outputPath": "%s", "resources": {"workers": 2} %s}
        """.formatted(name, hyperparameters, trainUri, dir.resolve("out").toUri(), extra), "test");
  }

  @Test
  void completedJobRecordsEveryTransitionInOrder() {
    JobResult result = runner.run(spec("life-ok", "{\"rounds\": \"5\"}", ""));
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(result.exitCode()).isZero();
    JobRecord r = runner.store().load("life-ok").orElseThrow();
    assertThat(r.trainingJobStatus()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(r.secondaryStatusTransitions()).extracting(JobRecord.StatusTransition::status).containsExactly(
        SecondaryStatus.Starting, SecondaryStatus.Downloading, SecondaryStatus.Training, SecondaryStatus.Uploading,
        SecondaryStatus.Completed);
    List<JobRecord.StatusTransition> ts = r.secondaryStatusTransitions();
    for (int i = 0; i + 1 < ts.size(); i++) {
      assertThat(ts.get(i).endTime()).isEqualTo(ts.get(i + 1).startTime());
    }
    assertThat(r.trainingStartTime()).isEqualTo(ts.get(1).startTime());
    assertThat(r.trainingEndTime()).isAfterOrEqualTo(ts.get(4).startTime());
    assertThat(r.trainingTimeInSeconds()).isPositive();
    assertThat(r.billableTimeInSeconds()).isEqualTo(r.trainingTimeInSeconds());
    assertThat(r.kiln().metricHistory()).extracting(JobRecord.RoundMetrics::round).containsExactly(0, 1, 2, 3, 4);
    assertThat(r.kiln().metricHistory().get(4).metrics()).containsEntry("train:loss", 0.2);
    assertThat(r.finalMetricDataList()).extracting(JobRecord.MetricData::metricName).containsExactly("train:loss");
    assertThat(r.modelArtifacts().s3ModelArtifacts()).endsWith("/out/life-ok/output/model.tar.gz");
    byte[] tar = S3Files.read(spark.sparkContext().hadoopConfiguration(), r.modelArtifacts().s3ModelArtifacts());
    assertThat(new String(S3Files.untar(tar).get("model.txt"))).contains("rounds=5", "rows=150");
    assertThat(runner.store().readLog("life-ok").orElseThrow())
        .contains("[Training]", "[4]\ttrain-loss:0.2", "[Completed] Training job completed");
  }

  @Test
  void secondJobWithTheSameNameIsRefused() {
    runner.run(spec("life-dup", "{\"rounds\": \"1\"}", ""));
    assertThatThrownBy(() -> runner.run(spec("life-dup", "{\"rounds\": \"1\"}", "")))
        .isInstanceOf(KilnException.class)
        .hasMessageContaining("ResourceInUse")
        .hasMessageContaining("'life-dup' already exists");
    assertThat(runner.store().load("life-dup").orElseThrow().trainingJobStatus()).isEqualTo(TrainingJobStatus.Completed);
  }

  @Test
  void stopRequestStopsAtARoundBoundaryAndKeepsTheModel() throws Exception {
    CompletableFuture<JobResult> running = CompletableFuture.supplyAsync(
        () -> runner.run(spec("life-stop", "{\"rounds\": \"100000\", \"sleep_ms\": \"10\"}", "")));
    awaitRounds("life-stop", 5);
    runner.store().requestStop("life-stop", "test");
    JobResult result = running.get(60, TimeUnit.SECONDS);
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Stopped);
    assertThat(result.secondaryStatus()).isEqualTo(SecondaryStatus.Stopped);
    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.modelArtifacts()).isNotNull();
    JobRecord r = runner.store().load("life-stop").orElseThrow();
    assertThat(r.secondaryStatusTransitions()).extracting(JobRecord.StatusTransition::status)
        .containsSubsequence(SecondaryStatus.Training, SecondaryStatus.Stopping, SecondaryStatus.Uploading,
            SecondaryStatus.Stopped);
    int rounds = r.kiln().roundsCompleted();
    assertThat(rounds).isBetween(5, 99_999);
    byte[] tar = S3Files.read(spark.sparkContext().hadoopConfiguration(), result.modelArtifacts());
    assertThat(new String(S3Files.untar(tar).get("model.txt"))).contains("rounds=" + rounds);
  }

  @Test
  void maxRuntimeStopsTheJobWithMaxRuntimeExceeded() {
    JobResult result = runner.run(spec("life-maxrt", "{\"rounds\": \"100000\", \"sleep_ms\": \"10\"}",
        ", \"stoppingCondition\": {\"maxRuntimeSeconds\": 2}"));
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Stopped);
    assertThat(result.secondaryStatus()).isEqualTo(SecondaryStatus.MaxRuntimeExceeded);
    assertThat(result.failureReason()).contains("MaxRuntimeInSeconds (2 s)");
    assertThat(result.exitCode()).isEqualTo(3);
    JobRecord r = runner.store().load("life-maxrt").orElseThrow();
    // unstopped, the job would train 100000 x 10 ms = 1000 s; the bound leaves a loaded machine room
    assertThat(r.trainingTimeInSeconds()).isBetween(2L, 120L);
  }

  @Test
  void heartbeatAdvancesWhileTheJobRuns() throws Exception {
    CompletableFuture<JobResult> running = CompletableFuture.supplyAsync(
        () -> runner.run(spec("life-beat", "{\"rounds\": \"100000\", \"sleep_ms\": \"10\"}", "")));
    awaitRounds("life-beat", 1);
    Instant first = runner.store().load("life-beat").orElseThrow().kiln().heartbeatTime();
    // a beat a second: wait for the next one to be stored, however late a loaded machine makes it
    long deadline = System.currentTimeMillis() + 60_000;
    JobRecord later = runner.store().load("life-beat").orElseThrow();
    while (!later.kiln().heartbeatTime().isAfter(first) && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
      later = runner.store().load("life-beat").orElseThrow();
    }
    assertThat(later.trainingJobStatus()).isEqualTo(TrainingJobStatus.InProgress);
    assertThat(later.kiln().heartbeatTime()).isAfter(first);
    assertThat(later.asSeenAt(Instant.now()).kiln().driverState()).isEqualTo("Alive");
    runner.store().requestStop("life-beat", "test");
    assertThat(running.get(60, TimeUnit.SECONDS).status()).isEqualTo(TrainingJobStatus.Stopped);
  }

  @Test
  void aJobWhoseDriverStoppedBeatingIsShownAsLostNotInProgress() {
    JobRecord r = runner.store().load("life-ok").orElseGet(() -> {
      runner.run(spec("life-ok2", "{\"rounds\": \"1\"}", ""));
      return runner.store().load("life-ok2").orElseThrow();
    });
    JobRecord abandoned = r.toBuilder().trainingJobName("life-lost")
        .trainingJobStatus(TrainingJobStatus.InProgress).secondaryStatus(SecondaryStatus.Training)
        .kiln(r.kilnBuilder().heartbeatTime(Instant.now().minus(Duration.ofMinutes(5))).build()).build();
    runner.store().save(abandoned);
    JobRecord seen = runner.store().load("life-lost").orElseThrow().asSeenAt(Instant.now());
    assertThat(seen.trainingJobStatus()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(seen.failureReason()).startsWith("Driver lost: no heartbeat").contains("kiln train --resume life-lost");
    assertThat(seen.kiln().driverState()).isEqualTo("Lost");
    // nothing was written: the record itself still says InProgress
    assertThat(runner.store().load("life-lost").orElseThrow().trainingJobStatus()).isEqualTo(TrainingJobStatus.InProgress);
  }

  @Test
  void unknownAlgorithmFailsTheJobListingTheAvailableOnes() {
    JobResult result = runner.run(SpecReader.readTrainingJob("""
        {"name": "life-unknown", "algorithm": "countin", "hyperparameters": {},
         "channels": [{"name": "train", "uri": "%s"}], "outputPath": "%s"}
        """.formatted(trainUri, dir.resolve("out").toUri()), "test"));
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.failureReason()).isEqualTo("ClientError: Unknown algorithm 'countin'; did you mean 'counting'?"
        + " Available built-in algorithms: counting, driver-loop");
    assertThat(runner.store().load("life-unknown").orElseThrow().failureReason()).isEqualTo(result.failureReason());
    // a built-in of a jar of its own (kiln-dl4j.jar), not on this classpath: the message says what to build and add
    JobResult dl4j = runner.run(SpecReader.readTrainingJob("""
        {"name": "life-no-dl4j", "algorithm": "image-classification", "hyperparameters": {},
         "channels": [{"name": "train", "uri": "%s"}], "outputPath": "%s"}
        """.formatted(trainUri, dir.resolve("out").toUri()), "test"));
    assertThat(dl4j.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(dl4j.exitCode()).isEqualTo(2);
    assertThat(dl4j.failureReason()).isEqualTo("ClientError: Algorithm 'image-classification' is a Kiln built-in that "
        + "ships in kiln-dl4j.jar, which is not on the classpath: build it with 'mvn -DskipTests -Pdl4j package' "
        + "(dist/target/kiln-dl4j.jar; scripts/kiln then adds it) and with spark-submit add --jars kiln-dl4j.jar");
  }

  @Test
  void workerErrorFailsTheJobWithItsMessageAndNoModel() {
    JobResult result = runner.run(spec("life-fail", "{\"rounds\": \"10\", \"fail_at_round\": \"3\"}", ""));
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.failureReason()).isEqualTo("ClientError: counting failed at round 3 as asked");
    assertThat(S3Files.exists(spark.sparkContext().hadoopConfiguration(),
        dir.resolve("out/life-fail/output/model.tar.gz").toUri().toString())).isFalse();
  }

  @Test
  void anErrorOnTheDriverIsRecordedAsTheJobsFailure() {
    // as a NoSuchMethodError from a library the cluster puts before Kiln's own: the job must not stay
    // InProgress (and later show as "Driver lost")
    TrainingJobRunner clashing = new TrainingJobRunner(spark, runner.store(),
        new Algorithms(List.of(new ClashingAlgorithm())));
    JobResult result = clashing.run(SpecReader.readTrainingJob("""
        {"name": "life-linkage", "algorithm": "clashing", "hyperparameters": {"rounds": "1"},
         "channels": [{"name": "train", "uri": "%s"}], "outputPath": "%s"}
        """.formatted(trainUri, dir.resolve("out").toUri()), "test"));
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.failureReason()).startsWith("InternalServerError: Internal error: java.lang.NoSuchMethodError: "
        + "'void org.apache.commons.compress.").contains("not the version Kiln was built against");
    JobRecord record = runner.store().load("life-linkage").orElseThrow();
    assertThat(record.trainingJobStatus()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(record.failureReason()).isEqualTo(result.failureReason());
    assertThat(record.trainingEndTime()).isNotNull();
  }

  /** The counting algorithm under another name, whose driver side fails as a library clash does. */
  static final class ClashingAlgorithm implements io.kiln.spi.Algorithm<CountingAlgorithm.Params> {
    private final CountingAlgorithm counting = new CountingAlgorithm();

    @Override
    public String name() {
      return "clashing";
    }

    @Override
    public java.util.Set<String> imageRepositories() {
      return java.util.Set.of("kiln-clashing");
    }

    @Override
    public List<io.kiln.spi.ChannelRequirement> channels() {
      return counting.channels();
    }

    @Override
    public List<io.kiln.spi.MetricDescriptor> metrics(Map<String, String> hyperparameters,
        java.util.Set<String> channels) {
      return counting.metrics(hyperparameters, channels);
    }

    @Override
    public CountingAlgorithm.Params hyperparameters(Map<String, String> raw) {
      return counting.hyperparameters(raw);
    }

    @Override
    public io.kiln.spi.TrainingOutcome train(io.kiln.spi.TrainingContext context, CountingAlgorithm.Params h) {
      throw new NoSuchMethodError("'void org.apache.commons.compress.archivers.tar.TarArchiveOutputStream"
          + ".putArchiveEntry(org.apache.commons.compress.archivers.tar.TarArchiveEntry)'");
    }
  }

  @Test
  void moreWorkersThanSlotsIsAClearError() {
    JobResult result = runner.run(SpecReader.readTrainingJob("""
        {"name": "life-slots", "algorithm": "counting", "hyperparameters": {"rounds": "1"},
         "channels": [{"name": "train", "uri": "%s"}], "outputPath": "%s", "resources": {"workers": 3}}
        """.formatted(trainUri, dir.resolve("out").toUri()), "test"));
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(result.failureReason()).contains("needs 3 workers running at once but the cluster has 2 task slot(s)",
        "--master local[3]");
  }

  // ---- outputs where they are made

  static final String OUTPUT_BUCKET = "kiln-outputs";

  static JobResult runOutputs(String name, String hyperparameters, String outputPath, String extra) {
    return outputs.run(SpecReader.readTrainingJob("""
        {"name": "%s", "algorithm": "outputs", "hyperparameters": %s,
         "channels": [{"name": "train", "uri": "%s", "contentType": "text/csv"}],
         "outputPath": "%s", "resources": {"workers": 2} %s}
        """.formatted(name, hyperparameters, trainUri, outputPath, extra), "test"));
  }

  /** The local output path of the outputs tests, ending in '/'. */
  static String localOut() {
    String uri = dir.resolve("out").toUri().toString();
    return uri.endsWith("/") ? uri : uri + "/";
  }

  /** The files of an archive the job wrote ({@code s3://} or local URI), by name. */
  static Map<String, byte[]> archive(String uri) {
    var conf = spark.sparkContext().hadoopConfiguration();
    return S3Files.untar(S3Files.read(conf, Uris.toHadoopUri(uri, conf)));
  }

  /** The files under a job's {@code output/} directory (its archives and any staging left). */
  static List<String> outputFiles(String outputPath, String name) {
    var conf = spark.sparkContext().hadoopConfiguration();
    return S3Files.list(conf, Uris.toHadoopUri(Uris.join(outputPath, name, "output"), conf));
  }

  /** Whether the job's staging directory (of every attempt) is still there, even empty. */
  static boolean stagingLeft(String outputPath, String name) {
    var conf = spark.sparkContext().hadoopConfiguration();
    return S3Files.exists(conf, Uris.toHadoopUri(Uris.join(outputPath, name, "output", ".kiln-staging"), conf));
  }

  @Test
  void rankZerosWorkerModelArrivesWithExactBytesAndOtherRanksAreIgnored() {
    // on the local filesystem; ClusterRecoveryTest has the same from executor JVMs to S3
    String out = localOut();
    int size = 3_000_000;
    JobResult r = runOutputs("out-worker", "{\"model_bytes\": \"" + size + "\"}", out, "");
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(r.modelArtifacts()).isEqualTo(out + "out-worker/output/model.tar.gz");
    assertThat(runner.store().load("out-worker").orElseThrow().modelArtifacts().s3ModelArtifacts())
        .isEqualTo(r.modelArtifacts());
    Map<String, byte[]> model = archive(r.modelArtifacts());
    // rank 0's directory only: rank 1's rank.txt and the driver's driver.txt are not in it
    assertThat(model).containsOnlyKeys("nested/where.txt", "rank.txt", "weights.bin");
    assertThat(model.get("weights.bin")).isEqualTo(OutputWritingAlgorithm.weights(0, size));
    assertThat(new String(model.get("rank.txt"))).isEqualTo("rank=0\n");
    assertThat(archive(out + "out-worker/output/output.tar.gz")).containsOnlyKeys("metrics.csv")
        .satisfies(m -> assertThat(new String(m.get("metrics.csv"))).isEqualTo("round,loss\n0,0.5\n"));
    // the staging directory is gone: only the two archives are left
    assertThat(outputFiles(out, "out-worker")).containsExactly("model.tar.gz", "output.tar.gz");
    assertThat(stagingLeft(out, "out-worker")).isFalse();
    assertThat(runner.store().readLog("out-worker").orElseThrow()).contains(
        "[worker 0] Uploaded the model directory as model.tar.gz",
        "from rank 0's model directory", "WARN the driver's model directory also holds files");
  }

  @Test
  void aModelAnEstimatorSavedFromExecutorsUnderTheModelStagingUriIsArchivedFromS3() {
    String out = "s3://" + OUTPUT_BUCKET + "/jobs/";
    assertEstimatorModelArchived("out-estimator", out);
    assertThat(runner.store().readLog("out-estimator").orElseThrow()).contains("from 4 file(s) under s3://"
        + OUTPUT_BUCKET + "/jobs/out-estimator/output/.kiln-staging/attempt-0/model");
  }

  @Test
  void aModelAnEstimatorSavedOnTheLocalFilesystemIsArchivedWithoutHadoopsChecksumFiles() {
    assertEstimatorModelArchived("out-estimator-local", localOut());
  }

  static void assertEstimatorModelArchived(String name, String out) {
    JobResult r = runOutputs(name, "{\"mode\": \"estimator\"}", out, "");
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    Map<String, byte[]> model = archive(r.modelArtifacts());
    // every file the executors wrote, byte for byte (the empty _SUCCESS too); not the driver's file
    Map<String, String> files = new java.util.TreeMap<>();
    model.forEach((file, bytes) -> files.put(file, new String(bytes, java.nio.charset.StandardCharsets.UTF_8)));
    assertThat(files).isEqualTo(OutputWritingAlgorithm.estimatorFiles());
    assertThat(outputFiles(out, name)).containsExactly("model.tar.gz");
    assertThat(stagingLeft(out, name)).isFalse();
  }

  @Test
  void aWorkersFailureFileStartingWithClientErrorIsTheUserFailureReason() {
    // the first run uploads rank 0's model to staging; rank 1 fails in the second
    JobResult r = runOutputs("out-client", "{\"runs\": \"2\", \"fail\": \"client\"}", localOut(),
        ", \"retry\": {\"maximumAttempts\": 2}");
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.exitCode()).isEqualTo(TrainingJobStatus.Failed.exitCode()).isEqualTo(1);
    assertThat(r.failureReason()).isEqualTo("ClientError: column 3 of row 7 is 'abc', not a number");
    assertThat(runner.store().load("out-client").orElseThrow().failureReason()).isEqualTo(r.failureReason());
    // a user error is not retried
    assertThat(runner.store().load("out-client").orElseThrow().secondaryStatusTransitions())
        .extracting(JobRecord.StatusTransition::status).doesNotContain(SecondaryStatus.Restarting);
    assertThat(runner.store().readLog("out-client").orElseThrow())
        .contains("[worker 0] Uploaded the model directory as model.tar.gz");
    assertThat(outputFiles(localOut(), "out-client")).isEmpty();
    assertThat(stagingLeft(localOut(), "out-client")).isFalse();
  }

  @Test
  void badDataIsNeverRetriedWhateverTheRetryStrategy() throws Exception {
    java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
    try (var out = new java.util.zip.GZIPOutputStream(gz)) {
      out.write((String.join("\n", SharedData.iris()) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    byte[] whole = gz.toByteArray();
    java.nio.file.Path truncated = dir.resolve("bad-data/truncated/train.csv.gz");
    java.nio.file.Files.createDirectories(truncated.getParent());
    java.nio.file.Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
    java.nio.file.Path notNumbers = dir.resolve("bad-data/text/train.csv");
    java.nio.file.Files.createDirectories(notNumbers.getParent());
    java.nio.file.Files.writeString(notNumbers, "1,2,3\n0,abc,4\n");
    for (String[] c : new String[][] {{"bad-gzip", truncated.getParent().toUri().toString(), "Gzip",
        "is truncated gzip data"}, {"bad-number", notNumbers.getParent().toUri().toString(), "None", "abc"}}) {
      JobResult r = runner.run(SpecReader.readTrainingJob("""
          {"name": "%s", "algorithm": "counting", "hyperparameters": {"rounds": "3"},
           "channels": [{"name": "train", "uri": "%s", "contentType": "text/csv", "compression": "%s"}],
           "outputPath": "%s", "resources": {"workers": 1}, "retry": {"maximumAttempts": 2}}
          """.formatted(c[0], c[1], c[2], dir.resolve("out").toUri()), "test"));
      assertThat(r.status()).as(c[0]).isEqualTo(TrainingJobStatus.Failed);
      assertThat(r.failureReason()).as(c[0]).startsWith("ClientError: ").contains(c[3]);
      JobRecord rec = runner.store().load(c[0]).orElseThrow();
      assertThat(rec.secondaryStatusTransitions()).as(c[0]).extracting(JobRecord.StatusTransition::status)
          .doesNotContain(SecondaryStatus.Restarting);
      assertThat(rec.kiln().attempts()).as(c[0]).isEqualTo(1);
    }
  }

  @Test
  void anEmptyChannelNamesItsObjectsInsteadOfBlamingTheWorkerCount() throws Exception {
    java.nio.file.Path empty = dir.resolve("empty-gzip/train.csv.gz");
    java.nio.file.Files.createDirectories(empty.getParent());
    try (var out = new java.util.zip.GZIPOutputStream(java.nio.file.Files.newOutputStream(empty))) {
      out.flush();
    }
    long bytes = java.nio.file.Files.size(empty);
    JobResult r = runner.run(SpecReader.readTrainingJob("""
        {"name": "empty-gzip", "algorithm": "counting", "hyperparameters": {"rounds": "3"},
         "channels": [{"name": "train", "uri": "%s", "contentType": "text/csv", "compression": "Gzip"}],
         "outputPath": "%s", "resources": {"workers": 1}}
        """.formatted(empty.getParent().toUri(), dir.resolve("out").toUri()), "test"));
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).startsWith("ClientError: Channel 'train' has no data rows: file:")
        .endsWith(empty + " (" + bytes + " bytes) hold(s) none. Check the channel's URI, its ContentType and"
            + " CompressionType");
  }

  @Test
  void aWorkersFailureFileWithOtherTextIsAnAlgorithmError() {
    JobResult r = runOutputs("out-algo", "{\"fail\": \"algorithm\", \"fail_rank\": \"0\"}", localOut(), "");
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.failureReason()).isEqualTo("AlgorithmError: Segmentation fault in layer 3");
    assertThat(outputFiles(localOut(), "out-algo")).isEmpty();
    assertThat(stagingLeft(localOut(), "out-algo")).isFalse();
  }

  @Test
  void aFailedAttemptsStagedModelIsNeverTakenByTheNextAttempt() {
    // attempt 1: rank 0 stages a model in the first run, rank 1 fails in the second; attempt 2:
    // the workers write no model, so the model is the driver's
    JobResult r = runOutputs("out-retry", "{\"runs\": \"2\", \"fail\": \"algorithm\", \"fail_attempts\": \"1\","
        + " \"model_attempts\": \"1\"}", localOut(), ", \"retry\": {\"maximumAttempts\": 1}");
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    String log = runner.store().readLog("out-retry").orElseThrow();
    assertThat(log).contains("[worker 0] Uploaded the model directory as model.tar.gz",
        "Retrying (1 of 1) after: AlgorithmError: Segmentation fault in layer 3");
    assertThat(archive(r.modelArtifacts())).containsOnlyKeys("driver.txt")
        .satisfies(m -> assertThat(new String(m.get("driver.txt"))).isEqualTo("driver attempt=1\n"));
    assertThat(outputFiles(localOut(), "out-retry")).containsExactly("model.tar.gz");
    assertThat(stagingLeft(localOut(), "out-retry")).isFalse();
  }

  @Test
  void aFailureFileOfAWorkerThatReturnedIsLoggedAndTheJobCompletes() {
    JobResult r = runOutputs("out-note", "{\"mode\": \"driver\", \"fail\": \"note\"}", localOut(), "");
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(runner.store().readLog("out-note").orElseThrow()).contains("[worker 1] WARN the worker returned "
        + "normally but wrote a failure file; the job does not fail on it (only a worker that throws does): only a note");
    assertThat(archive(r.modelArtifacts())).containsOnlyKeys("driver.txt");
    assertThat(outputFiles(localOut(), "out-note")).containsExactly("model.tar.gz");
    assertThat(stagingLeft(localOut(), "out-note")).isFalse();
  }

  /** A runner on the same session for the job facts workers see (its own list keeps the one above as it is). */
  static TrainingJobRunner factsRunner() {
    return new TrainingJobRunner(spark, runner.store(), new Algorithms(List.of(new CollectivesAlgorithm())));
  }

  static TrainingJobSpec factsSpec(String name, int workers, String hyperparameters) {
    return SpecReader.readTrainingJob("""
        {"name": "%s", "algorithm": "collectives", "hyperparameters": %s,
         "channels": [{"name": "train", "uri": "%s", "contentType": "text/csv"}],
         "outputPath": "%s", "resources": {"workers": %d},
         "environment": {"KILN_TEST_MODE": "facts", "SPACES": "a b  c"}}
        """.formatted(name, hyperparameters, trainUri, dir.resolve("out").toUri(), workers), "test");
  }

  @Test
  void workersSeeTheRendezvousAllReduceEnvironmentAndGpusThroughTheBarrier() {
    JobResult result = factsRunner().run(factsSpec("facts-2", 2, "{\"long_length\": \"200003\"}"));
    assertThat(result.status()).as(result.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    List<CollectivesAlgorithm.Result> workers = CollectivesAlgorithm.RESULTS.get("facts-2");
    assertThat(workers).extracting(CollectivesAlgorithm.Result::rank).containsExactly(0, 1);

    // the rendezvous: the same peers everywhere, each worker's own rank, a distinct port per worker
    Rendezvous first = workers.get(0).rendezvous();
    assertThat(first.peers()).extracting(Rendezvous.Peer::rank).containsExactly(0, 1);
    assertThat(first.peers()).extracting(Rendezvous.Peer::host).containsOnly("127.0.0.1");
    assertThat(first.peers()).extracting(Rendezvous.Peer::port).doesNotHaveDuplicates().allMatch(p -> p > 0);
    assertThat(first.master()).isEqualTo(first.peers().get(0));
    for (CollectivesAlgorithm.Result w : workers) {
      assertThat(w.rendezvous().rank()).isEqualTo(w.rank());
      assertThat(w.rendezvous().peers()).isEqualTo(first.peers());
    }

    // the all-reduce: Java float arithmetic on every worker, the same bits everywhere
    float[] a = CollectivesAlgorithm.inputs(0);
    float[] b = CollectivesAlgorithm.inputs(1);
    float[] longA = CollectivesAlgorithm.longInput(0, 200_003);
    float[] longB = CollectivesAlgorithm.longInput(1, 200_003);
    float[] longSum = new float[longA.length];
    for (int i = 0; i < longSum.length; i++) {
      longSum[i] = longA[i] + longB[i];
    }
    for (CollectivesAlgorithm.Result w : workers) {
      assertThat(w.sum()).containsExactly(a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]);
      assertThat(w.sum()[2]).isEqualTo(Float.POSITIVE_INFINITY);
      assertThat(w.min()).containsExactly(1f, -2f, 0.5f, 0f);
      assertThat(w.max()).containsExactly(2f, -1f, Float.POSITIVE_INFINITY, 1f);
      assertThat(java.util.Arrays.equals(w.longSum(), longSum)).as("the 200k-float sum on rank %d", w.rank()).isTrue();
    }

    // the environment is the spec's; local mode assigns no GPUs
    assertThat(workers).allSatisfy(w -> {
      assertThat(w.environment()).isEqualTo(Map.of("KILN_TEST_MODE", "facts", "SPACES", "a b  c"));
      assertThat(w.gpus()).isEmpty();
    });
  }

  @Test
  void oneWorkerGetsItsOwnRendezvousAndItsOwnValuesBack() {
    JobResult result = factsRunner().run(factsSpec("facts-1", 1, "{\"long_length\": \"10\"}"));
    assertThat(result.status()).as(result.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    CollectivesAlgorithm.Result w = CollectivesAlgorithm.RESULTS.get("facts-1").get(0);
    assertThat(w.rendezvous().rank()).isZero();
    assertThat(w.rendezvous().peers()).singleElement().satisfies(p -> {
      assertThat(p.rank()).isZero();
      assertThat(p.port()).isPositive();
    });
    assertThat(w.sum()).containsExactly(CollectivesAlgorithm.inputs(0));
    assertThat(w.longSum()).containsExactly(CollectivesAlgorithm.longInput(0, 10));
  }

  @Test
  void allReduceOfArraysOfDifferentLengthsFailsTheJobAsAUserError() {
    JobResult result = factsRunner().run(factsSpec("facts-mismatch", 2, "{\"mismatch\": \"true\"}"));
    assertThat(result.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.failureReason()).isEqualTo("ClientError: Workers passed arrays of different lengths to allReduce:"
        + " worker 0 passed 4 floats, worker 1 passed 5. Every worker must pass an array of the same length");
  }

  /**
   * A notebook: {@link io.kiln.testing.NotebookProgram} in its own JVM sets the job root through the
   * runtime conf after building its session, reaches S3 through the AWS_* variables alone, and
   * returns from main without stopping Spark: its record lands where the runtime conf said, and the
   * JVM ends by itself (before Kiln made Spark 3.5's barrier task timer a daemon, it never did).
   */
  @Test
  void aNotebookProgramHonoursTheRuntimeConfAndTheAwsEnvironmentAndItsJvmExits() throws Exception {
    S3Server s3 = S3Server.get();
    Path root = dir.resolve("notebook");
    String builtWith = root.resolve("jobs-at-build").toUri().toString();
    String jobRoot = root.resolve("jobs").toUri().toString();
    Path log = java.nio.file.Files.createDirectories(root).resolve("notebook.log");
    String output = "s3://" + OUTPUT_BUCKET + "/notebook/";
    Process p = io.kiln.testing.OrphanDriver.startMain(io.kiln.testing.NotebookProgram.class,
        List.of(trainUri, builtWith, jobRoot, output), s3.environment(), log);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (System.nanoTime() < deadline && p.isAlive() && !java.nio.file.Files.readString(log).contains("END-OF-MAIN")) {
        Thread.sleep(200);
      }
      assertThat(java.nio.file.Files.readString(log)).as("the program's output").contains("END-OF-MAIN");
      // the JVM is left to end by itself: Spark's shutdown hook stops the session
      boolean exited = p.waitFor(60, TimeUnit.SECONDS);
      String out = java.nio.file.Files.readString(log);
      assertThat(exited).as("the JVM ended within 60 s of main returning; non-daemon threads: "
          + out.lines().filter(l -> l.startsWith("THREADS")).findFirst().orElse("?")).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).contains("RESULT Completed s3://" + OUTPUT_BUCKET + "/notebook/notebook-1/output/model.tar.gz");
      // the keys it set are named, their values never
      assertThat(out).containsPattern("s3a settings from the AWS_\\* environment variables .*fs\\.s3a\\.endpoint")
          .contains("fs.s3a.aws.credentials.provider").doesNotContain(s3.secretKey());
      JobStore store = new JobStore(jobRoot, spark.sparkContext().hadoopConfiguration());
      assertThat(store.load("notebook-1").orElseThrow().trainingJobStatus()).isEqualTo(TrainingJobStatus.Completed);
      assertThat(new JobStore(builtWith, spark.sparkContext().hadoopConfiguration()).load("notebook-1")).isEmpty();
      assertThat(S3Files.exists(spark.sparkContext().hadoopConfiguration(),
          "s3a://" + OUTPUT_BUCKET + "/notebook/notebook-1/output/model.tar.gz")).isTrue();
    } finally {
      p.destroyForcibly();
    }
  }

  static void awaitRounds(String name, int rounds) throws InterruptedException {
    awaitRounds(runner, name, rounds);
  }

  /** Waits until a running job has reported {@code rounds} rounds (as its saved record shows). */
  static void awaitRounds(TrainingJobRunner runner, String name, int rounds) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      java.util.Optional<JobRecord> r;
      try {
        r = runner.store().load(name);
      } catch (KilnException e) {
        // an object store may refuse a read that races the record's rewrite (s3a: "Change reported by S3")
        Thread.sleep(100);
        continue;
      }
      if (r.isPresent() && r.get().kiln().roundsCompleted() != null && r.get().kiln().roundsCompleted() >= rounds) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(name + " did not reach " + rounds + " rounds: " + runner.store().readLog(name).orElse(""));
  }

  static TrainingJobSpec driverLoop(String name, String hyperparameters, String extra) {
    return SpecReader.readTrainingJob("""
        {"name": "%s", "algorithm": "driver-loop", "hyperparameters": %s,
         "channels": [{"name": "train", "uri": "%s", "contentType": "text/csv"}],
         "outputPath": "%s", "resources": {"workers": 2} %s}
        """.formatted(name, hyperparameters, trainUri, dir.resolve("out").toUri(), extra), "test");
  }

  static String model(JobResult r) {
    var conf = spark.sparkContext().hadoopConfiguration();
    return new String(S3Files.untar(S3Files.read(conf, Uris.toHadoopUri(r.modelArtifacts(), conf))).get("model.txt"));
  }

  @Test
  void aDriverSideLoopReportsEveryStepAndAStopEndsItKeepingTheModelAndAFinalCheckpoint() throws Exception {
    String checkpoint = dir.resolve("checkpoints/driver-stop").toUri().toString();
    CompletableFuture<JobResult> job = CompletableFuture.supplyAsync(() -> runner.run(driverLoop("driver-stop",
        "{\"steps\": \"100000\", \"sleep_ms\": \"20\"}", ", \"checkpoint\": {\"uri\": \"" + checkpoint + "\"}")));
    awaitRounds("driver-stop", 5);
    runner.store().requestStop("driver-stop", "test");
    JobResult r = job.get(60, TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Stopped);
    JobRecord rec = runner.store().load("driver-stop").orElseThrow();
    int steps = rec.kiln().roundsCompleted();
    assertThat(steps).isGreaterThanOrEqualTo(5);
    assertThat(rec.kiln().metricHistory()).extracting(JobRecord.RoundMetrics::round)
        .isEqualTo(java.util.stream.IntStream.range(0, steps).boxed().toList());
    assertThat(rec.kiln().metricHistory().get(3).metrics()).containsEntry("train:objective", 0.25);
    assertThat(model(r)).contains("steps=" + steps, "restored=0");
    assertThat(new io.kiln.checkpoint.HadoopCheckpointStore(checkpoint, 3,
        new io.kiln.barrier.HadoopConf(spark.sparkContext().hadoopConfiguration())).latest().orElseThrow().round())
        .isEqualTo(steps);

    // the same job again continues from that checkpoint, on the driver
    JobResult again = runner.run(driverLoop("driver-again", "{\"steps\": \"" + (steps + 3) + "\", \"sleep_ms\": \"20\"}",
        ", \"checkpoint\": {\"uri\": \"" + checkpoint + "\"}"));
    assertThat(again.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(model(again)).contains("steps=" + (steps + 3), "restored=" + steps);
    assertThat(runner.store().readLog("driver-again").orElseThrow())
        .contains("Resumed from the checkpoint after round " + steps);
  }

  @Test
  void workerCodeWithoutARoundLoopPollsForAStop() throws Exception {
    CompletableFuture<JobResult> job = CompletableFuture.supplyAsync(() -> runner.run(driverLoop("poll-stop",
        "{\"steps\": \"100000\", \"sleep_ms\": \"20\", \"mode\": \"poll\"}", "")));
    long deadline = System.currentTimeMillis() + 60_000;
    while (!runner.store().readLog("poll-stop").orElse("").contains("[Training]")) {
      assertThat(System.currentTimeMillis()).isLessThan(deadline);
      Thread.sleep(50);
    }
    runner.store().requestStop("poll-stop", "test");
    JobResult r = job.get(60, TimeUnit.SECONDS);
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Stopped);
    assertThat(model(r)).contains("rank 0: polls=", "rank 1: polls=").doesNotContain("stopped=false");
  }

  @Test
  void metricDefinitionsFeedTheLiveMetricStream() throws Exception {
    List<String> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    JobListener listener = new JobListener() {
      @Override
      public void onRound(int round, int plannedRounds, Map<String, Double> metrics) {
        if (metrics.containsKey("train:logged")) {
          seen.add(round + "=" + metrics.get("train:logged"));
        }
      }
    };
    JobResult r = runner.run(driverLoop("regex-stream", "{\"steps\": \"4\"}",
        ", \"metricDefinitions\": [{\"name\": \"train:logged\", \"regex\": \"objective ([0-9.]+)\"}]"), listener);
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(seen).containsExactly("0=1.0", "1=0.5", "2=0.3333333333333333", "3=0.25");
    JobRecord rec = runner.store().load("regex-stream").orElseThrow();
    assertThat(rec.kiln().metricHistory().stream().filter(m -> m.metrics().containsKey("train:logged"))
        .map(JobRecord.RoundMetrics::round)).containsExactly(0, 1, 2, 3);
    assertThat(rec.kiln().roundsCompleted()).isEqualTo(4);
    assertThat(rec.finalMetricDataList()).anySatisfy(m -> {
      assertThat(m.metricName()).isEqualTo("train:logged");
      assertThat(m.value()).isEqualTo(0.25);
    });
  }

  @Test
  void aMetricRegexThatWouldBacktrackForeverInJavaNeitherHangsTheDriverNorLosesAValue() {
    // the job's name puts 40 x's in its first log line: java.util.regex would need ~2^40 steps there
    String name = "regex-" + "x".repeat(40);
    JobResult r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(120),
        () -> runner.run(driverLoop(name, "{\"steps\": \"3\"}",
            ", \"metricDefinitions\": [{\"name\": \"train:logged\", \"regex\": \"objective ([0-9.]+)|(?:x+x+)+y\"}]")));
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(runner.store().load(name).orElseThrow().finalMetricDataList()).anySatisfy(m -> {
      assertThat(m.metricName()).isEqualTo("train:logged");
      assertThat(m.value()).isEqualTo(1.0 / 3);
    });
  }

  @Test
  void aLineBreakInAValueEchoedIntoAMessageCannotForgeALineInTheJobLog() {
    String forged = "5\n2026-11-30T10:00:00Z [Completed] Training job completed";
    JobResult r = runner.run(spec("forged-line", "{\"rounds\": \"" + forged.replace("\n", "\\n") + "\"}", ""));
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).doesNotContain("\n").contains("rounds=5\\n2026-11-30T10:00:00Z [Completed]");
    String log = runner.store().readLog("forged-line").orElseThrow();
    for (String line : log.split("\n")) {
      assertThat(line).as("every line is a stamped entry or an indented continuation")
          .matches("(\\d{4}-\\d{2}-\\d{2}T\\S+ .*|    .*)");
      assertThat(line).as("no entry says the job completed").doesNotMatch("\\S+ \\[Completed\\].*");
    }
  }

  @Test
  void aJobOfTheSameNameFromAnotherJobRootCannotOverwriteTheFirstJobsModel() throws Exception {
    JobResult first = runner.run(spec("same-name", "{\"rounds\": \"3\"}", ""));
    assertThat(first.status()).isEqualTo(TrainingJobStatus.Completed);
    byte[] model = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(java.net.URI.create(first.modelArtifacts())));
    // the default job root is per user, output buckets are shared: another user runs the same name
    TrainingJobRunner other = new TrainingJobRunner(spark, new JobStore(dir.resolve("other-root").toString(),
        spark.sparkContext().hadoopConfiguration()), new Algorithms(List.of(new CountingAlgorithm())));
    JobResult second = other.run(spec("same-name", "{\"rounds\": \"5\"}", ""));
    assertThat(second.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(second.exitCode()).isEqualTo(TrainingJobRunner.EXIT_BAD_SPEC);
    assertThat(second.failureReason()).startsWith("ClientError: ResourceInUse: " + dir.resolve("out").toUri()
        + "same-name/.kiln-job.json belongs to training job 'same-name' of job root ")
        .endsWith("Choose another job name or outputPath (OutputDataConfig.S3OutputPath)");
    assertThat(other.store().load("same-name").orElseThrow().secondaryStatusTransitions())
        .extracting(JobRecord.StatusTransition::status).doesNotContain(SecondaryStatus.Training);
    assertThat(java.nio.file.Files.readAllBytes(java.nio.file.Path.of(java.net.URI.create(first.modelArtifacts()))))
        .isEqualTo(model);
  }

  @Test
  void outputsAnotherToolWroteAreNotOverwrittenEither() throws Exception {
    java.nio.file.Path sageMakers = dir.resolve("out/from-sagemaker/output/model.tar.gz");
    java.nio.file.Files.createDirectories(sageMakers.getParent());
    java.nio.file.Files.writeString(sageMakers, "not ours");
    JobResult r = runner.run(spec("from-sagemaker", "{\"rounds\": \"3\"}", ""));
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.exitCode()).isEqualTo(TrainingJobRunner.EXIT_BAD_SPEC);
    assertThat(r.failureReason()).startsWith("ClientError: ResourceInUse: " + sageMakers.toUri()
        + " was written by another job");
    assertThat(java.nio.file.Files.readString(sageMakers)).isEqualTo("not ours");
    assertThat(dir.resolve("out/from-sagemaker/.kiln-job.json")).doesNotExist();
  }

  @Test
  void aBuiltInsMetricDefinitionMustNameAMetricItEmits() {
    JobResult r = runner.run(driverLoop("regex-unknown", "{\"steps\": \"2\"}",
        ", \"metricDefinitions\": [{\"name\": \"train:objectiv\", \"regex\": \"objective ([0-9.]+)\"}]"));
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.exitCode()).isEqualTo(TrainingJobRunner.EXIT_BAD_SPEC);
    assertThat(r.failureReason()).isEqualTo("ClientError: MetricDefinitions 'train:objectiv' (metricDefinitions) "
        + "names no metric driver-loop emits; did you mean 'train:objective'?; a built-in's "
        + "metric definitions can name only its own metrics: train:objective, train:logged");
  }

  @Test
  void aCheckpointAnotherJobWroteIsNotRestoredAndTheRecordSaysSo() throws Exception {
    String shared = dir.resolve("checkpoints/shared").toUri().toString();
    String at = ", \"checkpoint\": {\"uri\": \"" + shared + "\"}";
    JobResult first = runner.run(spec("ck-first", "{\"rounds\": \"50\", \"checkpoint_every\": \"10\"}", at));
    assertThat(model(first)).contains("rounds=50");
    // other hyperparameters, same location: today's SageMaker would hand it the 50-round state
    JobResult other = runner.run(spec("ck-other",
        "{\"rounds\": \"5\", \"checkpoint_every\": \"10\", \"offset\": \"1\"}", at));
    assertThat(other.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(model(other)).contains("rounds=5", "restored=0");
    JobRecord rec = runner.store().load("ck-other").orElseThrow();
    assertThat(rec.kiln().notices()).anySatisfy(n -> assertThat(n).contains("another job wrote",
        "hyperparameter offset is not set there, 1 in this job"));
    assertThat(runner.store().readLog("ck-other").orElseThrow()).contains("NOTICE not restoring the checkpoint");
    // more rounds of the first job's configuration is a continuation: it restores
    JobResult longer = runner.run(spec("ck-longer", "{\"rounds\": \"60\", \"checkpoint_every\": \"10\"}", at));
    assertThat(model(longer)).contains("rounds=60", "restored=50");
  }

  // ---- a transient storage outage loses nothing (issue 8, kind 5) ----

  /** A counting job of 40 rounds with its model and checkpoints on S3; {@code sleepMs} per round. */
  static TrainingJobSpec onS3(String name, long sleepMs) {
    String bucket = "s3://" + OUTPUT_BUCKET;
    return SpecReader.readTrainingJob("""
        {"name": "%s", "algorithm": "counting",
         "hyperparameters": {"rounds": "40", "checkpoint_every": "10", "sleep_ms": "%d"},
         "channels": [{"name": "train", "uri": "%s", "contentType": "text/csv"}],
         "outputPath": "%s/outage/", "checkpoint": {"uri": "%s/outage-checkpoints/%s/"},
         "resources": {"workers": 2}}
        """.formatted(name, sleepMs, trainUri, bucket, bucket, name), "test");
  }

  /** The model of an uninterrupted run of {@link #onS3}'s job, run once. */
  static String uninterruptedModel() {
    if (uninterrupted == null) {
      JobResult r = runner.run(onS3("outage-reference", 0));
      assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
      uninterrupted = model(r);
      assertThat(uninterrupted).contains("rounds=40", "restored=0");
    }
    return uninterrupted;
  }

  static String uninterrupted;

  /**
   * Starts {@code spec} on {@code on} and kills S3 while the job's final checkpoint (after round
   * 40) is being written: the checkpoint store's test hook holds that save between its files and
   * its manifest until S3 is down.
   */
  static CompletableFuture<JobResult> killS3DuringTheFinalCheckpoint(TrainingJobRunner on, TrainingJobSpec spec)
      throws Exception {
    Path pause = TestSpark.tempDir("kiln-outage-").resolve("pause");
    spark.sparkContext().hadoopConfiguration().set(io.kiln.checkpoint.HadoopCheckpointStore.PAUSE_FILE,
        pause.toString());
    CompletableFuture<JobResult> job;
    try {
      job = CompletableFuture.supplyAsync(() -> on.run(spec));
      awaitRounds(on, spec.name(), 31); // the checkpoint after round 30 is written: the next is the final one
    } finally {
      spark.sparkContext().hadoopConfiguration().unset(io.kiln.checkpoint.HadoopCheckpointStore.PAUSE_FILE);
    }
    java.nio.file.Files.writeString(pause, "hold");
    Path paused = pause.resolveSibling("pause.paused");
    long deadline = System.currentTimeMillis() + 60_000;
    while (!java.nio.file.Files.exists(paused) && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertThat(paused).as("the final checkpoint's save reached the hook").exists();
    S3Server.get().kill();
    java.nio.file.Files.delete(pause); // the save goes on to its manifest while S3 is down
    return job;
  }

  /**
   * A runner on this class's session whose storage retry window is {@code seconds} (the session's
   * runtime conf, read when a runner is made). The outages that must end within the window use a
   * long one: restarting the S3 server starts a JVM, which takes anything from 2 s to over 20 s on a
   * loaded 2-core machine, and the outage must end inside the window whatever the load.
   */
  static TrainingJobRunner withRetryWindow(long seconds, JobStore store) {
    spark.conf().set(KilnConf.STORAGE_RETRY_WINDOW, Long.toString(seconds));
    try {
      return new TrainingJobRunner(spark, store, new Algorithms(List.of(new CountingAlgorithm())));
    } finally {
      spark.conf().unset(KilnConf.STORAGE_RETRY_WINDOW);
    }
  }

  /** The window of the outages that end within it: far longer than any restart of the S3 server. */
  static final long LONG_WINDOW_SECONDS = 300;

  @Test
  void anOutageDuringTheFinalWritesThatEndsWithinTheRetryWindowCompletesWithTheModel() throws Exception {
    String expected = uninterruptedModel();
    S3Server s3 = S3Server.get();
    TrainingJobRunner longWindow = withRetryWindow(LONG_WINDOW_SECONDS, runner.store());
    JobResult r;
    try {
      CompletableFuture<JobResult> job = killS3DuringTheFinalCheckpoint(longWindow, onS3("outage-short", 200));
      Thread.sleep(2_000); // with the server's restart, within the window
      s3.restart();
      r = job.get(3, TimeUnit.MINUTES);
    } finally {
      s3.restart();
    }
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(r.exitCode()).isZero();
    assertThat(model(r)).isEqualTo(expected);
    // the outage was absorbed by s3a's own retry of the call under way or by Kiln's retries (a WARN)
    assertThat(runner.store().readLog("outage-short").orElseThrow()).contains("Checkpoint saved after round 40")
        .doesNotContain("StorageOutage");
  }

  @Test
  void anOutageThatOutlastsTheRetryWindowFailsTheJobSayingWhatFailedAndResumeCompletesIt() throws Exception {
    String expected = uninterruptedModel();
    S3Server s3 = S3Server.get();
    JobResult failed;
    try {
      CompletableFuture<JobResult> job = killS3DuringTheFinalCheckpoint(runner, onS3("outage-long", 200));
      failed = job.get(3, TimeUnit.MINUTES); // S3 stays down past both windows (checkpoint, then model)
    } finally {
      s3.restart();
    }
    String artifact = "s3://" + OUTPUT_BUCKET + "/outage/outage-long/output/model.tar.gz";
    assertThat(failed.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(failed.exitCode()).isEqualTo(1);
    assertThat(failed.modelArtifacts()).isNull();
    assertThat(failed.failureReason()).startsWith("InternalServerError: StorageOutage: writing the model "
        + artifact + " failed ").contains("spark.kiln.storage.retry-window-seconds, is " + OUTAGE_WINDOW_SECONDS + " s")
        .endsWith("the job can be resumed from its newest checkpoint with `kiln train --resume outage-long` once "
            + "storage is back");
    String log = runner.store().readLog("outage-long").orElseThrow();
    // the final checkpoint failed first, and the model upload was still tried
    assertThat(log.indexOf("WARN StorageOutage: writing the checkpoint after round 40 failed"))
        .isNotNegative().isLessThan(log.indexOf("WARN writing the model " + artifact + " failed"));
    JobRecord record = runner.store().load("outage-long").orElseThrow();
    assertThat(record.trainingJobStatus()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(record.failureReason()).isEqualTo(failed.failureReason());

    JobResult resumed = runner.resume("outage-long", JobListener.NONE);
    assertThat(resumed.failureReason()).isNull();
    assertThat(resumed.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(resumed.modelArtifacts()).isEqualTo(artifact);
    // the same model as an uninterrupted run's; only the round it was restored from differs
    assertThat(model(resumed)).isEqualTo(expected.replace("restored=0", "restored=30"));
    JobRecord done = runner.store().load("outage-long").orElseThrow();
    assertThat(done.trainingJobStatus()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(done.failureReason()).isNull();
    assertThat(done.modelArtifacts().s3ModelArtifacts()).isEqualTo(artifact);
    // the log keeps the failed run's lines before the resumed run's
    String resumedLog = runner.store().readLog("outage-long").orElseThrow();
    assertThat(resumedLog).startsWith(log.strip()).contains(
        "after it failed on a storage outage", "Resumed from the checkpoint after round 30");
    // a Completed job is not resumed again, nor a failed one that was no outage
    assertThatThrownBy(() -> runner.resume("outage-long", JobListener.NONE)).hasMessageContaining("already ended");
  }

  @Test
  void aJobWhoseRecordIsOnS3CompletesThroughAnOutageOfItsJobRootAtTheEnd() throws Exception {
    String expected = uninterruptedModel();
    S3Server s3 = S3Server.get();
    TrainingJobRunner onS3Root = withRetryWindow(LONG_WINDOW_SECONDS, new JobStore("s3://" + OUTPUT_BUCKET
        + "/outage-root/", spark.sparkContext().hadoopConfiguration()));
    JobResult r;
    try {
      CompletableFuture<JobResult> job = killS3DuringTheFinalCheckpoint(onS3Root, onS3("outage-root", 200));
      Thread.sleep(2_000); // the record's saves (transitions, heartbeats) fail meanwhile, and are kept for later
      s3.restart();
      r = job.get(3, TimeUnit.MINUTES);
    } finally {
      s3.restart();
    }
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(r.exitCode()).isZero();
    assertThat(model(r)).isEqualTo(expected);
    JobRecord record = onS3Root.store().load("outage-root").orElseThrow();
    assertThat(record.trainingJobStatus()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(record.modelArtifacts().s3ModelArtifacts()).isEqualTo(r.modelArtifacts());
  }

  @Test
  void aFailedJobThatWasNoStorageOutageIsStillNotResumed() {
    JobResult r = runner.run(spec("failed-not-outage", "{\"rounds\": \"5\", \"fail_at_round\": \"2\"}", ""));
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThatThrownBy(() -> runner.resume("failed-not-outage", JobListener.NONE))
        .hasMessageContaining("already ended (Failed); nothing to resume");
  }

  /** Waits until the cluster offers {@code slots} task slots. */
  static void awaitSlots(SparkSession spark, int slots) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (Preflight.slots(spark.sparkContext()) < slots) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("the cluster never offered " + slots + " task slots");
      }
      Thread.sleep(200);
    }
  }

  /** Runs {@code kiln} as a script would, on this class's job root; returns exit code, stdout, stderr. */
  static Cli kiln(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.addAll(List.of("--job-root", runner.store().root()));
    int exit = io.kiln.cli.Kiln.execute(all.toArray(String[]::new), new java.io.PrintWriter(out, true),
        new java.io.PrintWriter(err, true), Map.of());
    return new Cli(exit, out.toString(), err.toString());
  }

  record Cli(int exit, String out, String err) {
    com.fasterxml.jackson.databind.JsonNode json() {
      try {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(out);
      } catch (java.io.IOException e) {
        throw new AssertionError("not JSON (exit " + exit + ", stderr " + err + "): " + out, e);
      }
    }
  }

  static com.fasterxml.jackson.databind.JsonNode describe(String name) {
    Cli d = kiln("describe", name, "--json");
    assertThat(d.exit()).as(d.err()).isZero();
    return d.json();
  }

  @Test
  void describeAndListPrintSageMakersShapesForJobsInEveryState() throws Exception {
    assertThat(runner.run(spec("desc-ok", "{\"rounds\": \"3\"}", "")).status()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(runner.run(spec("desc-fail", "{\"rounds\": \"10\", \"fail_at_round\": \"1\"}", "")).status())
        .isEqualTo(TrainingJobStatus.Failed);
    CompletableFuture<JobResult> running = CompletableFuture.supplyAsync(
        () -> runner.run(spec("desc-stop", "{\"rounds\": \"100000\", \"sleep_ms\": \"20\"}", "")));
    awaitRounds("desc-stop", 3);
    var inProgress = describe("desc-stop");
    runner.store().requestStop("desc-stop", "test");
    // Stopping leads only to Stopped: the model being uploaded after the stop is still Stopping
    List<TrainingJobStatus> seen = new java.util.ArrayList<>();
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      TrainingJobStatus st = runner.store().load("desc-stop").orElseThrow().trainingJobStatus();
      if (seen.isEmpty() || seen.get(seen.size() - 1) != st) {
        seen.add(st);
      }
      if (st.terminal()) {
        break;
      }
      Thread.sleep(5);
    }
    assertThat(running.get(60, TimeUnit.SECONDS).status()).isEqualTo(TrainingJobStatus.Stopped);
    assertThat(seen).containsSubsequence(TrainingJobStatus.Stopping, TrainingJobStatus.Stopped);
    assertThat(seen.subList(seen.indexOf(TrainingJobStatus.Stopping), seen.size()))
        .doesNotContain(TrainingJobStatus.InProgress);
    JobRecord lost = runner.store().load("desc-ok").orElseThrow().toBuilder().trainingJobName("desc-lost")
        .trainingJobStatus(TrainingJobStatus.InProgress).secondaryStatus(SecondaryStatus.Training)
        .transitions(runner.store().load("desc-ok").orElseThrow().secondaryStatusTransitions().subList(0, 3).stream()
            .map(t -> t.status() == SecondaryStatus.Training ? new JobRecord.StatusTransition(t.status(), t.startTime(),
                null, t.statusMessage()) : t).toList())
        .trainingEndTime(null).modelArtifacts(null).creationTime(Instant.now())
        .kiln(runner.store().load("desc-ok").orElseThrow().kilnBuilder()
            .heartbeatTime(Instant.now().minus(Duration.ofMinutes(5))).build()).build();
    runner.store().save(lost);

    var completed = describe("desc-ok");
    var failed = describe("desc-fail");
    var stopped = describe("desc-stop");
    var lostDoc = describe("desc-lost");
    String arn = "arn:aws:sagemaker:eu-west-1:123456789012:training-job/";
    assertThat(completed.get("TrainingJobArn").asText()).isEqualTo(arn + "desc-ok");
    assertThat(completed.get("RoleArn").asText()).isEqualTo("arn:aws:iam::123456789012:role/kiln");
    assertThat(completed.at("/ModelArtifacts/S3ModelArtifacts").asText()).endsWith("/out/desc-ok/output/model.tar.gz");
    assertThat(completed.at("/Kiln/ModelArtifactsWritten").asBoolean()).isTrue();
    assertThat(completed.at("/Kiln/MetricHistory")).hasSize(3);
    assertThat(inProgress.get("TrainingJobStatus").asText()).isEqualTo("InProgress");
    assertThat(inProgress.has("TrainingEndTime")).isFalse();
    assertThat(inProgress.at("/Kiln/ModelArtifactsWritten").asBoolean()).isFalse();
    assertThat(inProgress.at("/Kiln/DriverState").asText()).isEqualTo("Alive");
    for (var f : List.of(failed, lostDoc)) {
      assertThat(f.get("TrainingJobStatus").asText()).isEqualTo("Failed");
      assertThat(f.has("TrainingEndTime")).as(f.toString()).isTrue();
      var ts = f.get("SecondaryStatusTransitions");
      assertThat(ts.get(ts.size() - 1).get("Status").asText()).isEqualTo("Failed");
      for (var t : ts) {
        assertThat(t.has("EndTime")).as(t.toString()).isTrue();
      }
      assertThat(f.at("/Kiln/ModelArtifactsWritten").asBoolean()).isFalse();
    }
    assertThat(failed.get("FailureReason").asText()).isEqualTo("ClientError: counting failed at round 1 as asked");
    assertThat(lostDoc.get("FailureReason").asText()).startsWith("Driver lost: no heartbeat");
    assertThat(stopped.get("TrainingJobStatus").asText()).isEqualTo("Stopped");
    assertThat(stopped.get("SecondaryStatusTransitions").findValuesAsText("Status"))
        .containsSubsequence("Training", "Stopping", "Uploading", "Stopped");
    assertThat(stopped.at("/Kiln/ModelArtifactsWritten").asBoolean()).isTrue();
    // issue 10: as on SageMaker, FailureReason is for Failed jobs; why it stopped is the Stopped
    // transition's StatusMessage (and in the job log), in the record, --json and the text alike
    assertThat(stopped.has("FailureReason")).as(stopped.toString()).isFalse();
    assertThat(runner.store().load("desc-stop").orElseThrow().failureReason()).isNull();
    var stoppedTs = stopped.get("SecondaryStatusTransitions");
    assertThat(stoppedTs.get(stoppedTs.size() - 1).get("StatusMessage").asText()).isNotBlank();
    assertThat(kiln("describe", "desc-stop").out()).doesNotContain("FailureReason").contains("Stopped");
    // a record written before that, with a FailureReason beside Stopped, is described without it
    runner.store().save(runner.store().load("desc-stop").orElseThrow().toBuilder().trainingJobName("stopped-old")
        .failureReason("Stop requested by kiln stop").build());
    assertThat(describe("stopped-old").has("FailureReason")).isFalse();
    assertThat(kiln("describe", "stopped-old").out()).doesNotContain("FailureReason");

    Cli list = kiln("list", "--json", "--name-contains", "DESC-");
    assertThat(list.exit()).as(list.err()).isZero();
    assertThat(list.json().get("TrainingJobSummaries").findValuesAsText("TrainingJobName"))
        .containsExactly("desc-ok", "desc-fail", "desc-stop", "desc-lost");
    Cli failures = kiln("list", "--json", "--name-contains", "desc-", "--status-equals", "Failed", "--sort-order",
        "Descending");
    // the job whose driver was lost is seen as Failed, as describe shows it
    assertThat(failures.json().get("TrainingJobSummaries").findValuesAsText("TrainingJobName"))
        .containsExactly("desc-lost", "desc-fail");
    Cli page = kiln("list", "--json", "--name-contains", "desc-", "--max-results", "2");
    assertThat(page.json().get("TrainingJobSummaries")).hasSize(2);
    assertThat(page.json().has("NextToken")).isTrue();
    Cli badStatus = kiln("list", "--json", "--status-equals", "Done");
    assertThat(badStatus.exit()).isEqualTo(2);
    assertThat(badStatus.err()).contains("--status-equals: StatusEquals 'Done' is not a training job status");

    io.kiln.testing.ServiceModelCheck.assertValid(List.of(
        new io.kiln.testing.ServiceModelCheck.Doc("Completed", "DescribeTrainingJob", completed, "Estimator"),
        new io.kiln.testing.ServiceModelCheck.Doc("InProgress", "DescribeTrainingJob", inProgress, "Estimator"),
        new io.kiln.testing.ServiceModelCheck.Doc("Stopped", "DescribeTrainingJob", stopped, "Estimator"),
        new io.kiln.testing.ServiceModelCheck.Doc("Failed", "DescribeTrainingJob", failed, "Estimator"),
        new io.kiln.testing.ServiceModelCheck.Doc("Failed (driver lost)", "DescribeTrainingJob", lostDoc, "Estimator"),
        new io.kiln.testing.ServiceModelCheck.Doc("list", "ListTrainingJobs", list.json(), null),
        new io.kiln.testing.ServiceModelCheck.Doc("list page", "ListTrainingJobs", page.json(), null)));
  }

  @Test
  void waitAndLogsFollowAJobToItsEndAndNoSuchJobIsExitFourEverywhere() throws Exception {
    CompletableFuture<JobResult> job = CompletableFuture.supplyAsync(
        () -> runner.run(spec("wait-ok", "{\"rounds\": \"40\", \"sleep_ms\": \"60\"}", "")));
    awaitRounds("wait-ok", 1);
    Cli timedOut = kiln("wait", "wait-ok", "--timeout", "0.3", "--interval", "0.1");
    assertThat(timedOut.exit()).as(timedOut.err()).isEqualTo(5);
    assertThat(timedOut.err()).contains("training job wait-ok is still InProgress after 0.3 s");
    CompletableFuture<Cli> follow = CompletableFuture.supplyAsync(() -> kiln("logs", "wait-ok", "-f", "--interval",
        "0.2"));
    CompletableFuture<Cli> waited = CompletableFuture.supplyAsync(() -> kiln("wait", "wait-ok", "--interval", "0.2"));
    assertThat(job.get(120, TimeUnit.SECONDS).status()).isEqualTo(TrainingJobStatus.Completed);
    Cli w = waited.get(30, TimeUnit.SECONDS);
    assertThat(w.exit()).isZero();
    assertThat(w.out()).contains("wait-ok Completed");
    Cli f = follow.get(30, TimeUnit.SECONDS);
    assertThat(f.exit()).as(f.err()).isZero();
    // everything the job logged, once, in order, through its last line
    assertThat(f.out()).isEqualTo(runner.store().readLog("wait-ok").orElseThrow());
    assertThat(f.out()).containsOnlyOnce("[39]\ttrain-loss:").endsWith("[Completed] Training job completed\n");

    runner.run(spec("wait-fail", "{\"rounds\": \"10\", \"fail_at_round\": \"0\"}", ""));
    Cli failed = kiln("wait", "wait-fail");
    assertThat(failed.exit()).isEqualTo(1);
    assertThat(failed.err()).contains("wait-fail Failed: ClientError: counting failed at round 0 as asked");

    CompletableFuture<JobResult> long_ = CompletableFuture.supplyAsync(
        () -> runner.run(spec("wait-stop", "{\"rounds\": \"100000\", \"sleep_ms\": \"20\"}", "")));
    awaitRounds("wait-stop", 2);
    CompletableFuture<Cli> waitStop = CompletableFuture.supplyAsync(() -> kiln("wait", "wait-stop", "--interval",
        "0.2"));
    assertThat(kiln("stop", "wait-stop").exit()).isZero();
    Cli stoppedWait = waitStop.get(60, TimeUnit.SECONDS);
    assertThat(stoppedWait.exit()).isEqualTo(3);
    // why it stopped, from its Stopped transition (a Stopped job has no FailureReason)
    assertThat(stoppedWait.out()).containsPattern("wait-stop Stopped: \\S");
    assertThat(long_.get(60, TimeUnit.SECONDS).status()).isEqualTo(TrainingJobStatus.Stopped);
    // issue 10: stopping a job that ended is SageMaker's ValidationException, one line, exit 2
    for (String[] ended : List.of(new String[] {"wait-stop", "Stopped"}, new String[] {"wait-ok", "Completed"},
        new String[] {"wait-fail", "Failed"})) {
      Cli again = kiln("stop", ended[0]);
      assertThat(again.exit()).as(again.err()).isEqualTo(2);
      assertThat(again.err()).isEqualTo("kiln: ValidationException: The request was rejected because the training "
          + "job is in status " + ended[1] + "; " + ended[0] + " already ended, there is nothing to stop (see 'kiln "
          + "describe " + ended[0] + "')\n");
      assertThat(again.out()).isEmpty();
    }

    for (String[] command : List.of(new String[] {"describe", "no-such"}, new String[] {"describe", "no-such", "--json"},
        new String[] {"logs", "no-such"}, new String[] {"logs", "no-such", "-f"}, new String[] {"wait", "no-such"},
        new String[] {"stop", "no-such"}, new String[] {"train", "--resume", "no-such"})) {
      Cli r = kiln(command);
      assertThat(r.exit()).as(String.join(" ", command) + ": " + r.err()).isEqualTo(4);
      assertThat(r.err()).contains("ResourceNotFound: no ").contains("named 'no-such'");
    }
    Cli help = kiln("wait", "--help");
    assertThat(help.out()).contains("Exit codes:", "4   no such job", "5   wait --timeout passed");
    assertThat(kiln("--help").out()).contains("Exit codes:", "3   Stopped");
  }

  /**
   * Issue 10 (newcomer): a job root given as {@code s3://} is read through s3a, but messages name
   * it as given; credentials in a root are never printed.
   */
  @Test
  void noSuchJobNamesTheJobRootAsTheUserGaveIt() {
    String given = "s3://" + OUTPUT_BUCKET + "/given-root/";
    JobStore onS3 = new JobStore(given, spark.sparkContext().hadoopConfiguration());
    assertThat(onS3.root()).startsWith("s3a://");
    TrainingJobRunner r = new TrainingJobRunner(spark, onS3, new Algorithms(List.of(new CountingAlgorithm())));
    assertThatThrownBy(() -> r.resume("no-such", JobListener.NONE))
        .isInstanceOf(io.kiln.record.ResourceNotFoundException.class)
        .hasMessage("ResourceNotFound: no training job named 'no-such' in " + given + " (see 'kiln list --job-root "
            + given + "')");
  }

  @Test
  void theReadOnlyCommandsStartNoSpark() throws Exception {
    runner.run(spec("readonly-ok", "{\"rounds\": \"2\"}", ""));
    String root = runner.store().root();
    List<String> cmd = new java.util.ArrayList<>(List.of(
        java.nio.file.Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-verbose:class",
        "-cp", System.getProperty("java.class.path"), io.kiln.testing.CommandsInOneJvm.class.getName()));
    for (String c : List.of("describe readonly-ok --json", "list --json", "list", "logs readonly-ok",
        "wait readonly-ok", "describe no-such")) {
      cmd.addAll(List.of(c.split(" ")));
      cmd.addAll(List.of("--job-root", root, "::"));
    }
    cmd.remove(cmd.size() - 1);
    java.nio.file.Path out = java.nio.file.Files.createTempFile("kiln-readonly", ".txt");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String text = java.nio.file.Files.readString(out);
    assertThat(text.lines().filter(l -> l.startsWith("EXIT ")).toList())
        .as(text.lines().filter(l -> !l.startsWith("[")).collect(java.util.stream.Collectors.joining("\n")))
        .containsExactly("EXIT 0", "EXIT 0", "EXIT 0", "EXIT 0", "EXIT 0", "EXIT 4");
    assertThat(text).contains("\"TrainingJobName\" : \"readonly-ok\"", "[Completed] Training job completed");
    // -verbose:class names every class the JVM loaded: the job store, but nothing of Spark, and on a
    // local job root not even Hadoop's FileSystem (java.nio reads it; see Store)
    assertThat(text).contains("io.kiln.record.JobStore ");
    assertThat(text.lines().filter(l -> l.contains("org.apache.spark.")).toList()).isEmpty();
    assertThat(text.lines().filter(l -> l.contains("org.apache.hadoop.fs.FileSystem ")).toList()).isEmpty();
  }
}
