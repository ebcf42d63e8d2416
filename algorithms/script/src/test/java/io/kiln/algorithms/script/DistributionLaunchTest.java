package io.kiln.algorithms.script;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.Rendezvous;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The distribution flags' rules and the variables each worker gets, without Spark (the jobs that
 * run them are in {@link DistributedLaunchTest}); the driver's Horovod store over real HTTP.
 */
class DistributionLaunchTest {
  private static final Rendezvous TWO = new Rendezvous(1, List.of(new Rendezvous.Peer(0, "10.0.0.1", 4100),
      new Rendezvous.Peer(1, "10.0.0.2", 4200)));
  private static final List<String> HOSTS = List.of("10.0.0.1", "10.0.0.2");

  @Test
  void everyJobGetsTorchsVariablesForOneProcessPerWorker() {
    List<DistributionLaunch.Process> p = DistributionLaunch.of(Map.of()).forWorker(HOSTS, TWO, 0, "eth0");
    assertThat(p).hasSize(1);
    assertThat(p.get(0).label()).isEqualTo("10.0.0.2");
    assertThat(p.get(0).environment()).containsEntry("MASTER_ADDR", "10.0.0.1").containsEntry("MASTER_PORT", "4100")
        .containsEntry("WORLD_SIZE", "2").containsEntry("RANK", "1").containsEntry("LOCAL_RANK", "0")
        .containsEntry("LOCAL_WORLD_SIZE", "1").containsEntry("GROUP_RANK", "1").containsEntry("NODE_RANK", "1")
        .doesNotContainKeys("TF_CONFIG", "HOROVOD_RANK");
  }

  @Test
  void processesPerHostGetTheirRanksAsTorchrunGivesThem() {
    List<DistributionLaunch.Process> p = DistributionLaunch.of(Map.of(DistributionLaunch.TORCH_DISTRIBUTED, "true",
        DistributionLaunch.PROCESSES_PER_HOST, "2")).forWorker(HOSTS, TWO, 0, "eth0");
    assertThat(p).hasSize(2);
    assertThat(p.get(1).label()).isEqualTo("10.0.0.2/1");
    assertThat(p.get(1).environment()).containsEntry("RANK", "3").containsEntry("WORLD_SIZE", "4")
        .containsEntry("LOCAL_RANK", "1").containsEntry("LOCAL_WORLD_SIZE", "2").containsEntry("GROUP_RANK", "1")
        .containsEntry("GROUP_WORLD_SIZE", "2").containsEntry("MASTER_PORT", "4100");
    // without a distribution, and for TensorFlow's, one process whatever the setting (the toolkit's ProcessRunner)
    assertThat(DistributionLaunch.of(Map.of(DistributionLaunch.PROCESSES_PER_HOST, "2")).forWorker(HOSTS, TWO, 4,
        "eth0")).hasSize(1);
    assertThat(DistributionLaunch.of(Map.of(DistributionLaunch.MWMS, "true", DistributionLaunch.PROCESSES_PER_HOST,
        "2")).forWorker(HOSTS, TWO, 0, "eth0")).hasSize(1);
    // the default is the task's GPUs
    assertThat(DistributionLaunch.of(Map.of(DistributionLaunch.PYTORCH_DDP, "true")).forWorker(HOSTS, TWO, 4, "eth0"))
        .hasSize(4);
    // Horovod: one slot per process
    DistributionLaunch mpi = DistributionLaunch.of(Map.of(DistributionLaunch.MPI, "true",
        DistributionLaunch.PROCESSES_PER_HOST, "2")).withHorovodStore("10.0.0.9", 5000);
    assertThat(mpi.forWorker(HOSTS, TWO, 0, "eth0").get(0).environment()).containsEntry("HOROVOD_RANK", "2")
        .containsEntry("HOROVOD_SIZE", "4").containsEntry("HOROVOD_LOCAL_RANK", "0")
        .containsEntry("HOROVOD_LOCAL_SIZE", "2").containsEntry("HOROVOD_CROSS_RANK", "1")
        .containsEntry("HOROVOD_CROSS_SIZE", "2");
  }

  @Test
  void tfConfigIsTheToolkitsJsonWithEachWorkersPort() {
    List<DistributionLaunch.Process> p = DistributionLaunch.of(Map.of(DistributionLaunch.MWMS, "true"))
        .forWorker(HOSTS, TWO, 0, "eth0");
    assertThat(p.get(0).environment().get("TF_CONFIG")).isEqualTo("{\"cluster\": {\"worker\": [\"10.0.0.1:4100\", "
        + "\"10.0.0.2:4200\"]}, \"environment\": \"cloud\", \"task\": {\"index\": 1, \"type\": \"worker\"}}");
  }

