package io.kiln.cli;

import io.kiln.runner.KilnConf;
import io.kiln.storage.S3Settings;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;

/**
 * The Spark settings a {@code kiln} command runs with, layered by precedence:
 * {@code --conf} over the AWS environment variables over {@code conf/spark-defaults.conf} over what
 * spark-submit already put in the JVM's system properties.
 */
public final class KilnSettings {
  /** How long a killed task may ignore the kill before Spark ends its executor. */
  public static final String TASK_KILL_TIMEOUT = "30s";
  private final Map<String, String> values;

  private KilnSettings(Map<String, String> values) {
    this.values = values;
  }

  /**
   * @param defaultsFile conf/spark-defaults.conf (may be null or missing)
   * @param env the process environment
   * @param confArgs the {@code --conf key=value} arguments, in order
   * @param master {@code --master}, or null
   * @param jobRoot {@code --job-root}, or null
   */
  public static KilnSettings resolve(Path defaultsFile, Map<String, String> env, List<String> confArgs, String master,
      String jobRoot) {
    Map<String, String> v = new LinkedHashMap<>();
    // what spark-submit put in the JVM's system properties, read as SparkConf(true) reads them (every
    // spark.* property) but without loading Spark: the read-only commands never start it
    for (String key : new java.util.TreeSet<>(System.getProperties().stringPropertyNames())) {
      if (key.startsWith("spark.")) {
        v.put(key, System.getProperty(key));
      }
    }
    if (defaultsFile != null && Files.isRegularFile(defaultsFile)) {
      readDefaults(defaultsFile).forEach(v::putIfAbsent);
    }
    S3Settings.defaults().forEach(v::putIfAbsent);
    v.putAll(S3Settings.fromEnvironment(env));
    if (env.get("KILN_JOB_ROOT") != null && !env.get("KILN_JOB_ROOT").isBlank()) {
      v.put(KilnConf.JOB_ROOT, env.get("KILN_JOB_ROOT"));
    }
    for (String kv : confArgs) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--conf takes key=value, not '" + kv + "'");
      }
      v.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    if (master != null) {
      v.put("spark.master", master);
    }
    v.putIfAbsent("spark.master", "local[*]");
    if (jobRoot != null) {
      v.put(KilnConf.JOB_ROOT, jobRoot);
    }
    return new KilnSettings(v);
  }

  static Map<String, String> readDefaults(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot read " + file + ": " + e.getMessage(), e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String k : p.stringPropertyNames()) {
      // spark-defaults.conf separates key and value with whitespace
      out.put(k.trim(), p.getProperty(k).trim());
    }
    return out;
  }

  /** conf/spark-defaults.conf of the installation: $KILN_CONF_DIR, else ./conf. */
  public static Path defaultsFile(Map<String, String> env) {
    String dir = env.get("KILN_CONF_DIR");
    return Paths.get(dir != null ? dir : "conf").resolve("spark-defaults.conf");
  }

  /** The same settings on another master. */
  public KilnSettings withMaster(String master) {
    Map<String, String> v = new LinkedHashMap<>(values);
    v.put("spark.master", master);
    return new KilnSettings(v);
  }

  public Map<String, String> values() {
    return values;
  }

  public SparkConf sparkConf() {
    SparkConf conf = new SparkConf(false);
    values.forEach(conf::set);
    conf.setIfMissing("spark.app.name", "kiln");
    // a barrier task whose peer executor died can sit in a native collective (XGBoost's allreduce)
    // that ignores Spark's kill: its executor is ended after this long, so the slot comes back for
    // the next attempt instead of being held for good
    conf.setIfMissing("spark.task.reaper.enabled", "true");
    conf.setIfMissing("spark.task.reaper.killTimeout", TASK_KILL_TIMEOUT);
    // executors start with native thread limits of their cores (OpenMP, libnd4j, OpenBLAS), which
    // DL4J's natives read only at start; the user's spark.executorEnv.* settings win
    io.kiln.runner.NativeThreadEnvironment.applyTo(conf);
    return conf;
  }

  /**
   * A Hadoop configuration with the {@code spark.hadoop.*} settings, for commands that start no Spark
   * (with s3a's jars where the launcher left them off the class path, {@link S3aJars}).
   */
  public Configuration hadoopConf() {
    Configuration c = new Configuration();
    values.forEach((k, val) -> {
      if (k.startsWith("spark.hadoop.")) {
        c.set(k.substring("spark.hadoop.".length()), val);
      }
    });
    return S3aJars.apply(c);
  }

  public String jobRoot() {
    return values.getOrDefault(KilnConf.JOB_ROOT, io.kiln.record.JobStore.DEFAULT_ROOT);
  }
}
