package io.kiln.algorithms.script;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Script jobs end to end on local Spark against the test S3 server, with real processes: Debian's
 * {@code /usr/bin/python3} runs {@code scripts/probe.py} (standard library only), which reports every
 * file and variable of SageMaker's container contract it sees; the tests assert them against the
 * request. Then the ways a script fails: its failure file, a non-zero exit, a source entry or channel
 * name that would leave its directory, a missing interpreter or entry point.
 */
@Tag("spark")
@Tag("s3")
class ScriptJobsTest {
  /** The SDK's hyperparameters: every value JSON-encoded, as {@code estimator.fit()} sends them. */
  private static Map<String, String> sdkHyperparameters(String name, String source) {
    Map<String, String> hp = new LinkedHashMap<>();
    hp.put("epochs", "10");
    hp.put("lr", "0.1");
    hp.put("flag", "true");
    hp.put("name", "\"resnet\"");
    hp.put("layers", "[1, 2]");
    hp.put("plain", "abc");
    hp.put("sagemaker_program", "\"probe.py\"");
    hp.put("sagemaker_submit_directory", "\"" + source + "\"");
    hp.put("sagemaker_container_log_level", "20");
    hp.put("sagemaker_job_name", "\"" + name + "\"");
    hp.put("sagemaker_region", "\"us-west-2\"");
    hp.put("sagemaker_mpi_enabled", "false");
    return hp;
  }

  /** The job's Environment: Debian's python3 first on PATH, and one variable of the user's. */
  private static final Map<String, String> ENVIRONMENT = Map.of("PATH", "/usr/bin:/bin", "KILN_TEST_VAR", "hello");

  @BeforeAll
  static void start() {
    ScriptJobs.spark();
  }

  @Test
  void theScriptSeesSageMakersContractOnEveryWorker() {
    String name = "script-contract";
    String source = ScriptJobs.probeSource("src/contract/sourcedir.tar.gz", Map.of("lib/util.py", "X = 1\n"));
    ScriptJobs.put("data/contract/train/part-0.csv", "a,0\n");
    ScriptJobs.put("data/contract/train/part-1.csv", "b,1\n");
    ScriptJobs.put("data/contract/validation/val.csv", "v,2\n");
    Map<String, ScriptJobs.Channel> channels = new LinkedHashMap<>();
    channels.put("train", new ScriptJobs.Channel("s3://" + ScriptJobs.BUCKET + "/data/contract/train/",
        "text/csv; label_size=0", "ShardedByS3Key"));
    channels.put("validation", new ScriptJobs.Channel("s3://" + ScriptJobs.BUCKET + "/data/contract/validation/",
        null, "FullyReplicated"));
    long started = System.nanoTime();
    JobResult r = ScriptJobs.run(ScriptJobs.request(name, sdkHyperparameters(name, source), channels, 2,
        ENVIRONMENT), name + ".json");
    System.out.printf("script-contract: 2 workers, %.1f s%n", (System.nanoTime() - started) / 1e9);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);

