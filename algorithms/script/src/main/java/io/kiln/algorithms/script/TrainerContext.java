package io.kiln.algorithms.script;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;

/**
 * What a Java {@link Trainer} is given: SageMaker's container contract (the one a Python script reads
 * from {@code SM_*} variables and {@code input/config/*.json}) as a typed object, read from those same
 * files and variables by {@link #fromEnvironment}.
 *
 * <p>Hyperparameters are the script's ones ({@code SM_HPS}'s keys: every hyperparameter but the SDK's
 * {@code sagemaker_*} ones), each as the request's string ({@code hyperparameters.json}), so a trainer
 * parses numbers itself ({@link #intHyperparameter}, {@link #doubleHyperparameter}).
 */
public final class TrainerContext {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String jobName;
  private final List<String> hosts;
  private final String currentHost;
  private final Path root;
  private final Map<String, Path> channels;
  private final Map<String, String> hyperparameters;
  private final List<String> arguments;
  private final int cpus;
  private final java.util.function.BooleanSupplier stopRequested;

  /**
   * @param jobName the training job's name
   * @param hosts every worker's host, by rank
   * @param currentHost this worker's host (one of {@code hosts})
   * @param root the container root (SageMaker's {@code /opt/ml}; {@code SAGEMAKER_BASE_DIR})
   * @param channels each channel's directory, by name, in the job's order
   * @param hyperparameters the script's hyperparameters as strings, by key
   * @param arguments the command-line arguments after the class name (algorithm.arguments, then the
   *     hyperparameters' {@code --key value} pairs)
   * @param cpus the cores this worker may use ({@code SM_NUM_CPUS})
   * @param stopRequested whether a stop (SIGTERM) has arrived
   */
  public TrainerContext(String jobName, List<String> hosts, String currentHost, Path root, Map<String, Path> channels,
      Map<String, String> hyperparameters, List<String> arguments, int cpus,
      java.util.function.BooleanSupplier stopRequested) {
    this.jobName = jobName;
    this.hosts = List.copyOf(hosts);
    this.currentHost = currentHost;
    if (!this.hosts.contains(currentHost)) {
      throw new IllegalArgumentException("current host " + currentHost + " is not one of the hosts " + hosts);
    }
    this.root = root;
    this.channels = Collections.unmodifiableMap(new LinkedHashMap<>(channels));
    this.hyperparameters = Collections.unmodifiableMap(new TreeMap<>(hyperparameters));
    this.arguments = List.copyOf(arguments);
    this.cpus = cpus;
    this.stopRequested = stopRequested;
  }