  @Test
  void horovodsLocalAndCrossRanksFollowTheHostNames() {
    DistributionLaunch mpi = DistributionLaunch.of(Map.of(DistributionLaunch.MPI, "true")).withHorovodStore("10.0.0.9",
        5000);
    // workers 0 and 1 share host a, worker 2 is alone on b
    List<String> hosts = List.of("a", "a", "b");
    Map<String, String> w1 = mpi.horovod(hosts, 1, "eth0");
    assertThat(w1).containsEntry("HOROVOD_RANK", "1").containsEntry("HOROVOD_SIZE", "3")
        .containsEntry("HOROVOD_LOCAL_RANK", "1").containsEntry("HOROVOD_LOCAL_SIZE", "2")
        .containsEntry("HOROVOD_CROSS_RANK", "0").containsEntry("HOROVOD_CROSS_SIZE", "1")
        .containsEntry("HOROVOD_HOSTNAME", "a").containsEntry("HOROVOD_GLOO_RENDEZVOUS_ADDR", "10.0.0.9")
        .containsEntry("HOROVOD_GLOO_RENDEZVOUS_PORT", "5000").containsEntry("HOROVOD_CONTROLLER", "gloo")
        .containsEntry("HOROVOD_CPU_OPERATIONS", "gloo").containsEntry("HOROVOD_GLOO_IFACE", "eth0");
    Map<String, String> w2 = mpi.horovod(hosts, 2, "eth0");
    assertThat(w2).containsEntry("HOROVOD_LOCAL_RANK", "0").containsEntry("HOROVOD_LOCAL_SIZE", "1")
        .containsEntry("HOROVOD_CROSS_RANK", "1").containsEntry("HOROVOD_CROSS_SIZE", "2");
  }

  @Test
  void whatCannotRunIsRefusedNamingTheAlternative() {
    assertThat(refusal(Map.of(DistributionLaunch.MPI, "true", DistributionLaunch.TORCH_DISTRIBUTED, "true")))
        .isEqualTo("Hyperparameters sagemaker_mpi_enabled and sagemaker_torch_distributed_enabled are all true; an "
            + "estimator has one distribution: keep one of them true");
    assertThat(refusal(Map.of(DistributionLaunch.PROCESSES_PER_HOST, "0"))).isEqualTo("Hyperparameter "
        + "sagemaker_mpi_num_of_processes_per_host (the distribution's processes_per_host) is '0'; give an integer "
        + "from 1 to 64");
    assertThat(refusal(Map.of(DistributionLaunch.PROCESSES_PER_HOST, "\"two\""))).contains("is '\"two\"'");
    DistributionLaunch ps = DistributionLaunch.of(Map.of(DistributionLaunch.PARAMETER_SERVER, "true"));
    ps.check(1); // one worker: a plain run, as the TensorFlow toolkit does
    KilnException e = catchThrowableOfType(() -> ps.check(2), KilnException.class);
    assertThat(e.type()).isEqualTo(ErrorType.USER);
    assertThat(e).hasMessageContaining("use multi_worker_mirrored_strategy (sagemaker_multi_worker_mirrored_"
        + "strategy_enabled), for which Kiln sets TF_CONFIG");
    assertThat(DistributionLaunch.of(Map.of(DistributionLaunch.SMDDP, "true")).notice(2))
        .contains("running the script as torch DistributedDataParallel instead");
    assertThat(DistributionLaunch.of(Map.of(DistributionLaunch.MPI, "false")).flag()).isNull();
    // a value that is neither true nor false would silently run without the distribution
    assertThat(refusal(Map.of(DistributionLaunch.TORCH_DISTRIBUTED, "yes"))).isEqualTo("Hyperparameter "
        + "sagemaker_torch_distributed_enabled is 'yes'; give true or false (the SageMaker SDK writes the "
        + "estimator's distribution torch_distributed as true)");
    assertThat(DistributionLaunch.of(Map.of(DistributionLaunch.TORCH_DISTRIBUTED, "True")).flag())
        .isEqualTo(DistributionLaunch.TORCH_DISTRIBUTED);
  }

  @Test
  void theHorovodStoreSpeaksHorovodsHttpProtocol() throws Exception {
    try (HorovodRendezvousServer store = HorovodRendezvousServer.start("127.0.0.1", 2)) {
      String base = "http://127.0.0.1:" + store.port();
      assertThat(call("GET", base + "/global/rank_0", null)).isEqualTo("404 ");
      assertThat(call("PUT", base + "/global/rank_0", "abc")).isEqualTo("200 ");
      assertThat(call("PUT", base + "/global/rank_1", "def")).isEqualTo("200 ");
      assertThat(call("GET", base + "/global/rank_0", null)).isEqualTo("200 abc");
      assertThat(call("GET", base + "/onlyscope", null)).isEqualTo("400 ");
      // global is cleared once every rank has finished (DELETE /global/<rank>)
      assertThat(call("DELETE", base + "/global/0", null)).isEqualTo("200 ");
      assertThat(call("GET", base + "/global/rank_1", null)).isEqualTo("200 def");
      assertThat(call("DELETE", base + "/global/1", null)).isEqualTo("200 ");
      assertThat(call("GET", base + "/global/rank_1", null)).isEqualTo("404 ");
      // another scope: DELETE removes the key
      assertThat(call("PUT", base + "/runfunc/result_0", "x")).isEqualTo("200 ");
      assertThat(call("DELETE", base + "/runfunc/result_0", null)).isEqualTo("200 ");
      assertThat(call("GET", base + "/runfunc/result_0", null)).isEqualTo("404 ");
      assertThat(call("PUT", base + "/global/big", "x".repeat(HorovodRendezvousServer.MAX_VALUE + 1)))
          .isEqualTo("413 ");
    }
  }

  private static String refusal(Map<String, String> hyperparameters) {
    KilnException e = catchThrowableOfType(() -> DistributionLaunch.of(hyperparameters), KilnException.class);
    assertThat(e.type()).isEqualTo(ErrorType.USER);
    return e.getMessage();
  }

  private static String call(String method, String url, String body) throws Exception {
    HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
    c.setRequestMethod(method);
    if (body != null) {
      c.setDoOutput(true);
      c.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
    }
    int status = c.getResponseCode();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
      if (in != null) {
        in.transferTo(out);
      }
    }
    return status + " " + out.toString(StandardCharsets.UTF_8);
  }
}