    List<JsonNode> probes = new ArrayList<>(ScriptJobs.probes(name));
    assertThat(probes).hasSize(2);
    probes.sort(java.util.Comparator.comparing(p -> p.at("/env/SM_CURRENT_HOST").asText()));
    List<String> hosts = List.of("127.0.0.1", "127.0.0.2");
    for (int rank = 0; rank < 2; rank++) {
      JsonNode p = probes.get(rank);
      JsonNode env = p.get("env");
      String base = env.get("SAGEMAKER_BASE_DIR").asText();
      String host = hosts.get(rank);
      // resourceconfig.json: every worker once, names that resolve here (local Spark: loopback addresses)
      JsonNode resources = p.get("resourceconfig.json");
      assertThat(resources.get("current_host").asText()).isEqualTo(host);
      assertThat(texts(resources.get("hosts"))).isEqualTo(hosts);
      assertThat(resources.get("network_interface_name").asText()).isEqualTo("lo");
      assertThat(env.get("SM_CURRENT_HOST").asText()).isEqualTo(host);
      assertThat(env.get("CURRENT_HOST").asText()).isEqualTo(host);
      assertThat(env.get("SM_HOSTS").asText()).isEqualTo("[\"127.0.0.1\",\"127.0.0.2\"]");
      assertThat(env.get("SM_NETWORK_INTERFACE_NAME").asText()).isEqualTo("lo");
      // hyperparameters.json: the strings of the request, sagemaker_* included
      JsonNode hpFile = p.get("hyperparameters.json");
      sdkHyperparameters(name, source).forEach((k, v) -> assertThat(hpFile.get(k).asText()).as(k).isEqualTo(v));
      assertThat(hpFile.size()).isEqualTo(sdkHyperparameters(name, source).size());
      // SM_HPS: decoded as the toolkit decodes them, without the sagemaker_* entries
      assertThat(env.get("SM_HPS").asText())
          .isEqualTo("{\"epochs\":10,\"flag\":true,\"layers\":[1,2],\"lr\":0.1,\"name\":\"resnet\",\"plain\":\"abc\"}");
      assertThat(p.get("hps_types").toString())
          .isEqualTo("{\"epochs\":\"int\",\"flag\":\"bool\",\"layers\":\"list\",\"lr\":\"float\",\"name\":\"str\","
              + "\"plain\":\"str\"}");
      assertThat(env.get("SM_HP_EPOCHS").asText()).isEqualTo("10");
      assertThat(env.get("SM_HP_NAME").asText()).isEqualTo("resnet");
      assertThat(env.get("SM_HP_LAYERS").asText()).isEqualTo("[1,2]");
      assertThat(env.has("SM_HP_SAGEMAKER_PROGRAM")).isFalse();
      assertThat(env.get("SM_FRAMEWORK_PARAMS").asText()).isEqualTo("{\"sagemaker_mpi_enabled\":false}");
      // the arguments, as the toolkit passes them (Python's str() of each value), and SM_USER_ARGS
      List<String> argv = List.of("--epochs", "10", "--flag", "True", "--layers", "[1, 2]", "--lr", "0.1", "--name",
          "resnet", "--plain", "abc");
      assertThat(texts(p.get("argv"))).isEqualTo(argv);
      assertThat(texts(ScriptJobs.json(env.get("SM_USER_ARGS").asText()))).isEqualTo(argv);
      // channels: ShardedByS3Key gives each worker its objects, FullyReplicated all of them
      assertThat(env.get("SM_CHANNELS").asText()).isEqualTo("[\"train\",\"validation\"]");
      assertThat(env.get("SM_CHANNEL_TRAIN").asText()).isEqualTo(base + "/input/data/train");
      assertThat(p.at("/channels/train").toString())
          .isEqualTo(rank == 0 ? "{\"part-0.csv\":\"a,0\\n\"}" : "{\"part-1.csv\":\"b,1\\n\"}");
      assertThat(p.at("/channels/validation").toString()).isEqualTo("{\"val.csv\":\"v,2\\n\"}");
      JsonNode inputs = p.get("inputdataconfig.json");
      assertThat(inputs.at("/train/ContentType").asText()).isEqualTo("text/csv; label_size=0");
      assertThat(inputs.at("/train/S3DistributionType").asText()).isEqualTo("ShardedByS3Key");
      assertThat(inputs.at("/train/TrainingInputMode").asText()).isEqualTo("File");
      assertThat(inputs.at("/validation").has("ContentType")).isFalse();
      assertThat(inputs.at("/validation/S3DistributionType").asText()).isEqualTo("FullyReplicated");
      // the layout and its variables
      assertThat(p.get("cwd").asText()).isEqualTo(base + "/code");
      p.get("dirs").fields().forEachRemaining(d -> assertThat(d.getValue().asBoolean()).as(d.getKey()).isTrue());
      assertThat(env.get("SM_MODEL_DIR").asText()).isEqualTo(base + "/model");
      assertThat(env.get("SM_OUTPUT_DATA_DIR").asText()).isEqualTo(base + "/output/data");
      assertThat(env.get("SM_OUTPUT_DIR").asText()).isEqualTo(base + "/output");
      assertThat(env.get("SM_INPUT_DIR").asText()).isEqualTo(base + "/input");
      assertThat(env.get("SM_INPUT_CONFIG_DIR").asText()).isEqualTo(base + "/input/config");
      assertThat(env.get("SM_MODULE_DIR").asText()).isEqualTo(source);
      assertThat(env.get("SM_MODULE_NAME").asText()).isEqualTo("probe");
      assertThat(env.get("SM_USER_ENTRY_POINT").asText()).isEqualTo("probe.py");
      assertThat(env.get("SM_LOG_LEVEL").asText()).isEqualTo("20");
      assertThat(env.get("SM_NUM_GPUS").asText()).isEqualTo("0");
      assertThat(Integer.parseInt(env.get("SM_NUM_CPUS").asText())).isPositive();
      assertThat(env.get("TRAINING_JOB_NAME").asText()).isEqualTo(name);
      assertThat(env.get("SAGEMAKER_JOB_NAME").asText()).isEqualTo(name);
      assertThat(env.get("SAGEMAKER_REGION").asText()).isEqualTo("us-west-2");
      assertThat(env.get("KILN_TEST_VAR").asText()).isEqualTo("hello");
      JsonNode training = ScriptJobs.json(env.get("SM_TRAINING_ENV").asText());
      assertThat(training.get("hyperparameters")).isEqualTo(ScriptJobs.json(env.get("SM_HPS").asText()));
      assertThat(training.get("current_host").asText()).isEqualTo(host);
      assertThat(training.get("is_master").asBoolean()).isEqualTo(rank == 0);
      assertThat(training.get("master_hostname").asText()).isEqualTo("127.0.0.1");
      assertThat(training.get("job_name").asText()).isEqualTo(name);
      assertThat(training.at("/channel_input_dirs/validation").asText()).isEqualTo(base + "/input/data/validation");
      assertThat(training.get("resource_config")).isEqualTo(resources);
      // credentials: the standard variables, in no file under the root
      assertThat(env.get("AWS_ACCESS_KEY_ID").asText()).isEqualTo(S3Server.get().accessKey());
      assertThat(env.get("AWS_ENDPOINT_URL").asText()).isEqualTo(S3Server.get().endpoint());
      assertThat(env.get("AWS_ENDPOINT_URL_S3").asText()).isEqualTo(S3Server.get().endpoint());
      assertThat(env.get("AWS_SECRET_ACCESS_KEY").asText()).isEqualTo("<set>");
      assertThat(p.get("secret_in_a_file").asBoolean()).isFalse();
    }
    // outputs: rank 0's model/ and output/data
    Map<String, byte[]> model = ScriptJobs.untar(r.modelArtifacts());
    assertThat(model).containsOnlyKeys("probe.json");
    assertThat(ScriptJobs.json(new String(model.get("probe.json"), StandardCharsets.UTF_8)).at("/env/SM_CURRENT_HOST")
        .asText()).isEqualTo("127.0.0.1");
    Map<String, byte[]> output = ScriptJobs.untar(r.modelArtifacts().replace("model.tar.gz", "output.tar.gz"));
    assertThat(new String(output.get("out.txt"), StandardCharsets.UTF_8)).isEqualTo("written by 127.0.0.1\n");
    // stdout and stderr, each line in the job log with its host
    assertThat(ScriptJobs.log(name)).contains("[127.0.0.2] probe on 127.0.0.2: stderr works",
        "[127.0.0.1] probe on 127.0.0.1: stderr works");
  }

  @Test
  void theFailureFileBecomesTheFailureReason() {
    String name = "script-failure-file";
    String source = ScriptJobs.probeSource("src/failure-file/sourcedir.tar.gz", Map.of());
    Map<String, String> hp = sdkHyperparameters(name, source);
    hp.put("mode", "\"failure-file\"");
    JobResult r = ScriptJobs.run(ScriptJobs.request(name, hp, oneChannel("failure-file"), 1, ENVIRONMENT),
        name + ".json");
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).isEqualTo("AlgorithmError: Training diverged: loss is nan at epoch 3");
    assertThat(r.modelArtifacts()).isNull();
  }

  @Test
  void aNonZeroExitFailsTheJobWithTheScriptsError() {
    String name = "script-raises";
    String source = ScriptJobs.probeSource("src/raises/sourcedir.tar.gz", Map.of());
    Map<String, String> hp = sdkHyperparameters(name, source);
    hp.put("mode", "\"raise\"");
    JobResult r = ScriptJobs.run(ScriptJobs.request(name, hp, oneChannel("raises"), 1, ENVIRONMENT), name + ".json");
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).startsWith("AlgorithmError: ExecuteUserScriptError: ExitCode 1, ErrorMessage "
        + "\"ValueError: boom at epoch 3\", Command \"/usr/bin/python3 probe.py --epochs 10");
    assertThat(ScriptJobs.log(name)).contains("[127.0.0.1] Traceback (most recent call last):");
  }

  @Test
  void aStopSendsSigtermAndKeepsTheModelTheScriptWrote() throws Exception {
    String name = "script-stop";
    String source = ScriptJobs.probeSource("src/stop/sourcedir.tar.gz", Map.of());
    Map<String, String> hp = sdkHyperparameters(name, source);
    hp.put("mode", "\"wait-for-stop\"");
    java.util.concurrent.CompletableFuture<JobResult> running = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> ScriptJobs.run(ScriptJobs.request(name, hp, oneChannel("stop"), 1, ENVIRONMENT), name + ".json"));
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (ScriptJobs.runner().store().readLog(name).filter(l -> l.contains("waiting for SIGTERM")).isEmpty()) {
      assertThat(System.nanoTime()).as("the script started within 60 s").isLessThan(deadline);
      Thread.sleep(200);
    }
    long stopAt = System.nanoTime();
    ScriptJobs.runner().store().requestStop(name, "test");
    JobResult r = running.get(60, java.util.concurrent.TimeUnit.SECONDS);
    System.out.printf("script-stop: stopped %.1f s after the request%n", (System.nanoTime() - stopAt) / 1e9);
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Stopped);
    assertThat(new String(ScriptJobs.untar(r.modelArtifacts()).get("stopped.txt"), StandardCharsets.UTF_8))
        .isEqualTo("SIGTERM seen by 127.0.0.1\n");
    assertThat(ScriptJobs.log(name)).contains("Stop requested: SIGTERM to the script and its child processes, "
        + "SIGKILL after 120 s");
  }

  @Test
  void aWorkerWhoseScriptDiesEndsTheOthersScriptsPromptly() throws Exception {
    String name = "script-peer-dies";
    String source = ScriptJobs.probeSource("src/peer-dies/sourcedir.tar.gz", Map.of());
    Map<String, String> hp = sdkHyperparameters(name, source);
    hp.put("mode", "\"last-rank-fails\"");
    Path markers = Files.createTempDirectory("kiln-script-markers-");
    Map<String, String> env = new LinkedHashMap<>(ENVIRONMENT);
    env.put("KILN_TEST_MARKERS", markers.toString());
    long started = System.nanoTime();
    JobResult r = ScriptJobs.run(ScriptJobs.request(name, hp, oneChannel("peer-dies"), 2, env), name + ".json");
    java.time.Instant failedAt = java.time.Instant.now();
    double seconds = (System.nanoTime() - started) / 1e9;
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).contains("ExecuteUserScriptError: ExitCode 1", "RuntimeError: rank 1 died");
    // the death: when the dying script's last line reached the job log (each line carries its time)
    java.time.Instant death = java.time.Instant.parse(ScriptJobs.log(name).lines()
        .filter(l -> l.contains("RuntimeError: rank 1 died")).findFirst().orElseThrow().split(" ", 2)[0]);
    System.out.printf("script-peer-dies: Failed %.1f s after the death (%.1f s after the start)%n",
        java.time.Duration.between(death, failedAt).toMillis() / 1e3, seconds);
    assertThat(java.time.Duration.between(death, failedAt)).as("Failed within 30 s of the death")
        .isLessThan(java.time.Duration.ofSeconds(30));
    long deadline = System.nanoTime() + java.time.Duration.between(java.time.Instant.now(), death.plusSeconds(30))
        .toNanos(); // everyone gone within 30 s of the death
    java.util.regex.Matcher pid = java.util.regex.Pattern.compile("sleeping pid=(\\d+)").matcher(ScriptJobs.log(name));
    assertThat(pid.find()).isTrue();
    java.util.Optional<ProcessHandle> sleeper = ProcessHandle.of(Long.parseLong(pid.group(1)));
    if (sleeper.isPresent()) {
      assertThat(sleeper.get().onExit().get(Math.max(1, deadline - System.nanoTime()),
          java.util.concurrent.TimeUnit.NANOSECONDS).isAlive()).isFalse();
    }
    // the cancelled peer got SIGTERM first and exited by itself (its handler wrote the marker)
    Path marker = markers.resolve("sigterm-127.0.0.1");
    assertThat(marker).as("rank 0's script saw SIGTERM before it exited").exists();
    assertThat(Files.readString(marker)).startsWith("SIGTERM at ");
    // its child ignores SIGTERM: alive through the grace period, SIGKILLed after it, gone within 30 s
    java.util.regex.Matcher child = java.util.regex.Pattern.compile("stubborn pid=(\\d+)")
        .matcher(ScriptJobs.log(name));
    assertThat(child.find()).isTrue();
    ProcessHandle stubborn = ProcessHandle.of(Long.parseLong(child.group(1))).orElseThrow();
    double term = Double.parseDouble(Files.readString(marker).substring("SIGTERM at ".length()).strip());
    stubborn.onExit().get(Math.max(1, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
    double lived = System.currentTimeMillis() / 1e3 - term;
    System.out.printf("script-peer-dies: the child that ignores SIGTERM was killed %.1f s after the SIGTERM, %.1f s "
        + "after the death%n", lived, java.time.Duration.between(death, java.time.Instant.now()).toMillis() / 1e3);
    assertThat(lived).as("SIGKILL only after the grace period").isGreaterThan(ScriptWorker.CANCEL_GRACE_SECONDS - 3);
  }

  /** A request with CheckpointConfig (S3Uri, and LocalPath unless null). */
  private static String withCheckpoint(String request, String uri, String localPath) {
    com.fasterxml.jackson.databind.node.ObjectNode r = (com.fasterxml.jackson.databind.node.ObjectNode)
        ScriptJobs.json(request);
    com.fasterxml.jackson.databind.node.ObjectNode c = r.putObject("CheckpointConfig").put("S3Uri", uri);
    if (localPath != null) {
      c.put("LocalPath", localPath);
    }
    return r.toString();
  }

  @Test
  void checkpointsAreRestoredBeforeTheScriptAndSyncedWhileItRunsByEveryWorker() throws Exception {
    String name = "script-checkpoint";
    String source = ScriptJobs.probeSource("src/checkpoint/sourcedir.tar.gz", Map.of());
    String uri = "s3://" + ScriptJobs.BUCKET + "/checkpoints/" + name + "/";
    String s3a = uri.replaceFirst("^s3://", "s3a://");
    ScriptJobs.put("checkpoints/" + name + "/state.txt", "round 3\n"); // a previous attempt's files
    ScriptJobs.put("checkpoints/" + name + "/sub/dir/a.bin", "A");
    Path go = Files.createTempDirectory("kiln-script-go-").resolve("go");
    Map<String, String> env = new LinkedHashMap<>(ENVIRONMENT);
    env.put("KILN_TEST_GO", go.toString());
    Map<String, String> hp = sdkHyperparameters(name, source);
    hp.put("mode", "\"checkpoint\"");
    ScriptJobs.spark().conf().set(ScriptAlgorithm.CHECKPOINT_SYNC_KEY, "1");
    org.apache.hadoop.conf.Configuration hadoop = ScriptJobs.spark().sparkContext().hadoopConfiguration();
    long started = System.nanoTime();
    java.util.concurrent.CompletableFuture<JobResult> running = java.util.concurrent.CompletableFuture.supplyAsync(
        () -> ScriptJobs.run(withCheckpoint(ScriptJobs.request(name, hp, oneChannel("checkpoint"), 2, env), uri,
            null), name + ".json"));
    try {
      // while the scripts wait, what they wrote reaches the location: uploaded in the background
      long deadline = System.nanoTime() + 90_000_000_000L;
      List<String> expected = List.of(s3a + "127.0.0.1/step-1.txt", s3a + "127.0.0.2/step-1.txt");
      while (!(expected.stream().allMatch(u -> S3Files.exists(hadoop, u))
          && new String(S3Files.read(hadoop, s3a + "state.txt"), StandardCharsets.UTF_8).contains("resumed"))) {
        assertThat(running).as("the job still runs").isNotDone();
        assertThat(System.nanoTime()).as("synced within 90 s").isLessThan(deadline);
        Thread.sleep(200);
      }
      assertThat(running).as("synced while the scripts still run").isNotDone();
    } finally {
      Files.writeString(go, "go");
    }
    JobResult r = running.get(60, java.util.concurrent.TimeUnit.SECONDS);
    System.out.printf("script-checkpoint: 2 workers, %.1f s%n", (System.nanoTime() - started) / 1e9);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    // each worker found the location's files before its script started
    List<JsonNode> seen = new ArrayList<>();
    for (String line : ScriptJobs.log(name).split("\n")) {
      int at = line.indexOf("KILN-CHECKPOINT ");
      if (at >= 0) {
        seen.add(ScriptJobs.json(line.substring(at + "KILN-CHECKPOINT ".length())));
      }
    }
    assertThat(seen).hasSize(2);
    for (JsonNode s : seen) {
      assertThat(s.get("restored").size()).as(s.toString()).isEqualTo(2);
      assertThat(s.at("/restored/state.txt").asText()).isEqualTo("round 3\n");
      assertThat(s.at("/restored/sub~1dir~1a.bin").asText()).isEqualTo("A");
    }
    // the last sync, after the scripts' exit: every worker's files, under their names, nothing else
    for (String host : List.of("127.0.0.1", "127.0.0.2")) {
      assertThat(new String(S3Files.read(hadoop, s3a + host + "/final.txt"), StandardCharsets.UTF_8))
          .isEqualTo("final on " + host + "\n");
    }
    assertThat(new String(S3Files.read(hadoop, s3a + "state.txt"), StandardCharsets.UTF_8))
        .isEqualTo("round 3\nresumed\n");
    assertThat(S3Files.list(hadoop, s3a)).allSatisfy(u -> assertThat(u).doesNotContain(".tmp", "kiln-partial"));
    assertThat(ScriptJobs.log(name)).contains("Restored 2 checkpoint file(s), 9 bytes, from " + uri
        + " into /opt/ml/checkpoints");
  }

  @Test
  void aLinkInCheckpointsOrALocalPathOutsideOptMlIsRefused() throws Exception {
    String name = "script-checkpoint-link";
    String source = ScriptJobs.probeSource("src/checkpoint-link/sourcedir.tar.gz", Map.of());
    String uri = "s3://" + ScriptJobs.BUCKET + "/checkpoints/" + name + "/";
    Path outside = Files.createTempFile("kiln-script-secret-", ".txt");
    Files.writeString(outside, "not for the bucket\n");
    Map<String, String> env = new LinkedHashMap<>(ENVIRONMENT);
    env.put("KILN_TEST_OUTSIDE", outside.toString());
    Map<String, String> hp = sdkHyperparameters(name, source);
    hp.put("mode", "\"checkpoint-link\"");
    JobResult r = ScriptJobs.run(withCheckpoint(ScriptJobs.request(name, hp, oneChannel("checkpoint-link"), 1, env),
        uri, null), name + ".json");
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).isEqualTo("ClientError: /opt/ml/checkpoints/link.txt (CheckpointConfig.LocalPath) "
        + "is a symbolic link, which Kiln does not sync to " + uri + " (a link could name a file outside the "
        + "checkpoint directory); write the file itself there");
    org.apache.hadoop.conf.Configuration hadoop = ScriptJobs.spark().sparkContext().hadoopConfiguration();
    String s3a = uri.replaceFirst("^s3://", "s3a://");
    assertThat(S3Files.exists(hadoop, s3a + "ok.txt")).isTrue();
    assertThat(S3Files.exists(hadoop, s3a + "link.txt")).isFalse();

    String elsewhere = "script-checkpoint-localpath";
    JobResult refused = ScriptJobs.run(withCheckpoint(ScriptJobs.request(elsewhere, sdkHyperparameters(elsewhere,
        source), oneChannel("checkpoint-link"), 1, ENVIRONMENT), uri, "/opt/ml/../../etc"), elsewhere + ".json");
    assertThat(refused.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(refused.failureReason()).isEqualTo("ClientError: CheckpointConfig.LocalPath (checkpoint.localPath) "
        + "'/opt/ml/../../etc' is not a directory under /opt/ml, which Kiln maps to each worker's own directory "
        + "(SAGEMAKER_BASE_DIR); give a path below it without '.' or '..' segments, or leave it out for "
        + "/opt/ml/checkpoints");
  }

  @Test
  void noProcessTheScriptStartedOutlivesIt() throws Exception {
    String name = "script-orphan";
    String source = ScriptJobs.probeSource("src/orphan/sourcedir.tar.gz", Map.of());
    Map<String, String> hp = sdkHyperparameters(name, source);
    hp.put("mode", "\"orphan\"");
    JobResult r = ScriptJobs.run(ScriptJobs.request(name, hp, oneChannel("orphan"), 1, ENVIRONMENT), name + ".json");
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    java.util.regex.Matcher pid = java.util.regex.Pattern.compile("child pid=(\\d+)").matcher(ScriptJobs.log(name));
    assertThat(pid.find()).isTrue();
    java.util.Optional<ProcessHandle> child = ProcessHandle.of(Long.parseLong(pid.group(1)));
    if (child.isPresent()) {
      assertThat(child.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS).isAlive()).isFalse();
    }
  }

  @Test
  void aSourceEntryOutsideTheCodeDirectoryIsRefused() {
    String name = "script-escape";
    Path outside = Path.of(System.getProperty("java.io.tmpdir"), "kiln-script-escape-" + System.nanoTime() + ".py");
    String evil = "../../../../../../../.." + outside;
    String source = ScriptJobs.probeSource("src/escape/sourcedir.tar.gz", Map.of(evil, "print('escaped')\n"));
    JobResult r = ScriptJobs.run(ScriptJobs.request(name, sdkHyperparameters(name, source), oneChannel("escape"), 1,
        ENVIRONMENT), name + ".json");
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).isEqualTo("ClientError: The script's source " + source + " holds '" + evil
        + "', a path outside the code directory; refused (entries must be relative paths without '..')");
    assertThat(Files.exists(outside)).isFalse();
  }

  @Test
  void aChannelNamedDotDotIsRefused() {
    String name = "script-channel-escape";
    String source = ScriptJobs.probeSource("src/channel-escape/sourcedir.tar.gz", Map.of());
    ScriptJobs.put("data/channel-escape/x.csv", "1\n");
    JobResult r = ScriptJobs.run(ScriptJobs.request(name, sdkHyperparameters(name, source),
        Map.of("..", new ScriptJobs.Channel("s3://" + ScriptJobs.BUCKET + "/data/channel-escape/", null,
            "FullyReplicated")), 1, ENVIRONMENT), name + ".json");
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).isEqualTo("ClientError: Channel name '..' would be a directory outside "
        + "input/data/; rename the channel (ChannelName) to letters, digits, '-', '_' or '.' other than '.' and '..'");
  }

  @Test
  void aMissingInterpreterOrEntryPointIsAClientErrorNamingIt() {
    String source = ScriptJobs.probeSource("src/missing/sourcedir.tar.gz", Map.of());
    ScriptJobs.put("data/missing/x.csv", "1\n");
    String interpreter = "/usr/bin/python-kiln-missing";
    JobResult r = ScriptJobs.runner().run(io.kiln.spec.SpecReader.readTrainingJob(kilnSpec("script-no-interpreter",
        "probe.py", source, interpreter), "no-interpreter.yaml"));
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).isEqualTo("ClientError: The script's interpreter " + interpreter
        + " (algorithm.interpreter) is not an executable file on worker 127.0.0.1; install it on every worker or "
        + "name another");

    JobResult noEntry = ScriptJobs.runner().run(io.kiln.spec.SpecReader.readTrainingJob(kilnSpec("script-no-entry",
        "train.py", source, ScriptJobs.PYTHON), "no-entry.yaml"));
    assertThat(noEntry.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(noEntry.failureReason()).isEqualTo("ClientError: The entry point 'train.py' (algorithm.entryPoint, "
        + "hyperparameter sagemaker_program) is not in the source " + source + ", which holds: probe.py");
  }

  @Test
  void aKilnSpecRunsItsScriptWithItsArgumentsFirst() {
    String name = "script-kiln-spec";
    String source = ScriptJobs.probeSource("src/kiln-spec/sourcedir.tar.gz", Map.of());
    ScriptJobs.put("data/kiln-spec/x.csv", "1\n");
    JobResult r = ScriptJobs.runner().run(io.kiln.spec.SpecReader.readTrainingJob("name: " + name + "\n"
        + "algorithm: {entryPoint: probe.py, source: '" + source + "', interpreter: " + ScriptJobs.PYTHON
        + ", arguments: [--extra, 'two words']}\n"
        + "hyperparameters: {alpha: '0.5', beta: 'yes'}\n"
        + "channels: [{name: data, uri: 's3://" + ScriptJobs.BUCKET + "/data/kiln-spec/'}]\n"
        + "outputPath: 's3://" + ScriptJobs.BUCKET + "/output/'\n", name + ".yaml"));
    assertThat(r.failureReason()).isNull();
    JsonNode p = ScriptJobs.probes(name).get(0);
    assertThat(texts(p.get("argv"))).containsExactly("--extra", "two words", "--alpha", "0.5", "--beta", "yes");
    // the spec's script fields reach hyperparameters.json as the SDK would have sent them
    assertThat(p.at("/hyperparameters.json/sagemaker_program").asText()).isEqualTo("\"probe.py\"");
    assertThat(p.at("/hyperparameters.json/sagemaker_submit_directory").asText()).isEqualTo("\"" + source + "\"");
    assertThat(p.at("/env/SM_HPS").asText()).isEqualTo("{\"alpha\":0.5,\"beta\":\"yes\"}");
    assertThat(p.at("/inputdataconfig.json/data").has("ContentType")).isFalse();
    assertThat(ScriptJobs.log(name)).contains("Channel data: 1 object(s), 2 bytes, */*, FullyReplicated");
  }

  @Test
  void aSourcesRequirementsAreInstalledAndAMissingModuleIsAClientError() {
    ScriptJobs.put("data/missing/x.csv", "1\n");
    String source = ScriptJobs.put("src/requirements/sourcedir.tar.gz", ScriptJobs.tarGz(Map.of(
        "requirements.txt", "numpy\n",
        "train.py", "import os, sys, numpy\n"
            + "open(os.path.join(os.environ['SM_MODEL_DIR'], 'prefix.txt'), 'w').write(sys.prefix)\n")));
    String name = "script-requirements";
    // offline: the worker's numpy satisfies the requirement without an index
    JobResult r = ScriptJobs.runner().run(io.kiln.spec.SpecReader.readTrainingJob(kilnSpec(name, "train.py", source,
        ScriptJobs.PYTHON) + "environment: {PIP_NO_INDEX: '1'}\n", name + ".yaml"));
    assertThat(r.failureReason()).isNull();
    assertThat(ScriptJobs.log(name)).contains("Installing requirements.txt", "Requirement already satisfied: numpy");
    String prefix = new String(ScriptJobs.untar(r.modelArtifacts()).get("prefix.txt"), StandardCharsets.UTF_8);
    assertThat(prefix).endsWith("/" + ScriptWorker.VENV); // the script ran in the task's environment

    String missing = ScriptJobs.put("src/missing-module/sourcedir.tar.gz", ScriptJobs.tarGz(Map.of(
        "train.py", "import kiln_no_such_module\n")));
    JobResult m = ScriptJobs.runner().run(io.kiln.spec.SpecReader.readTrainingJob(kilnSpec("script-missing-module",
        "train.py", missing, ScriptJobs.PYTHON), "missing-module.yaml"));
    assertThat(m.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(m.failureReason()).isEqualTo("ClientError: The script needs the Python module 'kiln_no_such_module', "
        + "which " + ScriptJobs.PYTHON + " on worker 127.0.0.1 does not have (ModuleNotFoundError: No module named "
        + "'kiln_no_such_module'); install it on every worker, list its package in requirements.txt in the source, "
        + "or set algorithm.interpreter to a Python that has it");
  }

  /** A Kiln spec (YAML) naming the script with the spec's own fields. */
  private static String kilnSpec(String name, String entryPoint, String source, String interpreter) {
    return "name: " + name + "\n"
        + "algorithm: {entryPoint: " + entryPoint + ", source: '" + source + "', interpreter: " + interpreter + "}\n"
        + "channels: [{name: train, uri: 's3://" + ScriptJobs.BUCKET + "/data/missing/'}]\n"
        + "outputPath: 's3://" + ScriptJobs.BUCKET + "/output/'\n";
  }

  private static Map<String, ScriptJobs.Channel> oneChannel(String key) {
    ScriptJobs.put("data/" + key + "/x.csv", "1\n");
    return Map.of("train", new ScriptJobs.Channel("s3://" + ScriptJobs.BUCKET + "/data/" + key + "/", "text/csv",
        "FullyReplicated"));
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