  /**
   * Reads the contract a script job gives its entry point: {@code SAGEMAKER_BASE_DIR} (the root),
   * {@code TRAINING_JOB_NAME}, {@code SM_HOSTS}, {@code SM_CURRENT_HOST}, {@code SM_NUM_CPUS},
   * {@code SM_CHANNELS} with each {@code SM_CHANNEL_<NAME>}, and {@code input/config/hyperparameters.json}
   * less the keys {@code SM_HPS} leaves out.
   *
   * @param env the process's environment
   * @param arguments the arguments after the class name
   * @param stopRequested whether a stop has arrived
   * @throws IllegalStateException naming the variable or file that is missing or not the expected JSON
   */
  public static TrainerContext fromEnvironment(Map<String, String> env, List<String> arguments,
      java.util.function.BooleanSupplier stopRequested) {
    Path root = Path.of(required(env, "SAGEMAKER_BASE_DIR"));
    List<String> hosts = strings(json(env, "SM_HOSTS"), "SM_HOSTS");
    Map<String, Path> channels = new LinkedHashMap<>();
    for (String c : strings(json(env, "SM_CHANNELS"), "SM_CHANNELS")) {
      channels.put(c, Path.of(required(env, "SM_CHANNEL_" + c.toUpperCase(java.util.Locale.ROOT))));
    }
    JsonNode hps = json(env, "SM_HPS");
    Map<String, String> hyperparameters = new TreeMap<>();
    Path file = root.resolve("input/config/hyperparameters.json");
    JsonNode all;
    try {
      all = JSON.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    hps.fieldNames().forEachRemaining(k -> hyperparameters.put(k, all.path(k).asText(hps.get(k).asText())));
    return new TrainerContext(env.getOrDefault("TRAINING_JOB_NAME", ""), hosts, required(env, "SM_CURRENT_HOST"), root,
        channels, hyperparameters, arguments, Integer.parseInt(env.getOrDefault("SM_NUM_CPUS", "1")), stopRequested);
  }

  private static String required(Map<String, String> env, String key) {
    String v = env.get(key);
    if (v == null) {
      throw new IllegalStateException("the variable " + key + " is not set; a Java trainer runs inside a Kiln script "
          + "job, which sets it");
    }
    return v;
  }

  private static JsonNode json(Map<String, String> env, String key) {
    try {
      return JSON.readTree(required(env, key));
    } catch (IOException e) {
      throw new IllegalStateException("the variable " + key + " is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  private static List<String> strings(JsonNode array, String key) {
    if (!array.isArray()) {
      throw new IllegalStateException("the variable " + key + " is not a JSON array");
    }
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** The training job's name. */
  public String jobName() {
    return jobName;
  }

  /** Every worker's host name, by rank. */
  public List<String> hosts() {
    return hosts;
  }

  /** This worker's host name. */
  public String currentHost() {
    return currentHost;
  }

  /** This worker's rank: its host's index in {@link #hosts()} (0 is the one whose model is kept). */
  public int rank() {
    return hosts.indexOf(currentHost);
  }

  /** How many workers run the trainer. */
  public int worldSize() {
    return hosts.size();
  }

  /** The container root (SageMaker's {@code /opt/ml}). */
  public Path root() {
    return root;
  }

  /** {@code model/}: what rank 0 leaves here becomes {@code model.tar.gz}. */
  public Path modelDir() {
    return root.resolve("model");
  }

  /** {@code output/data/}: what rank 0 leaves here becomes {@code output.tar.gz}. */
  public Path outputDataDir() {
    return root.resolve("output").resolve("data");
  }

  /** {@code checkpoints/}. */
  public Path checkpointDir() {
    return root.resolve("checkpoints");
  }

  /** Each channel's directory ({@code input/data/<channel>}), by name, in the job's order. */
  public Map<String, Path> channels() {
    return channels;
  }

  /**
   * One channel's directory.
   *
   * @throws NoSuchElementException naming the channel and the job's channels when there is none
   */
  public Path channel(String name) {
    Path p = channels.get(name);
    if (p == null) {
      throw new NoSuchElementException("the job has no channel '" + name + "'; its channels are " + channels.keySet());
    }
    return p;
  }

  /** The script's hyperparameters, by key, each the request's string. */
  public Map<String, String> hyperparameters() {
    return hyperparameters;
  }

  /** A hyperparameter's string, or {@code fallback} when the job does not set it. */
  public String hyperparameter(String key, String fallback) {
    return hyperparameters.getOrDefault(key, fallback);
  }

  /**
   * A hyperparameter as an int, or {@code fallback} when not set.
   *
   * @throws IllegalArgumentException naming the key and value when it is not an integer
   */
  public int intHyperparameter(String key, int fallback) {
    String v = hyperparameters.get(key);
    try {
      return v == null ? fallback : Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("hyperparameter " + key + " is '" + v + "', not an integer");
    }
  }

  /**
   * A hyperparameter as a double, or {@code fallback} when not set.
   *
   * @throws IllegalArgumentException naming the key and value when it is not a number
   */
  public double doubleHyperparameter(String key, double fallback) {
    String v = hyperparameters.get(key);
    try {
      return v == null ? fallback : Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("hyperparameter " + key + " is '" + v + "', not a number");
    }
  }

  /** The command-line arguments after the class name (algorithm.arguments, then {@code --key value} pairs). */
  public List<String> arguments() {
    return arguments;
  }

  /** The cores this worker may use. */
  public int cpus() {
    return cpus;
  }

  /**
   * Whether a stop (kiln stop, MaxRuntimeInSeconds, a spot stop: SIGTERM to the process) has arrived;
   * a trainer that checks it between steps can save its model and return.
   */
  public boolean stopRequested() {
    return stopRequested.getAsBoolean();
  }
}
