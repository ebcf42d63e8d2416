package io.kiln.algorithms.script;

import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import io.kiln.spi.Rendezvous;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How a script job's processes find each other: the distribution an estimator asked for (SageMaker's
 * {@code distribution} hyperparameters) turned into the variables and command each worker runs.
 *
 * <p>Every script job gets torch's rendezvous variables, as torchrun sets them for one process per
 * worker: {@code MASTER_ADDR} (rank 0's host, the script's {@code hosts[0]}), {@code MASTER_PORT} (a
 * port found free on it), {@code WORLD_SIZE}, {@code RANK}, {@code LOCAL_RANK} 0,
 * {@code LOCAL_WORLD_SIZE} 1, {@code GROUP_RANK} / {@code NODE_RANK} / {@code ROLE_RANK} (the
 * worker's rank), {@code ROLE_WORLD_SIZE}, {@code ROLE_NAME} {@code default}, so
 * {@code torch.distributed.init_process_group("gloo")} with its default {@code env://} works as is
 * (with P processes per worker: as torchrun sets them for P per node, below).
 * Then, by flag (names from SageMaker's PyTorch and TensorFlow training toolkits):
 * <ul>
 *   <li>{@code sagemaker_torch_distributed_enabled}, {@code sagemaker_pytorch_ddp_enabled}: torch DDP.
 *       With {@code sagemaker_mpi_num_of_processes_per_host} = P &gt; 1 (the toolkit's
 *       processes-per-host setting, read by every runner; default: the task's GPUs, else 1) each
 *       worker starts the script P times, torchrun-style (without a flag, and for TensorFlow's
 *       strategies, one process per worker whatever the setting, as the toolkit's ProcessRunner): each process gets its RANK and LOCAL_RANK
 *       ({@link #forWorker}). Kiln starts them itself rather than through torchrun as the toolkit's
 *       TorchDistributedRunner does: Debian's torch 1.13 torchrun fails under Python 3.11 (its
 *       {@code Std.from_str} finds no member for 0), and the worker then watches every process.
 *   <li>{@code sagemaker_distributed_dataparallel_enabled} (smdistributed.dataparallel, which needs
 *       SageMaker's GPU instances and its library): run as torch DDP, with a notice in the job log.
 *   <li>{@code sagemaker_multi_worker_mirrored_strategy_enabled}: {@code TF_CONFIG} as the TensorFlow
 *       toolkit writes it ({@code json.dumps} of {@code {"cluster": {"worker": [host:port…]},
 *       "environment": "cloud", "task": {"index": rank, "type": "worker"}}}), each worker's port its
 *       rendezvous port (the toolkit's fixed 8890 could be taken on a shared host).
 *   <li>{@code sagemaker_mpi_enabled}: Horovod over Gloo, one process per worker, with a rendezvous
 *       HTTP store on the driver ({@link HorovodRendezvousServer}) and the variables horovodrun's Gloo
 *       launcher sets ({@code HOROVOD_GLOO_RENDEZVOUS_ADDR/PORT}, {@code HOROVOD_CONTROLLER=gloo},
 *       {@code HOROVOD_CPU_OPERATIONS=gloo}, {@code HOROVOD_GLOO_IFACE}, {@code HOROVOD_RANK/SIZE/
 *       LOCAL_RANK/LOCAL_SIZE/CROSS_RANK/CROSS_SIZE}, {@code HOROVOD_HOSTNAME}), plus torch's; one
 *       process per slot (P per worker, as above), started by the worker (there is no mpirun).
 *   <li>{@code sagemaker_parameter_server_enabled} with more than one worker is refused: the toolkit
 *       starts a TensorFlow parameter server ({@code tf.distribute.Server}) beside the script, which
 *       Kiln does not; with one worker the toolkit ignores it, and so does Kiln.
 *   <li>{@code sagemaker_pytorch_xla_multi_worker_enabled} is refused: it needs XLA devices (SageMaker
 *       Training Compiler on GPU instances).
 * </ul>
 * More than one flag set to true is refused (the SDK allows one distribution per estimator).
 */
final class DistributionLaunch implements Serializable {
  private static final long serialVersionUID = 1L;
  static final String TORCH_DISTRIBUTED = "sagemaker_torch_distributed_enabled";
  static final String PYTORCH_DDP = "sagemaker_pytorch_ddp_enabled";
  static final String SMDDP = "sagemaker_distributed_dataparallel_enabled";
  static final String MWMS = "sagemaker_multi_worker_mirrored_strategy_enabled";
  static final String MPI = "sagemaker_mpi_enabled";
  static final String PARAMETER_SERVER = "sagemaker_parameter_server_enabled";
  static final String XLA = "sagemaker_pytorch_xla_multi_worker_enabled";
  /** The toolkit's processes-per-host setting (params.MPI_PROCESSES_PER_HOST), read by every runner. */
  static final String PROCESSES_PER_HOST = "sagemaker_mpi_num_of_processes_per_host";
  static final int MAX_PROCESSES_PER_HOST = 64;
  /** The SDK's distribution names, by flag, for messages. */
  static final Map<String, String> DISTRIBUTIONS = Map.of(
      MPI, "mpi",
      PARAMETER_SERVER, "parameter_server",
      SMDDP, "smdistributed dataparallel",
      PYTORCH_DDP, "pytorchddp",
      XLA, "pytorchxla",
      MWMS, "multi_worker_mirrored_strategy",
      TORCH_DISTRIBUTED, "torch_distributed");

  /** The flags whose runners start several processes per host. */
  private static final java.util.Set<String> MULTI_PROCESS = java.util.Set.of(TORCH_DISTRIBUTED, PYTORCH_DDP, SMDDP,
      MPI);

  /** The flag set to true, or null: plain processes (still with torch's variables). */
  private final String flag;
  /** The processes-per-host setting, or 0 when not given (then the task's GPUs, else 1). */
  private final int processesPerHost;
  /** Whether rank 0 runs a Rabit tracker and every process gets the DMLC variables ({@link DmlcTracker}). */
  private boolean dmlcTracker;
  /** The driver's Horovod rendezvous store (MPI jobs), set on the driver before the workers start. */
  private String horovodHost;
  private int horovodPort;

  private DistributionLaunch(String flag, int processesPerHost) {
    this.flag = flag;
    this.processesPerHost = processesPerHost;
  }

  /**
   * Reads the distribution flags and the processes-per-host setting from a job's hyperparameters
   * (JSON-encoded strings as the SDK sends them, or plain).
   *
   * @throws KilnException USER for pytorchxla, for more than one flag set to true, for a
   *     processes-per-host value that is not an integer from 1 to {@value #MAX_PROCESSES_PER_HOST};
   *     each naming the hyperparameter and the fix
   */
  /**
   * A distribution flag's value: the SDK's JSON {@code true} / {@code false}, or the words in any case
   * (Python's {@code True} in a request written by hand).
   *
   * @throws KilnException USER naming the hyperparameter for anything else ("yes", "1"), which would
   *     otherwise silently run without the distribution
   */
  static boolean flag(String key, String value) {
    com.fasterxml.jackson.databind.JsonNode v = PythonValues.decode(value);
    if (v.isBoolean()) {
      return v.asBoolean();
    }
    String word = v.isTextual() ? v.asText().trim() : "";
    if (word.equalsIgnoreCase("true") || word.equalsIgnoreCase("false")) {
      return word.equalsIgnoreCase("true");
    }
    throw KilnException.user("Hyperparameter " + key + " is '" + Messages.echo(value) + "'; give true or false (the "
        + "SageMaker SDK writes the estimator's distribution " + DISTRIBUTIONS.get(key) + " as true)");
  }

  static DistributionLaunch of(Map<String, String> hyperparameters) {
    List<String> on = new ArrayList<>();
    for (String key : new TreeMap<>(hyperparameters).keySet()) {
      if (DISTRIBUTIONS.containsKey(key) && flag(key, hyperparameters.get(key))) {
        on.add(key);
      }
    }
    if (on.size() > 1) {
      throw KilnException.user("Hyperparameters " + String.join(" and ", on) + " are all true; an estimator has one "
          + "distribution: keep one of them true");
    }
    String flag = on.isEmpty() ? null : on.get(0);
    if (XLA.equals(flag)) {
      throw KilnException.user("Hyperparameter " + XLA + " is true (the estimator's distribution pytorchxla), which "
          + "needs XLA devices (SageMaker Training Compiler on GPU instances) that Kiln's workers do not have; use "
          + "torch_distributed (" + TORCH_DISTRIBUTED + ") with the gloo or nccl backend instead");
    }
    int perHost = 0;
    String raw = hyperparameters.get(PROCESSES_PER_HOST);
    if (raw != null) {
      com.fasterxml.jackson.databind.JsonNode v = PythonValues.decode(raw);
      int n = v.isIntegralNumber() ? v.asInt() : -1;
      if (n < 1 || n > MAX_PROCESSES_PER_HOST || (v.isIntegralNumber() && !v.canConvertToInt())) {
        throw KilnException.user("Hyperparameter " + PROCESSES_PER_HOST + " (the distribution's processes_per_host) "
            + "is '" + Messages.echo(raw) + "'; give an integer from 1 to " + MAX_PROCESSES_PER_HOST);
      }
      perHost = n;
    }
    return new DistributionLaunch(flag, perHost);
  }

  /**
   * Checks what depends on the worker count, on the driver before any worker starts.
   *
   * @throws KilnException USER for the parameter-server distribution over more than one worker
   */
  void check(int workers) {
    if (PARAMETER_SERVER.equals(flag) && workers > 1) {
      throw KilnException.user("Hyperparameter " + PARAMETER_SERVER + " is true (the estimator's distribution "
          + "parameter_server): SageMaker's TensorFlow toolkit starts a TensorFlow parameter server "
          + "(tf.distribute.Server) beside the script on every host, which Kiln does not; use "
          + "multi_worker_mirrored_strategy (" + MWMS + "), for which Kiln sets TF_CONFIG");
    }
  }

  /** The flag set to true, or null. */
  String flag() {
    return flag;
  }

  /** True for an MPI job: Horovod over Gloo, whose rendezvous store the driver serves. */
  boolean horovod() {
    return MPI.equals(flag);
  }

  /**
   * Asks for a Rabit tracker on rank 0 and the DMLC variables in every process ({@link DmlcTracker}):
   * set on the driver for a multi-worker job on the sagemaker-xgboost image.
   */
  DistributionLaunch withDmlcTracker() {
    this.dmlcTracker = true;
    return this;
  }

  /** True when rank 0 runs a Rabit tracker for the job ({@link #withDmlcTracker}). */
  boolean dmlcTracker() {
    return dmlcTracker;
  }

  /** Records where the driver's Horovod rendezvous store listens (MPI jobs; before the workers start). */
  DistributionLaunch withHorovodStore(String host, int port) {
    this.horovodHost = host;
    this.horovodPort = port;
    return this;
  }

  /** One line for the job log saying how the workers' processes rendezvous. */
  String notice(int workers) {
    String torch = "torch variables MASTER_ADDR/MASTER_PORT (rank 0's host and a free port), WORLD_SIZE "
        + (workers * processesPerHost(0)) + (processesPerHost > 0 || !MULTI_PROCESS.contains(String.valueOf(flag))
            ? "" : " (times the task's GPUs, if any)") + ", RANK";
    if (dmlcTracker) {
      torch += "; DMLC_TRACKER_URI/DMLC_TRACKER_PORT (a Rabit tracker on rank 0's host, run with the script's "
          + "Python xgboost), DMLC_NUM_WORKER, DMLC_TASK_ID (= RANK), DMLC_ROLE=worker";
    }
    if (flag == null) {
      return "Distributed launch: " + perWorker() + "; " + torch;
    }
    String name = DISTRIBUTIONS.get(flag);
    return switch (flag) {
      case SMDDP -> "Distributed launch (" + name + "): SageMaker's smdistributed.dataparallel library needs its GPU "
          + "instances; running the script as torch DistributedDataParallel instead, with " + torch + " (use "
          + "init_process_group with backend gloo or nccl, not smddp)";
      case MWMS -> "Distributed launch (" + name + "): TF_CONFIG with every worker's host:port; also " + torch;
      case MPI -> "Distributed launch (" + name + "): Horovod over Gloo, " + perWorker() + ", rendezvous store on "
          + "the driver at " + horovodHost + ":" + horovodPort + " (no mpirun; " + "sagemaker_mpi_custom_mpi_options "
          + "are not used); also " + torch;
      case PARAMETER_SERVER -> "Distributed launch: " + PARAMETER_SERVER + " with one worker is a plain run, as in "
          + "SageMaker's TensorFlow toolkit; " + torch;
      default -> "Distributed launch (" + name + "): torch DDP, " + perWorker() + "; " + torch;
    };
  }

  private String perWorker() {
    int n = processesPerHost(0);
    return n > 1 ? n + " processes per worker" : "one process per worker";
  }

  /**
   * One process a worker starts and the variables added to its environment.
   *
   * @param localRank the process's rank on its worker, 0 to processes per host - 1
   * @param label how its lines are prefixed in the job log (the host; host/localRank when a worker
   *     runs more than one)
   */
  record Process(int localRank, String label, Map<String, String> environment) {}

  /**
   * The processes one worker starts and their rendezvous variables, as torchrun sets them for
   * {@code P} processes on each of {@code W} nodes: {@code RANK} = worker rank · P + local rank,
   * {@code WORLD_SIZE} = W · P, {@code LOCAL_RANK}, {@code LOCAL_WORLD_SIZE} P, {@code GROUP_RANK} the
   * worker's rank, {@code GROUP_WORLD_SIZE} W.
   *
   * @param hosts every worker's host by rank, as the script's {@code hosts}
   * @param rendezvous the workers' rendezvous (rank and a free port per worker)
   * @param gpus the GPUs Spark gave this task (the default processes per host when more than 0)
   * @param networkInterface the interface of this worker's host ({@code HOROVOD_GLOO_IFACE})
   */
  List<Process> forWorker(List<String> hosts, Rendezvous rendezvous, int gpus, String networkInterface) {
    int node = rendezvous.rank();
    int nodes = hosts.size();
    int perHost = processesPerHost(gpus);
    List<Process> out = new ArrayList<>();
    for (int local = 0; local < perHost; local++) {
      int rank = node * perHost + local;
      Map<String, String> env = new LinkedHashMap<>();
      env.put("MASTER_ADDR", hosts.get(0));
      env.put("MASTER_PORT", String.valueOf(rendezvous.master().port()));
      env.put("WORLD_SIZE", String.valueOf(nodes * perHost));
      env.put("RANK", String.valueOf(rank));
      env.put("LOCAL_RANK", String.valueOf(local));
      env.put("LOCAL_WORLD_SIZE", String.valueOf(perHost));
      env.put("GROUP_RANK", String.valueOf(node));
      env.put("GROUP_WORLD_SIZE", String.valueOf(nodes));
      env.put("ROLE_RANK", String.valueOf(rank));
      env.put("ROLE_WORLD_SIZE", String.valueOf(nodes * perHost));
      env.put("ROLE_NAME", "default");
      env.put("NODE_RANK", String.valueOf(node));
      if (MWMS.equals(flag)) {
        env.put("TF_CONFIG", tfConfig(hosts, rendezvous, node)); // one process per worker
      }
      if (horovod()) {
        env.putAll(horovod(slots(hosts, perHost), rank, networkInterface));
      }
      out.add(new Process(local, perHost > 1 ? hosts.get(node) + "/" + local : hosts.get(node), env));
    }
    return out;
  }

  /**
   * Processes per worker: for the runners that start several (torch_distributed, pytorchddp,
   * smdistributed, mpi) the setting, else the task's GPUs, else 1; for the others one, as the
   * toolkit's ProcessRunner starts one whatever the setting.
   */
  int processesPerHost(int gpus) {
    if (!MULTI_PROCESS.contains(flag == null ? "" : flag)) {
      return 1;
    }
    return processesPerHost > 0 ? processesPerHost : Math.max(1, gpus);
  }

  /** Each process's host name, by global rank ({@code perHost} per worker). */
  private static List<String> slots(List<String> hosts, int perHost) {
    List<String> slots = new ArrayList<>();
    for (String h : hosts) {
      for (int l = 0; l < perHost; l++) {
        slots.add(h);
      }
    }
    return slots;
  }

  /**
   * TF_CONFIG as the TensorFlow toolkit's {@code json.dumps} writes it (its separators, its key
   * order): every worker's host and rendezvous port, this worker's index.
   */
  static String tfConfig(List<String> hosts, Rendezvous rendezvous, int rank) {
    StringBuilder b = new StringBuilder("{\"cluster\": {\"worker\": [");
    for (int r = 0; r < hosts.size(); r++) {
      b.append(r == 0 ? "" : ", ").append(PythonValues.dumps(com.fasterxml.jackson.databind.node.TextNode
          .valueOf(hosts.get(r) + ":" + rendezvous.peers().get(r).port())));
    }
    return b.append("]}, \"environment\": \"cloud\", \"task\": {\"index\": ").append(rank)
        .append(", \"type\": \"worker\"}}").toString();
  }

  /**
   * Horovod's Gloo variables for one process, as horovodrun's Gloo launcher
   * ({@code horovod/runner/gloo_run.py}) sets them: local ranks among the processes on the same host
   * name, cross ranks among the processes with the same local rank.
   *
   * @param hosts each process's host name, by global rank
   */
  Map<String, String> horovod(List<String> hosts, int rank, String networkInterface) {
    if (horovodHost == null) {
      throw new IllegalStateException("the driver's Horovod rendezvous store was not started");
    }
    String host = hosts.get(rank);
    int localRank = localRank(hosts, rank);
    int localSize = (int) hosts.stream().filter(host::equals).count();
    int crossRank = 0;
    int crossSize = 0;
    for (int r = 0; r < hosts.size(); r++) {
      if (localRank(hosts, r) == localRank) {
        crossSize++;
        if (r < rank) {
          crossRank++;
        }
      }
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("HOROVOD_GLOO_RENDEZVOUS_ADDR", horovodHost);
    env.put("HOROVOD_GLOO_RENDEZVOUS_PORT", String.valueOf(horovodPort));
    env.put("HOROVOD_CONTROLLER", "gloo");
    env.put("HOROVOD_CPU_OPERATIONS", "gloo");
    env.put("HOROVOD_GLOO_IFACE", networkInterface);
    env.put("NCCL_SOCKET_IFNAME", networkInterface);
    env.put("HOROVOD_HOSTNAME", host);
    env.put("HOROVOD_RANK", String.valueOf(rank));
    env.put("HOROVOD_SIZE", String.valueOf(hosts.size()));
    env.put("HOROVOD_LOCAL_RANK", String.valueOf(localRank));
    env.put("HOROVOD_LOCAL_SIZE", String.valueOf(localSize));
    env.put("HOROVOD_CROSS_RANK", String.valueOf(crossRank));
    env.put("HOROVOD_CROSS_SIZE", String.valueOf(crossSize));
    return env;
  }

  /** A worker's rank among the workers of the same host name (Horovod's local rank). */
  static int localRank(List<String> hosts, int rank) {
    int n = 0;
    for (int r = 0; r < rank; r++) {
      if (hosts.get(r).equals(hosts.get(rank))) {
        n++;
      }
    }
    return n;
  }
}
