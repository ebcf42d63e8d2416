package io.kiln.spec;

import io.kiln.spi.DataDistribution;
import io.kiln.spi.KilnException;
import io.kiln.spi.S3DataType;
import java.util.List;

/** Reads Kiln's own job spec (camelCase, JSON or YAML); see {@code conf/kiln-job.schema.json}. */
public final class KilnSpecReader {
  public static final List<String> TOP_LEVEL = List.of("name", "algorithm", "hyperparameters", "channels",
      "outputPath", "resources", "stoppingCondition", "checkpoint", "managedSpot", "environment", "metricDefinitions",
      "retry");
  /** The fields of a training job written inside another spec, which names it (a tuning job's trainingJob). */
  public static final List<String> UNNAMED = TOP_LEVEL.subList(1, TOP_LEVEL.size());

  /** A script job's fields in the algorithm object. */
  static final List<String> SCRIPT_FIELDS = List.of("entryPoint", "source", "interpreter", "arguments",
      "containerEntrypoint", "containerArguments");
  /** The algorithm object's fields. */
  static final List<String> ALGORITHM_FIELDS = List.of("name", "trainingImage", "inputMode", "entryPoint", "source",
      "interpreter", "arguments", "containerEntrypoint", "containerArguments");

  /** SageMaker's TrainingInputMode: built-ins read channels the same way in each; script jobs get FIFOs in Pipe. */
  enum InputMode {
    File,
    FastFile,
    Pipe
  }

  private KilnSpecReader() {}

  static TrainingJobSpec read(Fields root) {
    root.allowOnly(TOP_LEVEL);
    String name = root.requireText("name");
    if (!Names.isJobName(name)) {
      throw root.error("field 'name' is '" + name + "'; use 1 to 63 letters, digits and hyphens, starting and "
          + "ending with a letter or digit (SageMaker's TrainingJobName rule)");
    }
    return job(root, name);
  }

  /**
   * Reads a training job written without a name inside another spec, e.g. a tuning job's
   * {@code trainingJob}, and gives it {@code name}; the fields and rules are otherwise those of a
   * training spec.
   */
  public static TrainingJobSpec readUnnamed(Fields root, String name) {
    root.allowOnly(UNNAMED);
    return job(root, name);
  }

  private static TrainingJobSpec job(Fields root, String name) {
    AlgorithmSpec algorithm = algorithm(root);
    List<ChannelSpec> channels = root.list("channels", KilnSpecReader::channel);
    if (channels.isEmpty()) {
      throw root.error("missing required field '" + root.path("channels") + "': give at least one channel, e.g. "
          + "channels: [{name: train, uri: s3://bucket/train/, contentType: text/csv}]");
    }
    String outputPath = root.requireText("outputPath");
    ResourceSpec resources = root.object("resources").map(KilnSpecReader::resources).orElse(ResourceSpec.workers(1));
    StoppingCondition stopping = root.object("stoppingCondition").map(KilnSpecReader::stopping)
        .orElse(StoppingCondition.defaults());
    CheckpointSpec checkpoint = root.object("checkpoint").map(KilnSpecReader::checkpoint).orElse(null);
    boolean spot = root.bool("managedSpot").orElse(false);
    List<MetricDefinition> metrics = root.list("metricDefinitions", m -> {
      m.allowOnly(List.of("name", "regex"));
      return wrap(m, () -> new MetricDefinition(m.requireText("name"), m.requireText("regex")));
    });
    int retries = root.object("retry").map(r -> {
      r.allowOnly(List.of("maximumAttempts"));
      return r.integer("maximumAttempts", 1, 30).orElse(0L).intValue();
    }).orElse(0);
    java.util.Map<String, String> hyperparameters = new java.util.LinkedHashMap<>(root.stringMap("hyperparameters"));
    if (algorithm.script() != null) {
      // mirrored as the SageMaker SDK sends them, so the record reads as an SDK job's (the SDK's attach
      // reads them back) and the script finds them in hyperparameters.json
      algorithm.script().sdkHyperparameters().forEach(hyperparameters::putIfAbsent);
    }
    return wrap(root, () -> new TrainingJobSpec(name, algorithm, hyperparameters, channels,
        outputPath, resources, stopping, checkpoint, spot, root.stringMap("environment"), metrics, retries,
        List.of()));
  }

  private static AlgorithmSpec algorithm(Fields root) {
    if (!root.has("algorithm")) {
      throw root.error("missing required field '" + root.path("algorithm")
          + "': name a built-in algorithm, e.g. algorithm: xgboost");
    }
    if (root.node().get("algorithm").isObject()) {
      Fields a = root.object("algorithm").orElseThrow();
      a.allowOnly(ALGORITHM_FIELDS);
      io.kiln.spi.ScriptSpec script = script(a, root);
      String name = script != null && !a.has("name") ? "script" : a.requireText("name");
      return new AlgorithmSpec(name, a.text("trainingImage").orElse(null),
          a.enumValue("inputMode", InputMode.class).orElse(InputMode.File).name(),
          script != null ? script : sdkScript(root));
    }
    String name = root.requireText("algorithm");
    io.kiln.spi.ScriptSpec script = sdkScript(root);
    return script == null ? AlgorithmSpec.named(name)
        : new AlgorithmSpec(name, null, InputMode.File.name(), script);
  }

  /**
   * The script the hyperparameters name as the SageMaker SDK writes them ({@code sagemaker_program},
   * {@code sagemaker_submit_directory}), for a spec whose algorithm object has no script fields (a
   * SageMaker request's hyperparameters copied into a Kiln spec); null when they name none.
   */
  private static io.kiln.spi.ScriptSpec sdkScript(Fields root) {
    if (!root.has("hyperparameters")) {
      return null;
    }
    java.util.Map<String, String> hp = root.stringMap("hyperparameters");
    return wrap(root, () -> io.kiln.spi.ScriptSpec.fromHyperparameters(hp)).orElse(null);
  }

