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
    spark = TestSpark.start(s3, Map.of());
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
    assertThat(runner.store().readLog("out-estimator").orElseThrow()).contains("from 4 file(s) under s3a://"
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

  static void awaitRounds(String name, int rounds) throws InterruptedException {
    awaitRounds(runner, name, rounds);
  }

  /** Waits until a running job has reported {@code rounds} rounds (as its saved record shows). */
  static void awaitRounds(TrainingJobRunner runner, String name, int rounds) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      var r = runner.store().load(name);
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
    return new String(S3Files.untar(S3Files.read(spark.sparkContext().hadoopConfiguration(), r.modelArtifacts()))
        .get("model.txt"));
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
}
