package io.kiln.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Spark standalone cluster on 127.0.0.1 for fault tests: a master and workers as separate
 * JVMs, each worker launching real executor JVMs, built from the jars of this test's classpath (no
 * Spark distribution needed). Executors get the test's classpath, so they run the code under test.
 * Tests kill executors, workers or send them SIGPWR, by PID.
 */
public final class LocalCluster implements AutoCloseable {
  private final Path home;
  private final int port;
  private final int uiPort;
  private final Process master;
  private final List<Process> workers = new ArrayList<>();
  private final List<Integer> workerCores = new ArrayList<>();

  private LocalCluster(Path home, int port, int uiPort, Process master) {
    this.home = home;
    this.port = port;
    this.uiPort = uiPort;
    this.master = master;
  }

  /** Starts a master and {@code workers} workers of one core each; returns when all registered. */
  public static LocalCluster start(int workers) {
    List<Path> jars = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (entry.endsWith(".jar")) {
        jars.add(Paths.get(entry));
      }
    }
    return start(jars, workers);
  }

  private static java.util.concurrent.CompletableFuture<LocalCluster> shared;
  private static int sharedWorkers;

  /**
   * Starts, in the background, the cluster of {@code workers} one-core workers that the tests of
   * this JVM share ({@link #shared}), unless it is started or starting: a test class calls it early
   * so the master and workers start while its other tests run.
   */
  public static synchronized void prestartShared(int workers) {
    if (shared == null || sharedWorkers != workers) {
      sharedWorkers = workers;
      shared = java.util.concurrent.CompletableFuture.supplyAsync(() -> start(workers));
    }
  }

  /**
   * The cluster of {@code workers} one-core workers shared by the tests of this JVM (the algorithm
   * contract tests of a module: starting a master, workers and their executors costs tens of seconds
   * on a loaded 2-core machine). Started on first use, or again when a test left fewer workers alive;
   * closed when the JVM exits. A test that uses it must stop its own session when done, and may kill
   * executors (the worker gives the next application new ones) but not workers: a test that kills or
   * decommissions workers starts its own cluster with {@link #start(int)}.
   */
  public static LocalCluster shared(int workers) {
    java.util.concurrent.CompletableFuture<LocalCluster> f;
    synchronized (LocalCluster.class) {
      prestartShared(workers);
      f = shared;
    }
    LocalCluster c = f.join();
    if (c.workers.stream().allMatch(Process::isAlive) && c.aliveWorkers() == workers) {
      return c;
    }
    synchronized (LocalCluster.class) {
      if (shared == f) {
        c.close();
        shared = null;
      }
    }
    return shared(workers);
  }

  /**
   * Starts a master and {@code workers} workers of one core each from the jars of a Spark
   * distribution ({@code $SPARK_HOME/jars}) instead of the test's classpath: master, workers and
   * the executors they launch see only Spark's own jars, as on a stock cluster.
   */
  public static LocalCluster startFromDistribution(Path sparkJars, int workers) {
    try (var s = Files.list(sparkJars)) {
      return start(s.filter(p -> p.toString().endsWith(".jar")).sorted().toList(), workers);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static LocalCluster start(List<Path> classpath, int workers) {
    try {
      Path home = Files.createTempDirectory("kiln-cluster-");
      Path jars = Files.createDirectories(home.resolve("jars"));
      // executors' temporary files (a killed executor's among them) stay inside the cluster's directory
      Files.createDirectories(home.resolve("tmp"));
      Files.writeString(home.resolve("RELEASE"), "");
      for (Path p : classpath) {
        if (Files.exists(p)) {
          Path link = jars.resolve(p.getFileName());
          if (!Files.exists(link)) {
            Files.createSymbolicLink(link, p.toAbsolutePath());
          }
        }
      }
      LocalCluster cluster = startMaster(home);
      Runtime.getRuntime().addShutdownHook(new Thread(cluster::close));
      for (int i = 0; i < workers; i++) {
        cluster.addWorker(1);
      }
      cluster.awaitWorkers(workers);
      return cluster;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The master must be reachable at ports known before it starts (its URL goes to the workers and
   * the driver): it gets two free ports and no fallback to the next port; should another process
   * take one first, the master exits and starts again on two others.
   */
  private static LocalCluster startMaster(Path home) throws IOException {
    for (int tries = 1; ; tries++) {
      int port = freePort();
      int uiPort = freePort();
      Process master = launch(home, "master", List.of("-Dspark.port.maxRetries=0",
          "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", Integer.toString(port),
          "--webui-port", Integer.toString(uiPort)));
      LocalCluster cluster = new LocalCluster(home, port, uiPort, master);
      long deadline = System.currentTimeMillis() + 120_000;
      while (master.isAlive() && System.currentTimeMillis() < deadline && !cluster.masterAnswers()) {
        sleep(200);
      }
      if (master.isAlive() && cluster.masterAnswers()) {
        return cluster;
      }
      master.destroyForcibly();
      if (tries == 3) {
        throw new IllegalStateException("the Spark master did not start on ports " + port + " and " + uiPort
            + "; see " + home.resolve("master.log"));
      }
    }
  }

  /** Whether this cluster's master answers on its web UI port with its own URL. */
  private boolean masterAnswers() {
    return masterStatus().map(n -> masterUrl().equals(n.path("url").asText())).orElse(false);
  }

  /** Starts one more worker; returns its index. */
  public int addWorker(int cores) {
    int index = workers.size();
    try {
      Path dir = Files.createDirectories(home.resolve("work-" + index));
      Process w = launch(home, "worker-" + index, List.of("org.apache.spark.deploy.worker.Worker", "--host",
          "127.0.0.1", "--cores", Integer.toString(cores), "--memory", "2g", "--webui-port", "0",
          "--work-dir", dir.toString(), masterUrl()));
      workers.add(w);
      workerCores.add(cores);
      return index;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Launches a JVM of the cluster; {@code mainAndArgs} may start with JVM options (-D...). */
  private static Process launch(Path home, String name, List<String> mainAndArgs) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", home.resolve("jars") + "/*", "-Dspark.decommission.enabled=true",
        "-Dspark.worker.decommission.signal=PWR", "-Djava.io.tmpdir=" + home.resolve("tmp")));
    cmd.addAll(mainAndArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(home.resolve(name + ".log").toFile());
    pb.environment().put("SPARK_HOME", home.toString());
    pb.environment().put("SPARK_SCALA_VERSION", "2.12");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
    // executors' block manager and shuffle directories
    pb.environment().put("SPARK_LOCAL_DIRS", home.resolve("tmp").toString());
    return pb.start();
  }

  public String masterUrl() {
    return "spark://127.0.0.1:" + port;
  }

  /** What a driver needs to run executors of this cluster with the test's code on their classpath. */
  public java.util.Map<String, String> driverConf() {
    String opens = String.join(" ", List.of("--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.net=ALL-UNNAMED",
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
        "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
        "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "-Djdk.reflect.useDirectMethodHandle=false",
        "-Daws.ec2.metadata.disabled=true", "-Djava.io.tmpdir=" + home.resolve("tmp"),
        // short-lived JVMs on a loaded 2-core machine: C1 only and one GC thread start and warm up
        // faster than C2's compiler threads and a parallel collector competing for the cores
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
    java.util.Map<String, String> conf = new java.util.LinkedHashMap<>();
    conf.put("spark.master", masterUrl());
    // executors start in their worker's directory: give them the classpath with absolute paths
    conf.put("spark.executor.extraClassPath", java.util.Arrays.stream(
        System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .map(e -> Paths.get(e).toAbsolutePath().toString()).collect(java.util.stream.Collectors.joining(
            java.io.File.pathSeparator)));
    conf.put("spark.executor.extraJavaOptions", opens);
    conf.put("spark.executor.cores", "1");
    conf.put("spark.executor.memory", "1g");
    conf.put("spark.cores.max", "64");
    // as Kiln's own sessions: a task stuck in a native collective after its peer died is ended
    conf.put("spark.task.reaper.enabled", "true");
    conf.put("spark.task.reaper.killTimeout", io.kiln.cli.KilnSettings.TASK_KILL_TIMEOUT);
    conf.put("spark.decommission.enabled", "true");
    // long enough that a loaded machine still gets to the emergency checkpoint; the fault tests
    // end a reclaimed node themselves (killWorker), as a spot instance goes away after its notice
    conf.put("spark.executor.decommission.killInterval", "60s");
    conf.put("spark.executor.decommission.forceKillTimeout", "60s");
    conf.put("spark.storage.decommission.enabled", "false");
    conf.put("spark.scheduler.barrier.maxConcurrentTasksCheck.interval", "1s");
    conf.put("spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures", "3");
    conf.put("spark.executorEnv.AWS_EC2_METADATA_DISABLED", "true");
    conf.put("spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1");
    // executor JVMs with the whole test classpath take a few seconds to register
    conf.put("spark.kiln.preflight.slot-wait-seconds", "90");
    return conf;
  }

  public int workerCount() {
    return workers.size();
  }

  public long workerPid(int index) {
    return workers.get(index).pid();
  }

  public boolean workerAlive(int index) {
    return workers.get(index).isAlive();
  }

  /** The executor JVMs the worker launched (its child processes). */
  public List<ProcessHandle> executors(int worker) {
    return workers.get(worker).descendants().filter(ProcessHandle::isAlive)
        .filter(p -> commandLine(p).contains("CoarseGrainedExecutorBackend")).toList();
  }

  /** The worker whose executor has this executor id, found from the executor's command line. */
  public Optional<Integer> workerOfExecutor(String executorId) {
    for (int i = 0; i < workers.size(); i++) {
      for (ProcessHandle e : executors(i)) {
        if (commandLine(e).contains(" --executor-id " + executorId + " ")) {
          return Optional.of(i);
        }
      }
    }
    return Optional.empty();
  }

  /** A process's whole command line (ProcessHandle.Info truncates long ones). */
  static String commandLine(ProcessHandle p) {
    try {
      byte[] raw = Files.readAllBytes(Paths.get("/proc", Long.toString(p.pid()), "cmdline"));
      return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }

  /** SIGKILLs the executors of a worker (the worker launches new ones); returns how many it killed. */
  public int killExecutors(int worker) {
    List<ProcessHandle> executors = executors(worker);
    for (ProcessHandle e : executors) {
      e.destroyForcibly();
    }
    return executors.size();
  }

  /** SIGKILLs a worker and its executors: its capacity is gone. */
  public void killWorker(int worker) {
    Process w = workers.get(worker);
    w.descendants().forEach(ProcessHandle::destroyForcibly);
    w.destroyForcibly();
    try {
      w.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sends SIGPWR to a worker, which Spark turns into decommissioning it and its executors. */
  public void decommissionWorker(int worker) {
    signal(workers.get(worker).pid(), "PWR");
  }

  private static void signal(long pid, String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
      kill.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until the master knows {@code count} alive workers. */
  public void awaitWorkers(int count) {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      if (aliveWorkers() >= count) {
        return;
      }
      sleep(300);
    }
    throw new IllegalStateException("only " + aliveWorkers() + " of " + count + " workers registered; see " + home);
  }

  public int aliveWorkers() {
    return masterStatus().map(n -> n.path("aliveworkers").asInt()).orElse(0);
  }

  /** The master's status (its web UI's JSON), when it answers. */
  private Optional<com.fasterxml.jackson.databind.JsonNode> masterStatus() {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + uiPort + "/json/").toURL()
          .openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(3000);
      String json = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return Optional.of(new com.fasterxml.jackson.databind.ObjectMapper().readTree(json));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  public Path home() {
    return home;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Ends every process of the cluster and deletes its directory (logs included). */
  @Override
  public synchronized void close() {
    List<ProcessHandle> all = new ArrayList<>();
    for (Process w : workers) {
      w.descendants().forEach(all::add);
      all.add(w.toHandle());
    }
    all.add(master.toHandle());
    all.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle p : all) {
      try {
        p.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // deleting what a dying process still holds open is harmless on Linux
      }
    }
    deleteFiles();
  }

  /** Deletes the cluster's directory (logs included); {@link #close} does it too. */
  public void deleteFiles() {
    TestSpark.delete(home);
  }
}
