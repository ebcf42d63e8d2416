package io.kiln.algorithms.script;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import io.kiln.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Distributed launch end to end on the module's shared local Spark session ({@link ScriptJobs}), with
 * real processes: torch 1.13 (Debian's {@code /usr/bin/python3}) over gloo for data-parallel (DDP)
 * and pipeline-parallel training on the digits set of ../shared/data, and a standard-library probe
 * for TF_CONFIG, Horovod's variables and the driver's Horovod rendezvous store, and torchrun-style
 * processes per worker.
 */
@Tag("spark")
@Tag("s3")
class DistributedLaunchTest {
  private static final Map<String, String> ENVIRONMENT = Map.of("PATH", "/usr/bin:/bin", "OMP_NUM_THREADS", "1");
  /** Digits (label first), split once: every fifth row for the test set, 1436 training rows in two equal halves. */
  private static List<String> train;
  private static List<String> test;

  @BeforeAll
  static void data() {
    ScriptJobs.spark();
    List<String> rows = SharedData.digits();
    train = new ArrayList<>();
    test = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      (i % 5 == 0 ? test : train).add(rows.get(i));
    }
    train = train.subList(0, 1436);
    ScriptJobs.put("data/digits/train/part-0.csv", String.join("\n", train.subList(0, 718)) + "\n");
    ScriptJobs.put("data/digits/train/part-1.csv", String.join("\n", train.subList(718, 1436)) + "\n");
  }

  private static Map<String, String> hyperparameters(String name, String source, String program) {
    Map<String, String> hp = new LinkedHashMap<>();
    hp.put("sagemaker_program", "\"" + program + "\"");
    hp.put("sagemaker_submit_directory", "\"" + source + "\"");
    hp.put("sagemaker_job_name", "\"" + name + "\"");
    hp.put("sagemaker_region", "\"us-west-2\"");
    return hp;
  }

  private static String source(String key, String script) {
    return ScriptJobs.put(key, ScriptJobs.tarGz(Map.of(script, ScriptJobs.resource("scripts/" + script))));
  }

  private static Map<String, ScriptJobs.Channel> digits(String distribution) {
    return Map.of("train", new ScriptJobs.Channel("s3://" + ScriptJobs.BUCKET + "/data/digits/train/", "text/csv",
        distribution));
  }

  /**
   * Two workers each train on their half (ShardedByS3Key) with DDP: on the first step each rank's
   * own gradient differs, and the gradient DDP left on both is the same, their mean (it was
   * all-reduced); the model (read back from model.tar.gz, scored here on the held-out fifth) is as
   * accurate as one worker's on all rows within 1 point.
   */
  @Test
  void ddpOverTwoWorkersAllReducesGradientsAndMatchesOneWorker() {
    String source = source("src/ddp/sourcedir.tar.gz", "ddp_digits.py");
    String two = "script-ddp-2";
    Map<String, String> hp = hyperparameters(two, source, "ddp_digits.py");
    hp.put("sagemaker_torch_distributed_enabled", "true");
    hp.put("epochs", "60");
    long started = System.nanoTime();
    JobResult r2 = ScriptJobs.run(ScriptJobs.request(two, hp, digits("ShardedByS3Key"), 2, ENVIRONMENT), two + ".json");
    System.out.printf("script-ddp-2: %.1f s%n", (System.nanoTime() - started) / 1e9);
    assertThat(r2.failureReason()).isNull();
    assertThat(r2.status()).isEqualTo(TrainingJobStatus.Completed);
    List<JsonNode> steps = lines(two, "KILN-DDP ");
    steps.sort(Comparator.comparingInt(n -> n.get("rank").asInt()));
    assertThat(steps).hasSize(2);
    JsonNode a = steps.get(0);
    JsonNode b = steps.get(1);
    assertThat(a.get("world").asInt()).isEqualTo(2);
    assertThat(a.get("rows").asInt()).isEqualTo(718);
    assertThat(b.get("rows").asInt()).isEqualTo(718);
    assertThat(a.get("data_checksum").asDouble()).isNotEqualTo(b.get("data_checksum").asDouble());
    assertThat(a.get("local_grad").asDouble()).isNotCloseTo(b.get("local_grad").asDouble(), within(1e-3));
    assertThat(a.get("reduced_grad").asDouble()).isCloseTo(b.get("reduced_grad").asDouble(), within(1e-9));
    assertThat(a.get("reduced_grad").asDouble()).isNotCloseTo(a.get("local_grad").asDouble(), within(1e-3));
    assertThat(ScriptJobs.log(two)).contains("Distributed launch (torch_distributed): torch DDP, one process per "
        + "worker");

    String one = "script-ddp-1";
    Map<String, String> hp1 = hyperparameters(one, source, "ddp_digits.py");
    hp1.put("epochs", "60");
    started = System.nanoTime();
    JobResult r1 = ScriptJobs.run(ScriptJobs.request(one, hp1, digits("FullyReplicated"), 1, ENVIRONMENT),
        one + ".json");
    System.out.printf("script-ddp-1: %.1f s%n", (System.nanoTime() - started) / 1e9);
    assertThat(r1.status()).isEqualTo(TrainingJobStatus.Completed);
    JsonNode alone = lines(one, "KILN-DDP ").get(0);
    assertThat(alone.get("rows").asInt()).isEqualTo(1436);
    // one worker's gradient on all rows is the mean of the two halves' (equal halves): what DDP gave both
    assertThat(a.get("reduced_grad").asDouble()).isCloseTo(alone.get("local_grad").asDouble(), within(1e-6));

    double accuracy2 = accuracy(r2.modelArtifacts());
    double accuracy1 = accuracy(r1.modelArtifacts());
    System.out.printf("digits held-out accuracy: 2 workers %.4f, 1 worker %.4f%n", accuracy2, accuracy1);
    assertThat(accuracy1).isGreaterThan(0.9);
    assertThat(accuracy2).isCloseTo(accuracy1, within(0.01));
  }

  /**
   * Two pipeline stages over send/recv: each rank holds only its layer (64·32+32 = 2080 and
   * 32·10+10 = 330 parameters), and the loss rank 1 computes falls.
   */
  @Test
  void pipelineParallelOverTwoWorkersSendsActivationsAndGradients() {
    String name = "script-pipeline";
    String source = source("src/pipeline/sourcedir.tar.gz", "pipeline_digits.py");
    Map<String, String> hp = hyperparameters(name, source, "pipeline_digits.py");
    hp.put("epochs", "40");
    long started = System.nanoTime();
    JobResult r = ScriptJobs.run(ScriptJobs.request(name, hp, digits("FullyReplicated"), 2, ENVIRONMENT),
        name + ".json");
    System.out.printf("script-pipeline: %.1f s%n", (System.nanoTime() - started) / 1e9);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    Map<Integer, Integer> params = new java.util.TreeMap<>();
    List<Double> losses = new ArrayList<>();
    for (JsonNode n : lines(name, "KILN-PIPE ")) {
      if (n.has("params")) {
        params.put(n.get("rank").asInt(), n.get("params").asInt());
      } else {
        assertThat(n.get("rank").asInt()).isEqualTo(1);
        losses.add(n.get("loss").asDouble());
      }
    }
    assertThat(params).isEqualTo(Map.of(0, 2080, 1, 330));
    assertThat(losses).hasSize(40);
    System.out.printf("pipeline loss: first %.4f, last %.4f%n", losses.get(0), losses.get(39));
    assertThat(losses.get(39)).isLessThan(losses.get(0) * 0.5);
    assertThat(ScriptJobs.untar(r.modelArtifacts())).containsOnlyKeys("stage0.pt");
  }

  /**
   * A standard-library probe: TF_CONFIG for multi_worker_mirrored_strategy; Horovod's Gloo variables
   * for mpi, and the Gloo store's round trip against the driver's store (each worker PUTs its key
   * and reads the other's); parameter_server over two workers refused.
   */
  @Test
  void tfConfigAndHorovodVariablesAndTheDriversRendezvousStore() {
    String source = source("src/launch-probe/sourcedir.tar.gz", "launch_probe.py");
    String tf = "script-tf-config";
    Map<String, String> hp = hyperparameters(tf, source, "launch_probe.py");
    hp.put("sagemaker_multi_worker_mirrored_strategy_enabled", "true");
    JobResult r = ScriptJobs.run(ScriptJobs.request(tf, hp, digits("FullyReplicated"), 2, ENVIRONMENT), tf + ".json");
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    List<JsonNode> probes = byRank(lines(tf, "KILN-LAUNCH "));
    JsonNode c0 = ScriptJobs.json(probes.get(0).at("/env/TF_CONFIG").asText());
    JsonNode c1 = ScriptJobs.json(probes.get(1).at("/env/TF_CONFIG").asText());
    assertThat(c0.at("/cluster/worker")).isEqualTo(c1.at("/cluster/worker"));
    assertThat(c0.at("/cluster/worker/0").asText()).startsWith("127.0.0.1:");
    assertThat(c0.at("/cluster/worker/1").asText()).startsWith("127.0.0.2:");
    assertThat(c0.at("/cluster/worker/0").asText()).isEqualTo("127.0.0.1:" + probes.get(0).at("/env/MASTER_PORT")
        .asText());
    assertThat(c0.at("/task").toString()).isEqualTo("{\"index\":0,\"type\":\"worker\"}");
    assertThat(c1.at("/task").toString()).isEqualTo("{\"index\":1,\"type\":\"worker\"}");
    assertThat(c0.get("environment").asText()).isEqualTo("cloud");
    assertThat(probes.get(0).at("/env").has("HOROVOD_RANK")).isFalse();

    String hvd = "script-horovod";
    hp = hyperparameters(hvd, source, "launch_probe.py");
    hp.put("sagemaker_mpi_enabled", "true");
    hp.put("sagemaker_mpi_num_of_processes_per_host", "1");
    r = ScriptJobs.run(ScriptJobs.request(hvd, hp, digits("FullyReplicated"), 2, ENVIRONMENT), hvd + ".json");
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    probes = byRank(lines(hvd, "KILN-LAUNCH "));
    for (int rank = 0; rank < 2; rank++) {
      JsonNode env = probes.get(rank).get("env");
      assertThat(env.get("HOROVOD_RANK").asText()).isEqualTo(String.valueOf(rank));
      assertThat(env.get("HOROVOD_SIZE").asText()).isEqualTo("2");
      assertThat(env.get("HOROVOD_HOSTNAME").asText()).isEqualTo("127.0.0." + (rank + 1));
      assertThat(env.get("HOROVOD_LOCAL_RANK").asText()).isEqualTo("0");
      assertThat(env.get("HOROVOD_LOCAL_SIZE").asText()).isEqualTo("1");
      assertThat(env.get("HOROVOD_CROSS_RANK").asText()).isEqualTo(String.valueOf(rank));
      assertThat(env.get("HOROVOD_CROSS_SIZE").asText()).isEqualTo("2");
      assertThat(env.get("HOROVOD_CONTROLLER").asText()).isEqualTo("gloo");
      assertThat(env.get("HOROVOD_CPU_OPERATIONS").asText()).isEqualTo("gloo");
      assertThat(env.get("HOROVOD_GLOO_IFACE").asText()).isEqualTo("lo");
      assertThat(env.get("HOROVOD_GLOO_RENDEZVOUS_ADDR").asText()).isEqualTo("127.0.0.1");
      assertThat(env.get("RANK").asText()).isEqualTo(String.valueOf(rank));
      JsonNode store = probes.get(rank).get("horovod_store");
      assertThat(store.get("put").asInt()).isEqualTo(200);
      assertThat(store.get("values").toString()).isEqualTo("{\"0\":\"hello from 0\",\"1\":\"hello from 1\"}");
      assertThat(store.get("missing").asInt()).isEqualTo(404);
      assertThat(store.get("bad").asInt()).isEqualTo(400);
    }
    assertThat(ScriptJobs.log(hvd)).contains("Distributed launch (mpi): Horovod over Gloo, one process per worker, "
        + "rendezvous store on the driver at 127.0.0.1:");

    // a parameter server over two workers cannot run: the job fails as the user's error before any worker starts
    String ps = "script-parameter-server";
    hp = hyperparameters(ps, source, "launch_probe.py");
    hp.put("sagemaker_parameter_server_enabled", "true");
    r = ScriptJobs.run(ScriptJobs.request(ps, hp, digits("FullyReplicated"), 2, ENVIRONMENT), ps + ".json");
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).startsWith("ClientError: Hyperparameter sagemaker_parameter_server_enabled is true");
    assertThat(ScriptJobs.log(ps)).doesNotContain("KILN-LAUNCH");
  }

  /** Two processes per worker, torchrun-style: four ranks, each with its RANK and LOCAL_RANK. */
  @Test
  void processesPerHostEachGetTheirRank() {
    String name = "script-per-host";
    String source = source("src/per-host/sourcedir.tar.gz", "launch_probe.py");
    Map<String, String> hp = hyperparameters(name, source, "launch_probe.py");
    hp.put("sagemaker_torch_distributed_enabled", "true");
    hp.put("sagemaker_mpi_num_of_processes_per_host", "2");
    long started = System.nanoTime();
    JobResult r = ScriptJobs.run(ScriptJobs.request(name, hp, digits("FullyReplicated"), 2, ENVIRONMENT),
        name + ".json");
    System.out.printf("script-per-host: %.1f s%n", (System.nanoTime() - started) / 1e9);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    List<JsonNode> probes = byRank(lines(name, "KILN-LAUNCH "));
    assertThat(probes).hasSize(4);
    for (int rank = 0; rank < 4; rank++) {
      JsonNode env = probes.get(rank).get("env");
      assertThat(env.get("WORLD_SIZE").asText()).isEqualTo("4");
      assertThat(env.get("LOCAL_RANK").asText()).isEqualTo(String.valueOf(rank % 2));
      assertThat(env.get("LOCAL_WORLD_SIZE").asText()).isEqualTo("2");
      assertThat(env.get("GROUP_RANK").asText()).isEqualTo(String.valueOf(rank / 2));
      assertThat(env.get("SM_CURRENT_HOST").asText()).isEqualTo("127.0.0." + (rank / 2 + 1));
      assertThat(env.get("MASTER_ADDR").asText()).isEqualTo("127.0.0.1");
      assertThat(env.get("RANK").asText()).isEqualTo(String.valueOf(rank));
    }
    assertThat(probes.stream().map(p -> p.get("pid").asLong()).distinct().count()).isEqualTo(4);
    assertThat(ScriptJobs.log(name)).contains("[127.0.0.2/1] KILN-LAUNCH ", "torch DDP, 2 processes per worker");
  }

  /** One of a worker's two processes fails: the job fails with its error at once, the sleeping ones are ended. */
  @Test
  void aFailingLocalProcessEndsTheOthers() {
    String name = "script-local-fails";
    String source = source("src/local-fails/sourcedir.tar.gz", "launch_probe.py");
    Map<String, String> hp = hyperparameters(name, source, "launch_probe.py");
    hp.put("sagemaker_pytorch_ddp_enabled", "true");
    hp.put("sagemaker_mpi_num_of_processes_per_host", "2");
    long started = System.nanoTime();
    JobResult r = ScriptJobs.run(ScriptJobs.request(name, hp, digits("FullyReplicated"), 1,
        Map.of("PATH", "/usr/bin:/bin", "PROBE_FAIL_LOCAL_RANK", "1")), name + ".json");
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf("script-local-fails: %.1f s%n", seconds);
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).startsWith("AlgorithmError: ExecuteUserScriptError: ExitCode 1, ErrorMessage "
        + "\"local rank 1 fails\"");
    assertThat(seconds).isLessThan(60); // the other process sleeps 120 s
    List<JsonNode> probes = lines(name, "KILN-LAUNCH ");
    assertThat(probes).hasSize(2);
    for (JsonNode p : probes) {
      assertThat(ProcessHandle.of(p.get("pid").asLong()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }
  }

  /** Every report with a marker in a job's log, parsed. */
  private static List<JsonNode> lines(String job, String marker) {
    List<JsonNode> out = new ArrayList<>();
    for (String line : ScriptJobs.log(job).split("\n")) {
      int at = line.indexOf(marker);
      if (at >= 0) {
        out.add(ScriptJobs.json(line.substring(at + marker.length())));
      }
    }
    return out;
  }

  private static List<JsonNode> byRank(List<JsonNode> probes) {
    List<JsonNode> out = new ArrayList<>(probes);
    out.sort(Comparator.comparingInt(p -> Integer.parseInt(p.at("/env/RANK").asText())));
    return out;
  }

  /** The held-out accuracy of the softmax regression in a model.tar.gz's weights.json. */
  private static double accuracy(String modelArtifacts) {
    JsonNode m = ScriptJobs.json(new String(ScriptJobs.untar(modelArtifacts).get("weights.json"),
        StandardCharsets.UTF_8));
    double scale = m.get("scale").asDouble();
    int correct = 0;
    for (String row : test) {
      String[] v = row.split(",");
      int best = -1;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < 10; k++) {
        double s = m.at("/bias/" + k).asDouble();
        JsonNode w = m.at("/weight/" + k);
        for (int j = 1; j < v.length; j++) {
          s += w.get(j - 1).asDouble() * Double.parseDouble(v[j]) / scale;
        }
        if (s > bestScore) {
          bestScore = s;
          best = k;
        }
      }
      correct += best == (int) Double.parseDouble(v[0]) ? 1 : 0;
    }
    return correct / (double) test.size();
  }
}