  /**
   * A script job's named fields ({@code entryPoint}, {@code source}, {@code interpreter},
   * {@code arguments}), or null when the algorithm object has none. The same script may also be in
   * the hyperparameters as the SDK writes it ({@code sagemaker_program} ...), but not a different one.
   */
  private static io.kiln.spi.ScriptSpec script(Fields a, Fields root) {
    if (SCRIPT_FIELDS.stream().noneMatch(a::has)) {
      return null;
    }
    io.kiln.spi.ScriptSpec script = wrap(a, () -> new io.kiln.spi.ScriptSpec(a.text("entryPoint").orElse(null),
        a.text("source").orElse(null), a.text("interpreter").orElse(null), a.texts("arguments"),
        a.texts("containerEntrypoint"), a.texts("containerArguments")));
    java.util.Map<String, String> hp = root.has("hyperparameters") ? root.stringMap("hyperparameters")
        : java.util.Map.of();
    // each SDK hyperparameter given beside the fields must name the same as its field
    sameAsField(root, hp, io.kiln.spi.ScriptSpec.PROGRAM, "algorithm.entryPoint", script.entryPoint());
    sameAsField(root, hp, io.kiln.spi.ScriptSpec.SUBMIT_DIRECTORY, "algorithm.source", script.source());
    return script;
  }

  private static void sameAsField(Fields root, java.util.Map<String, String> hp, String key, String field,
      String value) {
    String given = hp.get(key);
    if (given == null) {
      return;
    }
    String decoded = wrap(root, () -> io.kiln.spi.ScriptSpec.sdkString(key, given));
    if (!decoded.equals(value)) {
      throw root.error(field + " is '" + value + "' but hyperparameter " + key + " names '" + decoded
          + "'; give the script once: drop the hyperparameter (Kiln writes it from " + field + ") or make them equal");
    }
  }

  private static ChannelSpec channel(Fields c) {
    c.allowOnly(List.of("name", "uri", "contentType", "distribution", "compression", "dataType", "attributeNames"));
    String name = c.requireText("name");
    String uri = c.requireText("uri");
    return wrap(c, () -> new ChannelSpec(name, uri, c.text("contentType").orElse(null),
        c.enumValue("distribution", DataDistribution.class).orElse(DataDistribution.FullyReplicated),
        c.enumValue("compression", ChannelSpec.Compression.class).orElse(ChannelSpec.Compression.None),
        c.enumValue("dataType", S3DataType.class).orElse(S3DataType.S3Prefix), c.texts("attributeNames")));
  }

  private static ResourceSpec resources(Fields r) {
    r.allowOnly(List.of("workers", "coresPerWorker", "memoryPerWorker", "gpusPerWorker", "instanceType", "minWorkers",
        "fallbackMaster"));
    int workers = r.integer("workers", 1, 10_000).orElse(1L).intValue();
    String instanceType = r.text("instanceType").orElse(null);
    Integer cores = r.integer("coresPerWorker", 1, 1024).map(Long::intValue).orElse(null);
    String memory = r.text("memoryPerWorker").orElse(null);
    Integer gpus = r.integer("gpusPerWorker", 0, 64).map(Long::intValue).orElse(null);
    if (instanceType != null) {
      InstanceTypes.InstanceType type = InstanceTypes.find(instanceType).orElseThrow(() -> r.error(
          "field '" + r.path("instanceType") + "' is '" + instanceType + "', which Kiln does not know"
              + Names.suggestion(instanceType, InstanceTypes.all().keySet())
              + "; give coresPerWorker and memoryPerWorker instead"));
      cores = cores != null ? cores : type.vcpus();
      memory = memory != null ? memory : type.executorMemory();
      gpus = gpus != null ? gpus : type.gpus();
    }
    Integer c = cores;
    String m = memory;
    int g = gpus == null ? 0 : gpus;
    Integer minWorkers = r.integer("minWorkers", 1, 10_000).map(Long::intValue).orElse(null);
    String fallbackMaster = r.text("fallbackMaster").orElse(null);
    return wrap(r, () -> new ResourceSpec(workers, c, m, g, instanceType, minWorkers, fallbackMaster));
  }

  private static StoppingCondition stopping(Fields s) {
    s.allowOnly(List.of("maxRuntimeSeconds", "maxWaitSeconds", "maxPendingSeconds"));
    return wrap(s, () -> new StoppingCondition(
        s.integer("maxRuntimeSeconds", 1, StoppingCondition.MAX_RUNTIME_LIMIT_SECONDS)
            .orElse(StoppingCondition.DEFAULT_MAX_RUNTIME_SECONDS),
        s.integer("maxWaitSeconds", 1, Long.MAX_VALUE).orElse(null),
        s.integer("maxPendingSeconds", 1, Long.MAX_VALUE).orElse(null)));
  }

  private static CheckpointSpec checkpoint(Fields c) {
    c.allowOnly(List.of("uri", "localPath", "intervalRounds"));
    String uri = c.requireText("uri");
    return wrap(c, () -> new CheckpointSpec(uri, c.text("localPath").orElse(null),
        c.integer("intervalRounds", 1, Integer.MAX_VALUE).map(Long::intValue).orElse(null)));
  }

  /** Re-throws a value's own validation error with the spec's name in front. */
  public static <T> T wrap(Fields at, java.util.function.Supplier<T> build) {
    try {
      return build.get();
    } catch (KilnException e) {
      if (e.getMessage().startsWith("Invalid spec ")) {
        throw e;
      }
      throw at.error(e.getMessage());
    }
  }
}
