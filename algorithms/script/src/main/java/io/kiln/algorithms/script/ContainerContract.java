package io.kiln.algorithms.script;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * SageMaker's container contract for one worker, as files and variables: what SageMaker writes under
 * {@code /opt/ml/input/config/} and what its training toolkit puts in the script's environment and
 * on its command line. Kiln lays the same tree out under a per-task root (SageMaker's {@code /opt/ml}),
 * and every path variable points into it.
 *
 * <p>Sources of the names and formats: SageMaker's "How Amazon SageMaker Provides Training
 * Information" (the three JSON files) and the SageMaker training toolkit's
 * {@code sagemaker_training/environment.py} ({@code Environment.to_env_vars}, the properties
 * {@code SM_TRAINING_ENV} lists), {@code mapping.py} (value formats, {@code --key value}
 * arguments) and {@code params.py} (the {@code sagemaker_*} hyperparameters that are not the
 * script's).
 *
 * @param jobName the training job's name
 * @param hyperparameters every hyperparameter as the job gives it (strings; the SDK's
 *     {@code sagemaker_*} ones included), as {@code hyperparameters.json} holds them
 * @param hosts every worker's host name, by rank
 * @param rank this worker's rank
 * @param networkInterface the network interface of this worker's host address ({@code eth0} on SageMaker)
 * @param channels each channel's {@code inputdataconfig.json} entry, by name, in the job's order
 * @param root the per-task root (SageMaker's {@code /opt/ml})
 * @param cpus SM_NUM_CPUS: the cores this worker may use
 * @param gpus SM_NUM_GPUS: the GPUs Spark gave this task
 * @param entryPoint the script, relative to the code directory
 * @param sourceUri the source as written (SM_MODULE_DIR, as the toolkit sets it from
 *     {@code sagemaker_submit_directory})
 */
record ContainerContract(String jobName, Map<String, String> hyperparameters, List<String> hosts, int rank,
    String networkInterface, Map<String, ChannelConfig> channels, Path root, int cpus, int gpus, String entryPoint,
    String sourceUri) {

  /** The instance group every Kiln worker is in (SageMaker's name for a homogeneous cluster). */
  static final String GROUP = "homogeneousCluster";
  /** SageMaker's instance type field for Kiln's workers, as the toolkit's local mode writes it. */
  static final String INSTANCE_TYPE = "local";
  /** The toolkit's own {@code sagemaker_*} hyperparameters; other {@code sagemaker_*} keys are framework parameters. */
  static final List<String> SAGEMAKER_HYPERPARAMETERS = List.of("sagemaker_program", "sagemaker_submit_directory",
      "sagemaker_enable_cloudwatch_metrics", "sagemaker_region", "sagemaker_container_log_level",
      "sagemaker_job_name", "default_user_module_name", "_tuning_objective_metric", "sagemaker_s3_output");
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /**
   * One channel's entry in {@code inputdataconfig.json}.
   *
   * @param contentType the ContentType as written, or null
   * @param inputMode TrainingInputMode (File, FastFile, Pipe as the job gave it)
   * @param distribution S3DistributionType (FullyReplicated, ShardedByS3Key)
   * @param s3DataType S3DataType
   */
  record ChannelConfig(String contentType, String inputMode, String distribution, String s3DataType)
      implements java.io.Serializable {}

  ContainerContract {
    hyperparameters = new TreeMap<>(hyperparameters);
    hosts = List.copyOf(hosts);
    channels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(channels));
  }

  String currentHost() {
    return hosts.get(rank);
  }

  Path inputDir() {
    return root.resolve("input");
  }

  Path configDir() {
    return inputDir().resolve("config");
  }

  /** {@code input/data/<channel>}; the caller has checked the name stays inside. */
  Path channelDir(String channel) {
    return inputDir().resolve("data").resolve(channel);
  }

  Path modelDir() {
    return root.resolve("model");
  }

  Path outputDir() {
    return root.resolve("output");
  }

  Path outputDataDir() {
    return outputDir().resolve("data");
  }

  Path intermediateDir() {
    return outputDir().resolve("intermediate");
  }

  Path codeDir() {
    return root.resolve("code");
  }

  Path checkpointDir() {
    return root.resolve("checkpoints");
  }

  /** {@code hyperparameters.json}: every hyperparameter, its value a string as the request gives it. */
  String hyperparametersJson() {
    ObjectNode o = F.objectNode();
    hyperparameters.forEach(o::put);
    return PythonValues.dumps(o);
  }

  /** {@code resourceconfig.json}: current_host, hosts, network_interface_name and the one instance group. */
  ObjectNode resourceConfig() {
    ObjectNode o = F.objectNode();
    o.put("current_host", currentHost());
    o.put("current_instance_type", INSTANCE_TYPE);
    o.put("current_group_name", GROUP);
    o.set("hosts", strings(hosts));
    ObjectNode group = o.putArray("instance_groups").addObject();
    group.put("instance_group_name", GROUP).put("instance_type", INSTANCE_TYPE).set("hosts", strings(hosts));
    o.put("network_interface_name", networkInterface);
    return o;
  }

  /** {@code inputdataconfig.json}: each channel's ContentType (when given), mode, distribution. */
  ObjectNode inputDataConfig() {
    ObjectNode o = F.objectNode();
    channels.forEach((name, c) -> {
      ObjectNode ch = o.putObject(name);
      if (c.contentType() != null) {
        ch.put("ContentType", c.contentType());
      }
      ch.put("TrainingInputMode", c.inputMode()).put("S3DistributionType", c.distribution())
          .put("RecordWrapperType", "None");
    });
    return o;
  }

  /** Every hyperparameter, decoded as the toolkit's {@code read_hyperparameters} does. */
  private Map<String, JsonNode> decoded() {
    Map<String, JsonNode> out = new TreeMap<>();
    hyperparameters.forEach((k, v) -> out.put(k, PythonValues.decode(v)));
    return out;
  }

  private static boolean sagemakers(String key) {
    return SAGEMAKER_HYPERPARAMETERS.contains(key) || key.startsWith("sagemaker_");
  }

  /** The script's hyperparameters: all but the toolkit's and the SDK's {@code sagemaker_*} ones (SM_HPS). */
  ObjectNode scriptHyperparameters() {
    ObjectNode o = F.objectNode();
    decoded().forEach((k, v) -> {
      if (!sagemakers(k)) {
        o.set(k, v);
      }
    });
    return o;
  }

  /** {@code sagemaker_*} hyperparameters that are not the toolkit's own (SM_FRAMEWORK_PARAMS). */
  ObjectNode frameworkParameters() {
    ObjectNode o = F.objectNode();
    decoded().forEach((k, v) -> {
      if (sagemakers(k) && !SAGEMAKER_HYPERPARAMETERS.contains(k)) {
        o.set(k, v);
      }
    });
    return o;
  }

  /** The script's arguments from its hyperparameters: {@code --key value} in key order ({@code -k} for one letter). */
  List<String> userArgs() {
    List<String> args = new ArrayList<>();
    scriptHyperparameters().fields().forEachRemaining(e -> {
      args.add((e.getKey().length() > 1 ? "--" : "-") + e.getKey());
      args.add(PythonValues.str(e.getValue()));
    });
    return args;
  }

  /** SM_LOG_LEVEL: {@code sagemaker_container_log_level} as decoded, else Python's logging.INFO (20). */
  JsonNode logLevel() {
    String v = hyperparameters.get("sagemaker_container_log_level");
    return v == null ? F.numberNode(20) : PythonValues.decode(v);
  }

  private String moduleName() {
    return entryPoint.endsWith(".py") ? entryPoint.substring(0, entryPoint.length() - 3) : entryPoint;
  }

  /**
   * The training environment the toolkit's {@code Environment} describes ({@code SM_TRAINING_ENV}):
   * every property, by name.
   */
  ObjectNode trainingEnv() {
    ObjectNode o = F.objectNode();
    o.set("additional_framework_parameters", frameworkParameters());
    ObjectNode dirs = o.putObject("channel_input_dirs");
    channels.keySet().forEach(c -> dirs.put(c, channelDir(c).toString()));
    o.put("current_host", currentHost());
    o.put("current_instance_group", GROUP);
    o.set("current_instance_group_hosts", strings(hosts));
    o.put("current_instance_type", INSTANCE_TYPE);
    o.set("distribution_hosts", F.arrayNode());
    o.set("distribution_instance_groups", F.arrayNode());
    o.putNull("framework_module");
    o.set("hosts", strings(hosts));
    o.set("hyperparameters", scriptHyperparameters());
    o.put("input_config_dir", configDir().toString());
    o.set("input_data_config", inputDataConfig());
    o.put("input_dir", inputDir().toString());
    o.set("instance_groups", strings(List.of(GROUP)));
    ObjectNode groups = o.putObject("instance_groups_dict");
    groups.putObject(GROUP).put("instance_group_name", GROUP).put("instance_type", INSTANCE_TYPE)
        .set("hosts", strings(hosts));
    o.put("is_hetero", false);
    o.put("is_master", rank == 0);
    o.putNull("is_modelparallel_enabled");
    o.put("is_smddpmprun_installed", false);
    o.put("is_smddprun_installed", false);
    o.put("job_name", jobName);
    o.set("log_level", logLevel());
    o.put("master_hostname", hosts.get(0));
    o.put("model_dir", modelDir().toString());
    o.put("module_dir", sourceUri);
    o.put("module_name", moduleName());
    o.put("network_interface_name", networkInterface);
    o.put("num_cpus", cpus);
    o.put("num_gpus", gpus);
    o.put("num_neurons", 0);
    o.put("output_data_dir", outputDataDir().toString());
    o.put("output_dir", outputDir().toString());
    o.put("output_intermediate_dir", intermediateDir().toString());
    o.set("resource_config", resourceConfig());
    o.set("topology", F.arrayNode());
    o.put("user_entry_point", entryPoint);
    return o;
  }

  /**
   * The variables the toolkit sets for the script ({@code Environment.to_env_vars}, each named
   * {@code SM_<KEY>}), plus {@code SM_CHANNEL_<NAME>}, {@code SM_HP_<NAME>}, what the platform and the
   * toolkit set outside it ({@code TRAINING_JOB_NAME}, {@code CURRENT_HOST}, {@code SAGEMAKER_JOB_NAME},
   * {@code SAGEMAKER_REGION}) and {@code SAGEMAKER_BASE_DIR} (the root, so the toolkit itself, run
   * inside the script, finds this layout instead of {@code /opt/ml}).
   *
   * @param region the job's region ({@code sagemaker_region}, else AWS_REGION), or null
   */
  Map<String, String> environment(String region) {
    Map<String, JsonNode> env = new LinkedHashMap<>();
    env.put("hosts", strings(hosts));
    env.put("network_interface_name", TextNode.valueOf(networkInterface));
    env.put("hps", scriptHyperparameters());
    env.put("user_entry_point", TextNode.valueOf(entryPoint));
    env.put("framework_params", frameworkParameters());
    env.put("resource_config", resourceConfig());
    env.put("input_data_config", inputDataConfig());
    env.put("output_data_dir", TextNode.valueOf(outputDataDir().toString()));
    env.put("channels", strings(channels.keySet().stream().sorted().toList()));
    env.put("current_host", TextNode.valueOf(currentHost()));
    env.put("current_instance_type", TextNode.valueOf(INSTANCE_TYPE));
    env.put("current_instance_group", TextNode.valueOf(GROUP));
    env.put("current_instance_group_hosts", strings(hosts));
    env.put("instance_groups", strings(List.of(GROUP)));
    env.put("instance_groups_dict", trainingEnv().get("instance_groups_dict"));
    env.put("distribution_instance_groups", F.arrayNode());
    env.put("is_hetero", F.booleanNode(false));
    env.put("module_name", TextNode.valueOf(moduleName()));
    env.put("log_level", logLevel());
    env.put("framework_module", F.nullNode());
    env.put("input_dir", TextNode.valueOf(inputDir().toString()));
    env.put("input_config_dir", TextNode.valueOf(configDir().toString()));
    env.put("output_dir", TextNode.valueOf(outputDir().toString()));
    env.put("num_cpus", F.numberNode(cpus));
    env.put("num_gpus", F.numberNode(gpus));
    env.put("num_neurons", F.numberNode(0));
    env.put("model_dir", TextNode.valueOf(modelDir().toString()));
    env.put("module_dir", TextNode.valueOf(sourceUri));
    env.put("training_env", trainingEnv());
    env.put("user_args", strings(userArgs()));
    env.put("output_intermediate_dir", TextNode.valueOf(intermediateDir().toString()));
    channels.keySet().forEach(c -> env.put("channel_" + c, TextNode.valueOf(channelDir(c).toString())));
    scriptHyperparameters().fields().forEachRemaining(e -> env.put("hp_" + e.getKey(), e.getValue()));
    Map<String, String> out = new LinkedHashMap<>();
    env.forEach((k, v) -> out.put("SM_" + k.toUpperCase(java.util.Locale.ROOT), PythonValues.envValue(v)));
    out.put("TRAINING_JOB_NAME", jobName);
    out.put("CURRENT_HOST", currentHost());
    JsonNode smJobName = decoded().get("sagemaker_job_name");
    out.put("SAGEMAKER_JOB_NAME", smJobName == null ? "" : PythonValues.envValue(smJobName));
    JsonNode smRegion = decoded().get("sagemaker_region");
    String r = smRegion != null ? PythonValues.envValue(smRegion) : region;
    out.put("SAGEMAKER_REGION", r == null ? "" : r);
    out.put("SAGEMAKER_BASE_DIR", root.toString());
    return out;
  }

  private static ArrayNode strings(java.util.Collection<String> values) {
    ArrayNode a = F.arrayNode();
    values.forEach(a::add);
    return a;
  }
}
