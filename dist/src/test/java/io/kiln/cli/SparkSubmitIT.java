package io.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.channel.RecordIoProtobuf;
import io.kiln.testing.LocalCluster;
import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code kiln.jar} as users run it on a stock Spark 3.5.7: the real {@code SparkSubmit}, started
 * through Spark's own launcher as {@code bin/spark-submit} does, from a SPARK_HOME whose jars are
 * exactly those a Spark distribution ships at the versions Spark's parent POM pins (commons-compress
 * 1.23, Jackson 2.15.2 ..., built by the {@code kiln-spark-distribution} module), plus hadoop-aws and
 * the AWS SDK through {@code --jars}. Client mode, on local Spark and on a standalone cluster
 * started from the same jars: a training job that uploads its model to S3 (on the cluster, from a
 * RecordIO-protobuf channel, decoded with the jar's relocated protobuf-java), a tuning job of two
 * trials, and a describe. Every command must end its JVM with its exit code (a Spark 3.5 driver
 * that ran a barrier stage does not exit by itself).
 *
 * <p>Without the relocations in dist/pom.xml the train dies at upload with a NoSuchMethodError from
 * Spark's older commons-compress, and the userClassPathFirst tune with a Jackson LinkageError.
 */
@Tag("spark")
@Tag("s3")
@Tag("cluster")
class SparkSubmitIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final long COMMAND_TIMEOUT_SECONDS = 240;
  static final String BUCKET = "kiln-submit";
  static S3Server s3;
  static Configuration hadoop;
  static Path sparkHome;
  static Path kilnJar;
  static Path work;

  @BeforeAll
  static void start() throws IOException {
    sparkHome = Paths.get(System.getProperty("kiln.spark.home"));
    kilnJar = Paths.get(System.getProperty("kiln.jar"));
    assertThat(sparkHome.resolve("jars/spark-core_2.12-3.5.7.jar")).as("the Spark distribution folder").exists();
    assertThat(kilnJar).exists();
    assertThat(Paths.get(System.getProperty("kiln.hadoop-aws.jar"))).exists();
    assertThat(Paths.get(System.getProperty("kiln.aws-sdk.jar"))).exists();
    s3 = S3Server.get();
    s3.bucket(BUCKET);
    hadoop = new Configuration();
    Map<String, String> s3a = new LinkedHashMap<>(io.kiln.storage.S3Settings.defaults());
    s3a.putAll(io.kiln.storage.S3Settings.fromEnvironment(s3.environment()));
    s3a.forEach((k, v) -> hadoop.set(k.substring("spark.hadoop.".length()), v));
    List<String> rows = SharedData.breastCancer();
    List<String> train = new ArrayList<>();
    List<String> validation = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      (i % 5 == 4 ? validation : train).add(rows.get(i));
    }
    S3Files.write(hadoop, "s3a://" + BUCKET + "/bc/train/part-0.csv", train);
    S3Files.write(hadoop, "s3a://" + BUCKET + "/bc/validation/part-0.csv", validation);
    // the same training rows as RecordIO-protobuf, read through kiln.jar's relocated protobuf-java
    ByteArrayOutputStream records = new ByteArrayOutputStream();
    try (RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(records)) {
      for (String row : train) {
        String[] cells = row.split(",");
        float[] features = new float[cells.length - 1];
        for (int c = 0; c < features.length; c++) {
          features[c] = Float.parseFloat(cells[c + 1]);
        }
        w.dense(features, Float.parseFloat(cells[0]));
      }
    }
    S3Files.write(hadoop, "s3a://" + BUCKET + "/bc/train-recordio/part-0.rec", records.toByteArray());
    // the drivers' working directory: no conf/ of Kiln's there, as on a cluster's edge node
    work = TestSpark.tempDir("kiln-submit-");
  }

  @Test
  void theJarBundlesNoSparkScalaOrHadoopAndRelocatesEveryOtherLibrary() throws IOException {
    List<String> foreign = new ArrayList<>();
    try (ZipFile jar = new ZipFile(kilnJar.toFile())) {
      for (ZipEntry e : java.util.Collections.list(jar.entries())) {
        String n = e.getName();
        if (n.endsWith(".class") && !n.startsWith("io/kiln/") && !n.startsWith("ml/dmlc/xgboost4j/")
            && UNRELOCATED.stream().noneMatch(n::startsWith)) {
          foreign.add(n);
        }
      }
      assertThat(jar.getEntry("io/kiln/shaded/org/apache/commons/compress/archivers/tar/TarArchiveOutputStream.class"))
          .isNotNull();
      assertThat(jar.getEntry("io/kiln/shaded/com/fasterxml/jackson/databind/ObjectMapper.class")).isNotNull();
      assertThat(jar.getEntry("io/kiln/shaded/com/google/protobuf/GeneratedMessage.class")).isNotNull();
      assertThat(jar.getEntry("io/kiln/channel/proto/RecordProtos.class")).isNotNull();
    }
    assertThat(foreign).as("classes outside io.kiln and XGBoost's own packages").isEmpty();
    // what keeps its names must not be on Spark's class path, where a second copy could meet it
    List<String> inSpark = new ArrayList<>();
    try (var jars = Files.list(sparkHome.resolve("jars"))) {
      for (Path j : (Iterable<Path>) jars::iterator) {
        try (ZipFile z = new ZipFile(j.toFile())) {
          for (ZipEntry e : java.util.Collections.list(z.entries())) {
            if (UNRELOCATED.stream().anyMatch(e.getName()::startsWith)) {
              inSpark.add(j.getFileName() + "!" + e.getName());
            }
          }
        }
      }
    }
    assertThat(inSpark).as("libraries kiln.jar bundles unrelocated, found in Spark's jars").isEmpty();
  }

  /**
   * Libraries kiln.jar bundles under their own names: hnswlib-core and its Eclipse Collections, whose
   * class names k-NN's model files hold (the graph is Java-serialised, {@code HnswGraph}): relocated,
   * a model trained through kiln.jar would not load in a program using Kiln's Maven artifacts, nor
   * the other way round. No Spark distribution ships them (asserted above).
   */
  static final List<String> UNRELOCATED = List.of("com/github/jelmerk/", "org/eclipse/collections/");

  @Test
  void trainTuneAndDescribeOnLocalSpark() throws IOException {
    Path jobs = Files.createDirectories(work.resolve("jobs-local"));
    // the default class loading order: Spark's jars (commons-compress 1.23 ...) before kiln.jar
    trainAndDescribe("local[2]", jobs, "submit-local", List.of(), "train", "text/csv");
    // kiln.jar before Spark's jars: Kiln's Jackson must not meet Spark's
    tune("local[2]", jobs, "submit-local-tune", List.of("spark.driver.userClassPathFirst=true"));
  }

  @Test
  void trainTuneAndDescribeOnAStandaloneCluster() throws IOException {
    Path jobs = Files.createDirectories(work.resolve("jobs-cluster"));
    // one worker of two cores: one executor JVM per application runs both barrier tasks
    LocalCluster cluster = LocalCluster.startFromDistribution(sparkHome.resolve("jars"), 0);
    cluster.addWorker(2);
    cluster.awaitWorkers(1);
    // the environment the executor JVMs started with (/proc/PID/environ), read while the training runs
    Map<String, String> executorEnv = new java.util.concurrent.ConcurrentHashMap<>();
    java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread watcher = new Thread(() -> {
      while (watching.get() && executorEnv.isEmpty()) {
        for (ProcessHandle executor : cluster.executors(0)) {
          executorEnv.putAll(environment(executor.pid()));
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "executor-environment-watcher");
    watcher.setDaemon(true);
    watcher.start();
    try {
      // RecordIO-protobuf: the executors decode it with the protobuf-java kiln.jar bundles
      trainAndDescribe(cluster.masterUrl(), jobs, "submit-cluster", List.of(), "train-recordio",
          "application/x-recordio-protobuf");
      watching.set(false);
      // native thread limits from the start (DL4J's libnd4j reads them only then): the executor's
      // cores, spark.executor.cores, 1 when unset as here, set by Kiln since the user did not
      assertThat(executorEnv).as("an executor's environment").containsEntry("OMP_NUM_THREADS", "1")
          .containsEntry("SD_MAX_THREADS", "1").containsEntry("SD_MASTER_THREADS", "1")
          .containsEntry("OPENBLAS_NUM_THREADS", "1");
      tune(cluster.masterUrl(), jobs, "submit-cluster-tune", List.of());
    } finally {
      watching.set(false);
      cluster.close();
      cluster.deleteFiles();
    }
  }

  /** The environment process {@code pid} started with (Linux's /proc/PID/environ); empty when it is gone. */
  static Map<String, String> environment(long pid) {
    Map<String, String> env = new LinkedHashMap<>();
    try {
      for (String kv : new String(Files.readAllBytes(Paths.get("/proc/" + pid + "/environ")), StandardCharsets.UTF_8)
          .split("\0")) {
        int eq = kv.indexOf('=');
        if (eq > 0) {
          env.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
      }
    } catch (IOException e) {
      // the executor ended between listing and reading
    }
    return env;
  }

  /**
   * The README's EMR-step command line in client mode: spark-submit exits with Kiln's exit code
   * exactly. 2 for a spec URI with no object behind it (said in one line, before Spark starts); 1 for
   * a job that fails (its channel matches nothing), its spec shipped with {@code --files} and named by
   * its file name; 3 for a job stopped by {@code kiln stop} from another command, its spec read from
   * {@code s3://} and its records on S3, as on EMR.
   */
  @Test
  void exitCodesReachTheCallerAndTheSpecComesFromS3OrFiles() throws Exception {
    Path jobs = Files.createDirectories(work.resolve("jobs-exit"));
    String absent = "s3://" + BUCKET + "/specs/absent.yaml";
    Run bad = submit("local[2]", jobs, List.of(), List.of(), "train", absent);
    assertThat(bad.exit).as(bad.describe()).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(bad.err).as(bad.describe()).contains("kiln: Spec " + absent + " does not exist (no such object or file)");
    assertThat(bad.err).doesNotContain("Exception");

    Path shipped = Files.createDirectories(work.resolve("shipped")).resolve("failing-job.yaml");
    Files.writeString(shipped, """
        name: submit-failed
        algorithm: xgboost
        hyperparameters: {num_round: 2, objective: "binary:logistic"}
        channels: [{name: train, uri: "s3://%s/bc/nothing-here/", contentType: text/csv}]
        outputPath: s3://%s/output/
        resources: {workers: 2}
        """.formatted(BUCKET, BUCKET));
    Run failed = submit("local[2]", jobs, List.of(), List.of("--files", shipped.toString()), "train",
        "failing-job.yaml", "--quiet");
    assertThat(failed.exit).as(failed.describe()).isEqualTo(Kiln.EXIT_FAILED);
    assertThat(failed.err).as(failed.describe()).contains("submit-failed Failed: ClientError: ",
        "nothing matches the prefix s3://" + BUCKET + "/bc/nothing-here/");

    // rounds it cannot finish in the life of the test, and a beat a second, so the stop is read at once
    String name = "submit-stopped";
    String specUri = "s3://" + BUCKET + "/specs/stopped.yaml";
    S3Files.write(hadoop, specUri.replace("s3://", "s3a://"), """
        name: %s
        algorithm: xgboost
        hyperparameters: {num_round: 100000000, objective: "binary:logistic", max_depth: 2}
        channels: [{name: train, uri: "s3://%s/bc/train/", contentType: text/csv}]
        outputPath: s3://%s/output/
        resources: {workers: 2}
        """.formatted(name, BUCKET, BUCKET).getBytes(StandardCharsets.UTF_8));
    String jobRoot = "s3://" + BUCKET + "/kiln/jobs";
    java.util.concurrent.CompletableFuture<Run> stopped = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return submit("local[2]", jobs, List.of("spark.kiln.job-root=" + jobRoot, "spark.dynamicAllocation.enabled=false",
            "spark.kiln.heartbeat.interval-seconds=1"), List.of(), "train", specUri, "--quiet");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    long deadline = System.currentTimeMillis() + COMMAND_TIMEOUT_SECONDS * 1000;
    while (System.currentTimeMillis() < deadline && !stopped.isDone()) {
      String[] out = kilnHere("describe", name, "--json", "--job-root", jobRoot);
      if (out[0].equals("0") && JSON.readTree(out[1]).path("Kiln").path("RoundsCompleted").asInt() >= 2) {
        break;
      }
      Thread.sleep(500);
    }
    String[] stop = kilnHere("stop", name, "--job-root", jobRoot);
    assertThat(stop[0]).as(String.join("\n", stop)).isEqualTo("0");
    Run result = stopped.get(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    assertThat(result.exit).as(result.describe()).isEqualTo(Kiln.EXIT_STOPPED);
    assertThat(result.out).as(result.describe()).contains(name + " Stopped (Stopped)");
    assertThat(JSON.readTree(kilnHere("describe", name, "--json", "--job-root", jobRoot)[1])
        .get("TrainingJobStatus").asText()).isEqualTo("Stopped");
  }

  /** A read-only kiln command in this JVM, against the test S3 server: {exit code, stdout, stderr}. */
  static String[] kilnHere(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    Map<String, String> env = new LinkedHashMap<>(s3.environment());
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    int exit = Kiln.execute(args, new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true), env);
    return new String[] {Integer.toString(exit), out.toString(), err.toString()};
  }

  private void trainAndDescribe(String master, Path jobs, String name, List<String> conf, String trainPrefix,
      String trainType) throws IOException {
    Path spec = work.resolve(name + ".yaml");
    Files.writeString(spec, """
        name: %s
        algorithm: xgboost
        hyperparameters: {num_round: 5, objective: "binary:logistic", max_depth: 3, eval_metric: auc}
        channels:
          - {name: train, uri: "s3://%s/bc/%s/", contentType: %s}
          - {name: validation, uri: "s3://%s/bc/validation/", contentType: text/csv}
        outputPath: s3://%s/output/
        resources: {workers: 2}
        """.formatted(name, BUCKET, trainPrefix, trainType, BUCKET, BUCKET));
    String model = "s3://" + BUCKET + "/output/" + name + "/output/model.tar.gz";
    Run train = submit(master, jobs, conf, "train", spec.toString(), "--quiet");
    assertThat(train.exit).as(train.describe()).isZero();
    assertThat(train.out).as(train.describe()).contains(name + " Completed; model: " + model);
    Map<String, byte[]> archive = S3Files.untar(S3Files.read(hadoop, model.replace("s3://", "s3a://")));
    assertThat(archive).containsKey("xgboost-model");

    Run describe = submit(master, jobs, conf, "describe", name, "--json");
    assertThat(describe.exit).as(describe.describe()).isZero();
    JsonNode d = JSON.readTree(describe.out);
    assertThat(d.get("TrainingJobStatus").asText()).isEqualTo("Completed");
    assertThat(d.at("/ModelArtifacts/S3ModelArtifacts").asText()).isEqualTo(model);
    assertThat(d.at("/Kiln/SparkMaster").asText()).isEqualTo(master);
    assertThat(d.at("/Kiln/RoundsCompleted").asInt()).isEqualTo(5);
  }

  private void tune(String master, Path jobs, String name, List<String> conf) throws IOException {
    Path spec = work.resolve(name + ".yaml");
    Files.writeString(spec, """
        name: %s
        strategy: Random
        objective: {type: Maximize, metric: "validation:auc"}
        parameterRanges:
          - {name: max_depth, type: Integer, min: 2, max: 4}
        maxTrainingJobs: 2
        maxParallelTrainingJobs: 2
        randomSeed: 3
        trainingJob:
          algorithm: xgboost
          hyperparameters: {num_round: 4, objective: "binary:logistic", eval_metric: auc}
          channels:
            - {name: train, uri: "s3://%s/bc/train/", contentType: text/csv}
            - {name: validation, uri: "s3://%s/bc/validation/", contentType: text/csv}
          outputPath: s3://%s/tuning/
          resources: {workers: 1}
        """.formatted(name, BUCKET, BUCKET, BUCKET));
    Run tune = submit(master, jobs, conf, "tune", spec.toString());
    assertThat(tune.exit).as(tune.describe()).isZero();
    Matcher best = Pattern.compile(Pattern.quote(name) + " Completed; best trial (\\S+) ").matcher(tune.out);
    assertThat(best.find()).as(tune.describe()).isTrue();
    assertThat(Pattern.compile(" trial \\d+ \\S+ Completed objective=").matcher(tune.out).results().count())
        .as(tune.out).isEqualTo(2);
    assertThat(S3Files.exists(hadoop, "s3a://" + BUCKET + "/tuning/" + best.group(1) + "/output/model.tar.gz"))
        .isTrue();
  }

  /** What one spark-submit did. */
  record Run(List<String> command, int exit, String out, String err) {
    /** For assertion messages: the command and the end of its output, without Spark's INFO lines. */
    String describe() {
      List<String> lines = err.lines().filter(l -> !l.contains(" INFO ")).toList();
      return String.join(" ", command) + "\nexit " + exit + "\nstdout:\n" + out + "\nstderr (no INFO):\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 80), lines.size()));
    }
  }

  /**
   * {@code spark-submit --master MASTER --jars hadoop-aws,aws-sdk --class io.kiln.cli.Kiln kiln.jar
   * ARGS} as {@code bin/spark-class} runs it: Spark's launcher ({@code org.apache.spark.launcher.Main})
   * prints the driver's command after a NUL and a newline, NUL-separated; that command is then run.
   */
  static Run submit(String master, Path jobRoot, List<String> conf, String... kilnArgs) throws IOException {
    return submit(master, jobRoot, conf, List.of(), kilnArgs);
  }

  /** As above, with {@code submitArgs} (e.g. {@code --files F}) among spark-submit's own options. */
  static Run submit(String master, Path jobRoot, List<String> conf, List<String> submitArgs, String... kilnArgs)
      throws IOException {
    List<String> args = new ArrayList<>(List.of("--master", master, "--deploy-mode", "client",
        "--jars", System.getProperty("kiln.hadoop-aws.jar") + "," + System.getProperty("kiln.aws-sdk.jar"),
        "--class", "io.kiln.cli.Kiln", "--conf", "spark.kiln.job-root=" + jobRoot.toUri(),
        "--conf", "spark.ui.enabled=false",
        // short-lived JVMs: the client compiler only, for less CPU on a small machine (no effect on
        // class loading, which is what this test is about)
        "--driver-java-options", "-XX:TieredStopAtLevel=1",
        "--conf", "spark.executor.extraJavaOptions=-XX:TieredStopAtLevel=1"));
    for (String c : conf) {
      args.add("--conf");
      args.add(c);
    }
    args.addAll(submitArgs);
    args.add(kilnJar.toString());
    args.addAll(List.of(kilnArgs));

    List<String> launcher = new ArrayList<>(List.of(java(), "-Xmx128m", "-cp", sparkHome.resolve("jars") + "/*",
        "org.apache.spark.launcher.Main", "org.apache.spark.deploy.SparkSubmit"));
    launcher.addAll(args);
    ProcessBuilder lb = new ProcessBuilder(launcher).directory(work.toFile());
    environment(lb.environment());
    Process l = lb.redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] printed = l.getInputStream().readAllBytes();
    int launcherExit = waitFor(l, 60);
    List<String> command = driverCommand(printed);
    assertThat(launcherExit).as("Spark's launcher: " + new String(printed, StandardCharsets.UTF_8)).isZero();

    Path out = Files.createTempFile(work, "stdout-", ".txt");
    Path err = Files.createTempFile(work, "stderr-", ".txt");
    ProcessBuilder db = new ProcessBuilder(command).directory(work.toFile()).redirectOutput(out.toFile())
        .redirectError(err.toFile());
    environment(db.environment());
    long started = System.nanoTime();
    Process driver = db.start();
    int exit = waitFor(driver, COMMAND_TIMEOUT_SECONDS);
    System.out.printf("spark-submit --master %s ... %s: exit %d after %.1f s%n", master, String.join(" ", kilnArgs),
        exit, (System.nanoTime() - started) / 1e9);
    return new Run(args, exit, Files.readString(out), Files.readString(err));
  }

  /** The command Spark's launcher printed: what follows the first NUL + newline, split at NULs. */
  static List<String> driverCommand(byte[] printed) {
    int start = -1;
    for (int i = 0; i + 1 < printed.length; i++) {
      if (printed[i] == 0 && printed[i + 1] == '\n') {
        start = i + 2;
        break;
      }
    }
    assertThat(start).as("Spark's launcher printed no command: " + new String(printed, StandardCharsets.UTF_8))
        .isPositive();
    List<String> command = new ArrayList<>();
    ByteArrayOutputStream arg = new ByteArrayOutputStream();
    for (int i = start; i < printed.length; i++) {
      if (printed[i] == 0) {
        command.add(arg.toString(StandardCharsets.UTF_8));
        arg.reset();
      } else {
        arg.write(printed[i]);
      }
    }
    return command;
  }

  /** A stock environment: SPARK_HOME at the distribution, the S3 server's endpoint and keys, nothing of Kiln's. */
  static void environment(Map<String, String> env) {
    env.keySet().removeIf(k -> k.startsWith("SPARK_") || k.startsWith("KILN_") || k.startsWith("AWS_")
        || k.startsWith("HADOOP_") || k.equals("CLASSPATH"));
    env.put("SPARK_HOME", sparkHome.toString());
    env.put("SPARK_SCALA_VERSION", "2.12");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    env.putAll(s3.environment());
  }

  static String java() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** The process's exit code; a process still running after the timeout is killed and fails the test. */
  static int waitFor(Process p, long seconds) {
    try {
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new AssertionError("the process did not exit within " + seconds + " s (a driver JVM kept alive by "
            + "a non-daemon thread?): " + p.info().commandLine().orElse("?"));
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException(e));
    }
  }
}
