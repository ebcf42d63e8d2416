package io.kiln.algorithms.script;

import io.kiln.channel.ChannelDownload;
import io.kiln.spi.Directive;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import io.kiln.spi.Rendezvous;
import io.kiln.spi.ScriptSpec;
import io.kiln.spi.WorkerContext;
import io.kiln.spi.WorkerFunction;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One worker of a script job: lays out SageMaker's container tree under the task's root (the
 * runtime's per-task directory that already holds {@code model/}, {@code output/data/} and
 * {@code output/failure}), fills {@code input/data/<channel>/} with the worker's share (File mode),
 * writes {@code input/config/*.json}, then runs the user's entry point with the toolkit's variables
 * and arguments, streaming the lines it prints to the job log prefixed by its host, in batches
 * ({@link ScriptOutput}).
 *
 * <p>Exit code 0 returns 0 and rank 0's {@code model/} and {@code output/data/} become the job's
 * archives. Any other exit code fails the job as an AlgorithmError: with the script's
 * {@code output/failure} text as FailureReason when it wrote one (the runtime reads it), else
 * {@code ExecuteUserScriptError: ExitCode n, ErrorMessage "<its last stderr line>", Command "..."}, the
 * toolkit's error on one line. A missing interpreter or entry point is a ClientError naming it.
 *
 * <p>While the script runs the worker asks the driver every second whether to stop
 * ({@link WorkerContext#poll()}); a stop request (kiln stop, MaxRuntimeInSeconds, a spot stop) sends
 * SIGTERM to the script and its child processes and SIGKILL after the grace period
 * ({@value ScriptAlgorithm#STOP_GRACE_KEY}, 120 s as SageMaker); the job then ends Stopped with what
 * rank 0 left in {@code model/}. A task Spark cancels (a peer's script failed) does the same with a
 * {@value #CANCEL_GRACE_SECONDS} s grace. With a checkpoint location, {@link CheckpointSync} restores
 * {@code checkpoints/} before the script starts, uploads new and changed files while it runs and
 * syncs once more when it exits.
 */
final class ScriptWorker implements WorkerFunction<Integer> {
  private static final long serialVersionUID = 1L;
  /**
   * How long the worker waits, after the script exits, for the rest of its output: a process it
   * started and the worker never saw (born in the last poll interval) may hold the pipes open.
   */
  private static final long PIPE_DRAIN_MILLIS = 10_000;
  /** How often the worker asks the driver whether to stop while the script runs. */
  private static final long POLL_MILLIS = 1000;
  /** The task's virtual environment for a source's requirements.txt, under the task's root. */
  static final String VENV = "kiln-venv";
  /** Python's message for an import that finds no module (the script's last stderr line). */
  private static final Pattern MISSING_MODULE = Pattern.compile("^ModuleNotFoundError: No module named '([^']+)'");
  /**
   * After Spark cancels the task (a peer's script failed, the job ended): how long the script has
   * between SIGTERM and SIGKILL. Well inside the 30 s after which Spark's task reaper ends an
   * executor whose cancelled task still runs ({@code spark.task.reaper.killTimeout}).
   */
  static final int CANCEL_GRACE_SECONDS = 10;

  private final String jobName;
  private final Map<String, String> hyperparameters;
  private final ScriptSpec script;
  private final SourceCode source;
  private final LinkedHashMap<String, ContainerContract.ChannelConfig> channels;
  private final Map<String, Boolean> gzip;
  private final Map<String, String> credentials;
  private final int stopGraceSeconds;
  /** The job's checkpoint location, or null when it has none ({@link #checkpoints(CheckpointSync.Plan)}). */
  private CheckpointSync.Plan checkpoints;
  /** How the workers' processes rendezvous (torch's variables by default). */
  private DistributionLaunch launch = DistributionLaunch.of(Map.of());

  /**
   * @param hyperparameters every hyperparameter, the SDK's {@code sagemaker_*} ones included
   * @param channels each channel's {@code inputdataconfig.json} entry, in the job's order
   * @param gzip whether each channel's objects are gzip (their local files are decompressed)
   * @param credentials the standard AWS_* variables for the script (from the job's s3a settings)
   * @param stopGraceSeconds after a stop request's SIGTERM, how long the script may take before SIGKILL
   */
  ScriptWorker(String jobName, Map<String, String> hyperparameters, ScriptSpec script, SourceCode source,
      Map<String, ContainerContract.ChannelConfig> channels, Map<String, Boolean> gzip, Map<String, String> credentials,
      int stopGraceSeconds) {
    this.jobName = jobName;
    this.hyperparameters = new LinkedHashMap<>(hyperparameters);
    this.script = script;
    this.source = source;
    this.channels = new LinkedHashMap<>(channels);
    this.gzip = new LinkedHashMap<>(gzip);
    this.credentials = new LinkedHashMap<>(credentials);
    this.stopGraceSeconds = stopGraceSeconds;
  }

  /** Syncs the worker's checkpoint directory with the job's location ({@link CheckpointSync}); null: none. */
  ScriptWorker checkpoints(CheckpointSync.Plan plan) {
    this.checkpoints = plan;
    return this;
  }

  /** Sets how the workers' processes rendezvous (the job's distribution); returns this worker. */
  ScriptWorker withLaunch(DistributionLaunch launch) {
    this.launch = launch;
    return this;
  }

  /** SageMaker's {@code /opt/ml} to use when this task may ({@link OptMl}); null: never. */
  private String optMl = OptMl.DEFAULT;

  /** This worker with another directory as SageMaker's {@code /opt/ml} (null: the per-task root always). */
  ScriptWorker optMl(String directory) {
    this.optMl = directory;
    return this;
  }

  @Override
  public Integer run(WorkerContext ctx) throws Exception {
    Path taskRoot = ctx.modelDirectory().getParent();
    Rendezvous rendezvous = ctx.rendezvous(); // collective (about a second): once per task
    String me = rendezvous.peers().get(ctx.rank()).host();
    boolean alone = rendezvous.peers().stream().filter(p -> p.host().equals(me)).count() == 1;
    java.util.Optional<OptMl> claim = OptMl.claim(optMl == null ? null : Path.of(optMl), taskRoot, alone);
    try {
      return run(ctx, claim.map(OptMl::root).orElse(taskRoot), rendezvous);
    } finally {
      claim.ifPresent(OptMl::close);
    }
  }

  private Integer run(WorkerContext ctx, Path root, Rendezvous rendezvous) throws Exception {
    List<String> hosts = hostNames(rendezvous);
    String host = hosts.get(ctx.rank());
    String path = ctx.environment().containsKey("PATH") ? ctx.environment().get("PATH") : System.getenv("PATH");
    ContainerContract contract = new ContainerContract(jobName, hyperparameters, hosts, ctx.rank(),
        interfaceName(host), channels, root, ctx.threads(), ctx.gpus().size(), script.entryPoint(), source.uri());
    for (Path dir : List.of(contract.configDir(), contract.modelDir(), contract.outputDataDir(),
        contract.intermediateDir(), contract.checkpointDir(), contract.codeDir())) {
      Files.createDirectories(dir);
    }
    source.writeTo(contract.codeDir());
    // before any download: a missing interpreter or entry point fails at once
    List<String> command = EntryPoint.command(script, path, host, contract.codeDir(), source.uri(),
        contract.userArgs());
    PipeChannels pipes = new PipeChannels(); // Pipe mode's FIFO writers, ended when the script has exited
    try {
      for (Map.Entry<String, ContainerContract.ChannelConfig> c : channels.entrySet()) {
        download(ctx, c.getKey(), c.getValue(), contract, pipes);
      }
      return runScript(ctx, contract, command, host, hosts, rendezvous);
    } finally {
      pipes.close();
    }
  }

  private int runScript(WorkerContext ctx, ContainerContract contract, List<String> command, String host,
      List<String> hosts, Rendezvous rendezvous) throws Exception {
    Files.writeString(contract.configDir().resolve("hyperparameters.json"), contract.hyperparametersJson());
    Files.writeString(contract.configDir().resolve("resourceconfig.json"), PythonValues.dumps(contract.resourceConfig()));
    Files.writeString(contract.configDir().resolve("inputdataconfig.json"),
        PythonValues.dumps(contract.inputDataConfig()));

    Map<String, String> env = new LinkedHashMap<>(System.getenv());
    env.putAll(credentials);
    env.putAll(ctx.environment());
    env.putAll(contract.environment(firstNonBlank(env.get("AWS_REGION"), env.get("AWS_DEFAULT_REGION"))));
    Path root = contract.codeDir().getParent();
    // a Python entry point runs in the task's environment when the source has a requirements.txt
    String python = Requirements.install(command.get(0), contract.codeDir(), root.resolve(VENV), env, host,
        line -> ctx.log("[" + host + "] " + line), () -> ctx.poll() == Directive.STOP);
    // a distributed XGBoost job: rank 0 starts a Rabit tracker, every worker learns its address (collective)
    DmlcTracker tracker = launch.dmlcTracker() ? DmlcTracker.join(ctx, trackerPython(python, env.get("PATH"), host),
        hosts, hosts.size() * launch.processesPerHost(ctx.gpus().size()), line -> ctx.log("[" + host + "] " + line))
        : null;
    try {
      return runProcesses(ctx, contract, command, host, hosts, rendezvous, env, python, tracker);
    } finally {
      if (tracker != null) {
        tracker.close(); // the tracker ends with rank 0's task, however it ends
      }
    }
  }

  /** A Python for the Rabit tracker: the script's own, else (a Java or shell entry point) python3 on PATH. */
  private String trackerPython(String python, String path, String host) {
    String name = Path.of(python).getFileName().toString();
    return script.javaClass().isEmpty() && name.startsWith("python") ? python
        : resolveInterpreter("python3", path, host);
  }

  private int runProcesses(WorkerContext ctx, ContainerContract contract, List<String> command, String host,
      List<String> hosts, Rendezvous rendezvous, Map<String, String> env, String python, DmlcTracker tracker)
      throws Exception {
    Path root = contract.codeDir().getParent();
    if (ctx.poll() == Directive.STOP) {
      ctx.log("[" + host + "] Stop requested before the script started");
      return 0;
    }
    if (!python.equals(command.get(0))) {
      List<String> inEnvironment = new ArrayList<>(command);
      inEnvironment.set(0, python);
      command = inEnvironment;
    }
    List<DistributionLaunch.Process> processes = launch.forWorker(hosts, rendezvous, ctx.gpus().size(),
        interfaceName(host));
    if (tracker != null) { // DMLC_TASK_ID = RANK, DMLC_NUM_WORKER = WORLD_SIZE
      processes = processes.stream().map(p -> new DistributionLaunch.Process(p.localRank(), p.label(), with(
          p.environment(), tracker.environment(Integer.parseInt(p.environment().get("RANK")),
              Integer.parseInt(p.environment().get("WORLD_SIZE")))))).toList();
    }
    CheckpointSync sync = checkpoints == null ? null
        : new CheckpointSync(checkpoints, root, line -> ctx.log("[" + host + "] " + line));
    if (sync != null) {
      sync.restore(); // before the script starts, on every attempt: a retry sees what was synced
      sync.start();
    }
    Exit exit;
    try {
      exit = processes.size() == 1
          ? runProcess(ctx, command, contract.codeDir(), with(env, processes.get(0).environment()), host)
          : runLocalProcesses(ctx, command, contract.codeDir(), env, processes);
      if (tracker != null && exit.code() == 0) {
        tracker.awaitShutdown(ctx, line -> ctx.log("[" + host + "] " + line)); // the others may still finish
      }
    } finally {
      if (sync != null) {
        sync.stopBackground();
      }
    }
    if (sync != null) {
      try {
        sync.finish(); // the last sync, whatever the exit code: a retry resumes from it
      } catch (KilnException e) {
        if (exit.code() == 0) {
          throw e;
        }
        ctx.log("[" + host + "] " + e.getMessage()); // the script's own failure is the reason
      }
    }
    if (exit.code() != 0) {
      Matcher missing = MISSING_MODULE.matcher(exit.lastError());
      if (missing.find()) { // the worker's environment, not the algorithm: the user installs it
        throw KilnException.user("The script needs the Python module '" + missing.group(1) + "', which " + python
            + " on worker " + host + " does not have (" + Messages.oneLine(exit.lastError()) + "); install it on "
            + "every worker, list its package in " + Requirements.FILE + " in the source, or set "
            + "algorithm.interpreter to a Python that has it");
      }
      throw new KilnException(ErrorType.ALGORITHM, "ExecuteUserScriptError: ExitCode " + exit.code()
          + ", ErrorMessage \"" + Messages.oneLine(exit.lastError()) + "\", Command \"" + String.join(" ", command)
          + "\"");
    }
    return exit.code();
  }

  private static Map<String, String> with(Map<String, String> env, Map<String, String> more) {
    Map<String, String> out = new LinkedHashMap<>(env);
    out.putAll(more);
    return out;
  }

  /**
   * Runs the script once per local process at once (torchrun-style processes per worker), each with
   * its own variables and log label; the first that exits non-zero ends the others (their threads are
   * interrupted, which kills their processes) and is the worker's exit.
   */
  private Exit runLocalProcesses(WorkerContext ctx, List<String> command, Path cwd, Map<String, String> env,
      List<DistributionLaunch.Process> processes) throws Exception {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(processes.size());
    try {
      java.util.concurrent.ExecutorCompletionService<Exit> done = new java.util.concurrent.ExecutorCompletionService<>(
          pool);
      for (DistributionLaunch.Process p : processes) {
        done.submit(() -> runProcess(ctx, command, cwd, with(env, p.environment()), p.label()));
      }
      Exit result = null;
      for (int i = 0; i < processes.size(); i++) {
        Exit e = done.take().get();
        if (result == null || (result.code() == 0 && e.code() != 0)) {
          result = e;
        }
        if (e.code() != 0) {
          break; // the others are interrupted below
        }
      }
      return result;
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  /** How the script ended: its exit code and the last non-blank line it wrote to stderr (or ""). */
  record Exit(int code, String lastError) {}

  private void download(WorkerContext ctx, String channel, ContainerContract.ChannelConfig config,
      ContainerContract contract, PipeChannels pipes) throws IOException {
    Path base = contract.inputDir().resolve("data").normalize();
    Path dir = contract.channelDir(channel).normalize();
    if (!dir.getParent().equals(base) || channel.equals(".") || channel.equals("..")) {
      throw KilnException.user("Channel name '" + Messages.echo(channel) + "' would be a directory outside "
          + base + "; rename the channel (ChannelName) to letters, digits, '-', '_' or '.' other than '.' and '..'");
    }
    boolean pipe = InputModes.PIPE.equals(config.inputMode());
    // Pipe: FIFOs, not files, in input/data; the objects wait in the per-task directory
    Path into = pipe ? InputModes.pipeStaging(ctx.modelDirectory().getParent(), channel) : dir;
    if ("ShardedByS3Key".equals(config.distribution())) {
      ctx.download(channel, into); // the objects this worker's share holds, as the runtime deals them
    } else {
      ChannelDownload.copy(channel, ctx.allObjects(channel), gzip.getOrDefault(channel, false), into);
    }
    if (pipe) {
      pipes.start(ctx, channel, PipeChannels.files(into), base);
    }
  }

  private Exit runProcess(WorkerContext ctx, List<String> command, Path cwd, Map<String, String> env, String host)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    ctx.log("[" + host + "] Running " + String.join(" ", command) + " in " + cwd);
    Process p = pb.start();
    Deque<String> tail = new ArrayDeque<>();
    ScriptOutput output = new ScriptOutput(ctx, host); // batched to the driver
    Thread out = output.pump(p.getInputStream(), null, "stdout");
    Thread err = output.pump(p.getErrorStream(), tail, "stderr");
    java.util.Set<ProcessHandle> children = new java.util.HashSet<>();
    boolean cancelled = false;
    try {
      boolean stopped = false;
      while (!p.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(children::add); // seen while it runs: killed if they outlive it
        if (ctx.poll() == Directive.STOP) {
          output.flush(); // the script's lines so far come before Kiln's
          ctx.log("[" + host + "] Stop requested: SIGTERM to the script and its child processes, SIGKILL after "
              + stopGraceSeconds + " s");
          terminate(p, stopGraceSeconds);
          stopped = true;
          break;
        }
      }
      int code = p.waitFor();
      killLeftovers(children); // they may hold the output pipes open
      out.join(PIPE_DRAIN_MILLIS);
      err.join(PIPE_DRAIN_MILLIS);
      output.close();
      synchronized (tail) {
        // a stopped script ends the job Stopped whatever its exit code, with the model it wrote (SageMaker's rule)
        return new Exit(stopped ? 0 : code, tail.isEmpty() ? "" : tail.peekLast());
      }
    } catch (InterruptedException e) {
      cancelled = true;
      throw e;
    } finally {
      if (cancelled || Thread.currentThread().isInterrupted()) {
        onCancel(ctx, p, children, host);
      }
      // the task was interrupted (stage cancelled), or the script left processes behind: as a
      // container's end does on SageMaker, none outlives the worker (a handle knows its process's
      // start time, so a reused pid is not killed)
      p.descendants().forEach(children::add);
      killLeftovers(children);
      if (p.isAlive()) {
        p.destroyForcibly();
      }
      output.close(); // idempotent: sends what is left
    }
  }

  /**
   * Spark cancelled the task (interrupted its thread): a peer's script failed or the job ended. As
   * a stop does, SIGTERM to the script and every process it started, so it can exit cleanly (save,
   * close its connections), then SIGKILL after {@value #CANCEL_GRACE_SECONDS} s; the thread's
   * interrupt is kept for Spark.
   */
  private static void onCancel(WorkerContext ctx, Process p, java.util.Set<ProcessHandle> children, String host) {
    Thread.interrupted(); // clear it to wait for the grace period; set again below
    try {
      if (p.isAlive()) {
        try {
          ctx.log("[" + host + "] Task cancelled (another worker failed or the job ended): SIGTERM to the script "
              + "and its child processes, SIGKILL after " + CANCEL_GRACE_SECONDS + " s");
        } catch (RuntimeException e) {
          // the driver may have ended the job already
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroy); // reparented ones too
        terminate(p, CANCEL_GRACE_SECONDS);
      }
    } catch (InterruptedException again) {
      // interrupted once more: no more grace, SIGKILL below
    } finally {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGKILL to each process in {@code processes} still alive (a handle never matches a reused pid). */
  private static void killLeftovers(java.util.Set<ProcessHandle> processes) {
    processes.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  /**
   * SIGTERM to the process and every process it started (Java's {@code destroy} on Unix), then
   * SIGKILL to whatever is left after {@code graceSeconds}.
   */
  private static void terminate(Process p, int graceSeconds) throws InterruptedException {
    List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
    all.add(p.toHandle());
    all.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds);
    for (ProcessHandle h : all) {
      long left = deadline - System.nanoTime();
      try {
        if (left > 0) {
          h.onExit().get(left, TimeUnit.NANOSECONDS);
        }
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        // killed below
      }
    }
    all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  /**
   * The interpreter's path: an absolute path that is an executable file, or the first executable of
   * that name on {@code path}.
   *
   * @throws KilnException USER naming the interpreter, the host and the PATH searched
   */
  static String resolveInterpreter(String interpreter, String path, String host) {
    if (interpreter.startsWith("/")) {
      Path p = Path.of(interpreter);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return interpreter;
      }
      throw KilnException.user("The script's interpreter " + interpreter + " (algorithm.interpreter) is not an "
          + "executable file on worker " + host + "; install it on every worker or name another");
    }
    for (String dir : (path == null ? "" : path).split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, interpreter);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p.toString();
      }
    }
    throw KilnException.user("The script's interpreter '" + interpreter + "' (algorithm.interpreter; default "
        + ScriptSpec.DEFAULT_INTERPRETER + ") is not on worker " + host + "'s PATH (" + Messages.echo(path)
        + "); install it on every worker or set algorithm.interpreter to its absolute path");
  }

  /**
   * Every worker's host name, by rank: as Spark knows the executors' hosts, except that workers which
   * all run on one loopback host (local Spark) get distinct loopback addresses 127.0.0.{rank+1}, so
   * {@code hosts} names each worker once and every name resolves (a script binding
   * {@code hosts[0]} binds 127.0.0.1).
   */
  static List<String> hostNames(Rendezvous rendezvous) {
    List<String> hosts = rendezvous.peers().stream().map(Rendezvous.Peer::host).toList();
    boolean oneHost = hosts.stream().distinct().count() == 1;
    if (hosts.size() > 1 && oneHost && loopback(hosts.get(0))) {
      List<String> out = new ArrayList<>();
      for (int r = 0; r < hosts.size(); r++) {
        out.add("127.0.0." + (r + 1));
      }
      return out;
    }
    return hosts;
  }

  private static boolean loopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (IOException e) {
      return false;
    }
  }

  /** The network interface holding {@code host}'s address ({@code lo} for loopback), else {@code eth0}. */
  static String interfaceName(String host) {
    try {
      InetAddress a = InetAddress.getByName(host);
      NetworkInterface nic = NetworkInterface.getByInetAddress(a);
      if (nic == null && a.isLoopbackAddress()) {
        nic = NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress());
      }
      return nic != null ? nic.getName() : "eth0";
    } catch (IOException e) {
      return "eth0";
    }
  }

  private static String firstNonBlank(String a, String b) {
    return a != null && !a.isBlank() ? a : b;
  }
}
