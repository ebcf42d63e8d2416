package io.kiln.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * A Kiln driver (or any program on the test classpath, {@link #startMain}) in its own JVM ({@code kiln <command> SPEC} on local Spark, heartbeat every second
 * with an 8 s lapse), for tests that kill a driver and take its job over.
 */
public final class OrphanDriver {
  private static final List<String> OPENS = List.of("java.lang", "java.lang.invoke", "java.nio", "sun.nio.ch",
      "java.util", "java.io", "java.net", "java.lang.reflect", "java.util.concurrent", "sun.util.calendar",
      "sun.nio.cs", "sun.security.action");

  private OrphanDriver() {}

  /**
   * Starts {@code kiln command spec} with this JVM's classpath; its output goes to {@code log}, its
   * temporary files (which a killed driver leaves) to a directory beside it.
   */
  public static Process start(String command, Path spec, String jobRoot, Path log) throws IOException {
    Path tmp = java.nio.file.Files.createDirectories(log.resolveSibling(log.getFileName() + ".tmp"));
    List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-Djava.io.tmpdir=" + tmp));
    for (String opens : OPENS) {
      cmd.add("--add-opens=java.base/" + opens + "=ALL-UNNAMED");
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.kiln.cli.Kiln", command, spec.toString(),
        "--master", "local[2]", "--job-root", jobRoot, "--conf", "spark.kiln.heartbeat.interval-seconds=1",
        "--conf", "spark.kiln.heartbeat.lapse-seconds=8", "--conf", "spark.ui.enabled=false"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    return pb.start();
  }

  /**
   * Starts {@code mainClass args} in a JVM of its own with this JVM's classpath and Spark's
   * {@code --add-opens} flags, and {@code environment} added to this process's; output (both
   * streams) goes to {@code log}.
   */
  public static Process startMain(Class<?> mainClass, List<String> args, java.util.Map<String, String> environment,
      Path log) throws IOException {
    Path tmp = java.nio.file.Files.createDirectories(log.resolveSibling(log.getFileName() + ".tmp"));
    List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-Djava.io.tmpdir=" + tmp));
    for (String opens : OPENS) {
      cmd.add("--add-opens=java.base/" + opens + "=ALL-UNNAMED");
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("AWS_EC2_METADATA_DISABLED", "true");
    pb.environment().putAll(environment);
    return pb.start();
  }
}
