package io.kiln.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.spi.DataDistribution;
import io.kiln.spi.KilnException;
import io.kiln.spi.S3DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Maps a SageMaker CreateTrainingJob request, as written for AWS, onto a {@link TrainingJobSpec}.
 * The request is first checked against the service's request shape; what applies is mapped, and
 * AWS-only fields (RoleArn, VpcConfig, KMS keys, tags, debugger and profiler settings ...) are
 * listed once in the spec's notices ({@link #notice}): those DescribeTrainingJob echoes as kept for
 * describe, the rest as ignored.
 *
 * <p>The training job definition of a CreateHyperParameterTuningJob request is mapped by the same
 * rules ({@link #mapTrainingJobDefinition}).
 */
public final class SageMakerRequestMapper {

  /** Top-level members (of a request or a tuning job's definition) that only mean something on AWS. */
  private static final Set<String> AWS_ONLY = Set.of("RoleArn", "VpcConfig", "Tags", "EnableNetworkIsolation",
      "EnableInterContainerTrafficEncryption", "DebugHookConfig", "DebugRuleConfigurations",
      "TensorBoardOutputConfig", "ExperimentConfig", "ProfilerConfig", "ProfilerRuleConfigurations",
      "RemoteDebugConfig", "InfraCheckConfig", "SessionChainingConfig", "ServerlessJobConfig", "MlflowConfig",
      "ModelPackageConfig", "HyperParameterTuningResourceConfig");

  private SageMakerRequestMapper() {}

  public static TrainingJobSpec map(JsonNode request, String source) {
    SageMakerShapes.get().validate(request, "CreateTrainingJobRequest", source);
    Fields root = Fields.root(request, source);
    List<String> ignored = new ArrayList<>();
    TrainingJobSpec job = job(root, root.requireText("TrainingJobName"), "HyperParameters", ignored);
    return ignored.isEmpty() ? job : job.withNotices(List.of(notice(ignored)));
  }

  /**
   * The request's members DescribeTrainingJob echoes though Kiln does not act on them ({@link
   * #requestEcho}; {@code TuningJobDescription.requestEcho} for a tuning job's definition), as paths.
   */
  private static final List<String> ECHOED = List.of("RoleArn", "VpcConfig", "EnableNetworkIsolation",
      "EnableInterContainerTrafficEncryption", "ResourceConfig.VolumeSizeInGB", "ResourceConfig.VolumeKmsKeyId",
      "OutputDataConfig.KmsKeyId");

  /** The notice's first words; the members Kiln does not act on follow. */
  public static final String NOTICE_PREFIX = "Not applied on Spark (AWS-only fields of the SageMaker request): ";

  /**
   * The one-line notice naming the members of a request Kiln does not act on, each said truly: those
   * {@code describe} still echoes (RoleArn, VpcConfig, ResourceConfig.VolumeSizeInGB ...) as "kept for
   * describe", the rest as "ignored", e.g. {@code Not applied on Spark (AWS-only fields of the SageMaker
   * request): kept for describe: RoleArn, ResourceConfig.VolumeSizeInGB; ignored: Tags}.
   *
   * @param fields the members' paths in the request, in order (a tuning request's under its training
   *     job definition, e.g. {@code TrainingJobDefinition.RoleArn}); not empty
   */
  public static String notice(List<String> fields) {
    List<String> kept = fields.stream().filter(SageMakerRequestMapper::echoed).toList();
    List<String> dropped = fields.stream().filter(f -> !echoed(f)).toList();
    StringBuilder b = new StringBuilder(NOTICE_PREFIX);
    if (!kept.isEmpty()) {
      b.append("kept for describe: ").append(String.join(", ", kept));
    }
    if (!dropped.isEmpty()) {
      b.append(kept.isEmpty() ? "" : "; ").append("ignored: ").append(String.join(", ", dropped));
    }
    return b.toString();
  }

  private static boolean echoed(String path) {
    return ECHOED.stream().anyMatch(e -> path.equals(e) || path.endsWith("." + e));
  }

  /**
   * Maps the HyperParameterTrainingJobDefinition of a CreateHyperParameterTuningJob request, already
   * checked against its shape, onto the training job every trial starts from, named {@code name}.
   * Its StaticHyperParameters become the job's hyperparameters; the tuning members (DefinitionName,
   * TuningObjective, HyperParameterRanges) are the caller's to read. AWS-only fields are added to
   * {@code ignored} under their path in the request; the returned job has no notices.
   */
  public static TrainingJobSpec mapTrainingJobDefinition(Fields definition, String name, List<String> ignored) {
    List<String> own = new ArrayList<>();
    TrainingJobSpec job = job(definition, name, "StaticHyperParameters", own);
    own.forEach(field -> ignored.add(definition.path(field)));
    return job;
  }

  /** The job described by {@code root}, a CreateTrainingJob request or a tuning job's definition, without notices. */
  private static TrainingJobSpec job(Fields root, String name, String hyperparametersField, List<String> ignored) {
    for (String field : root.fieldNames()) {
      if (AWS_ONLY.contains(field) && root.has(field)) {
        ignored.add(field);
      }
    }
    AlgorithmSpec algorithm = algorithm(root, root.stringMap(hyperparametersField), ignored);
    List<ChannelSpec> channels = new ArrayList<>();
    for (Fields c : root.objects("InputDataConfig")) {
      channels.add(channel(c, ignored));
    }
    Fields output = root.object("OutputDataConfig").orElseThrow();
    String outputPath = output.requireText("S3OutputPath");
    output.text("KmsKeyId").ifPresent(v -> ignored.add("OutputDataConfig.KmsKeyId"));
    output.text("CompressionType").filter(v -> !v.equals("GZIP"))
        .ifPresent(v -> ignored.add("OutputDataConfig.CompressionType=" + v + " (Kiln always writes model.tar.gz)"));
    ResourceSpec resources = root.object("ResourceConfig").map(r -> resources(r, ignored))
        .orElse(ResourceSpec.workers(1));
    StoppingCondition stopping = root.object("StoppingCondition").map(s -> KilnSpecReader.wrap(s,
        () -> new StoppingCondition(
            s.integer("MaxRuntimeInSeconds", 1, StoppingCondition.MAX_RUNTIME_LIMIT_SECONDS)
                .orElse(StoppingCondition.DEFAULT_MAX_RUNTIME_SECONDS),
            s.integer("MaxWaitTimeInSeconds", 1, Long.MAX_VALUE).orElse(null),
            s.integer("MaxPendingTimeInSeconds", 1, Long.MAX_VALUE).orElse(null))))
        .orElse(StoppingCondition.defaults());
    CheckpointSpec checkpoint = root.object("CheckpointConfig")
        .map(c -> KilnSpecReader.wrap(c, () -> new CheckpointSpec(c.requireText("S3Uri"),
            c.text("LocalPath").orElse(null), null)))
        .orElse(null);
    int retries = root.object("RetryStrategy")
        .map(r -> r.integer("MaximumRetryAttempts", 1, 30).orElse(0L).intValue()).orElse(0);
    List<MetricDefinition> metrics = root.object("AlgorithmSpecification")
        .map(a -> a.list("MetricDefinitions", m -> KilnSpecReader.wrap(m,
            () -> new MetricDefinition(m.requireText("Name"), m.requireText("Regex")))))
        .orElse(List.of());
    return KilnSpecReader.wrap(root, () -> new TrainingJobSpec(name, algorithm, root.stringMap(hyperparametersField),
        channels, outputPath, resources, stopping, checkpoint, root.bool("EnableManagedSpotTraining").orElse(false),
        root.stringMap("Environment"), metrics, retries, List.of(), requestEcho(root)));
  }

  /**
   * The request's members DescribeTrainingJob echoes though Kiln does not act on them (see
   * {@link TrainingJobSpec#requestEcho}), typed as the service model types them.
   */
  static com.fasterxml.jackson.databind.node.ObjectNode requestEcho(Fields root) {
    var echo = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    root.text("RoleArn").ifPresent(v -> echo.put("RoleArn", v));
    root.object("VpcConfig").ifPresent(v -> {
      var vpc = echo.putObject("VpcConfig");
      v.texts("SecurityGroupIds").forEach(vpc.putArray("SecurityGroupIds")::add);
      v.texts("Subnets").forEach(vpc.putArray("Subnets")::add);
    });
    root.bool("EnableNetworkIsolation").ifPresent(v -> echo.put("EnableNetworkIsolation", v));
    root.bool("EnableInterContainerTrafficEncryption")
        .ifPresent(v -> echo.put("EnableInterContainerTrafficEncryption", v));
    root.object("ResourceConfig").ifPresent(r -> {
      var resources = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
      r.integer("VolumeSizeInGB", 0, Integer.MAX_VALUE).ifPresent(v -> resources.put("VolumeSizeInGB", v.intValue()));
      r.text("VolumeKmsKeyId").ifPresent(v -> resources.put("VolumeKmsKeyId", v));
      if (!resources.isEmpty()) {
        echo.set("ResourceConfig", resources);
      }
    });
    root.object("OutputDataConfig").flatMap(o -> o.text("KmsKeyId"))
        .ifPresent(v -> echo.putObject("OutputDataConfig").put("KmsKeyId", v));
    return echo;
  }

  /**
   * The SageMaker XGBoost image runs a user's script instead of the built-in when the SDK's
   * {@code sagemaker_program} hyperparameter is set (script mode); Kiln's {@code script} built-in
   * takes it then.
   */
  private static final String XGBOOST_REPOSITORY = "sagemaker-xgboost";

  private static AlgorithmSpec algorithm(Fields root, Map<String, String> hyperparameters, List<String> ignored) {
    Fields a = root.object("AlgorithmSpecification").orElseThrow(() -> root.error(
        "missing required field 'AlgorithmSpecification': set TrainingImage to a SageMaker built-in image "
            + "(e.g. .../sagemaker-xgboost:1.7-1) or AlgorithmName"));
    String image = a.text("TrainingImage").filter(s -> !s.isBlank()).orElse(null);
    String algorithmName = a.text("AlgorithmName").orElse(null);
    if (image != null && algorithmName != null) {
      throw root.error("AlgorithmSpecification has both TrainingImage and AlgorithmName; give one of them");
    }
    if (image == null && algorithmName == null) {
      throw root.error("AlgorithmSpecification needs TrainingImage or AlgorithmName");
    }
    String mode = a.text("TrainingInputMode").orElse("File");
    String name = image != null ? imageRepository(image) : algorithmName;
    io.kiln.spi.ScriptSpec script = KilnSpecReader.wrap(root,
        () -> io.kiln.spi.ScriptSpec.fromHyperparameters(hyperparameters)).orElse(null);
    if (script != null) { // a script job runs them instead of the toolkit's command, as a container would
      io.kiln.spi.ScriptSpec s = script;
      script = KilnSpecReader.wrap(a, () -> s.withContainerCommand(a.texts("ContainerEntrypoint"),
          a.texts("ContainerArguments")));
    }
    for (String f : List.of("ContainerEntrypoint", "ContainerArguments", "TrainingImageConfig")) {
      if (a.has(f) && (script == null || f.equals("TrainingImageConfig"))) {
        ignored.add("AlgorithmSpecification." + f);
      }
    }
    if (script != null && name.equals(XGBOOST_REPOSITORY)) {
      name = "script";
    }
    return new AlgorithmSpec(name, image, mode, script);
  }

  /**
   * The repository part of an image URI, without registry and tag:
   * {@code 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1} gives
   * {@code sagemaker-xgboost}.
   */
  public static String imageRepository(String image) {
    String s = image;
    int at = s.indexOf('@');
    if (at >= 0) {
      s = s.substring(0, at);
    }
    int slash = s.lastIndexOf('/');
    String repo = slash >= 0 ? s.substring(slash + 1) : s;
    int colon = repo.indexOf(':');
    if (colon >= 0) {
      repo = repo.substring(0, colon);
    }
    return repo.toLowerCase(Locale.ROOT);
  }

  private static ChannelSpec channel(Fields c, List<String> ignored) {
    String name = c.requireText("ChannelName");
    Fields source = c.object("DataSource").orElseThrow();
    if (source.has("FileSystemDataSource") || source.has("DatasetSource")) {
      throw c.error("channel '" + name + "' reads from "
          + (source.has("FileSystemDataSource") ? "FileSystemDataSource (EFS / FSx)" : "DatasetSource")
          + ", which Kiln cannot reach from Spark; copy the data to S3 and use S3DataSource");
    }
    Fields s3 = source.object("S3DataSource").orElseThrow(() -> c.error(
        "channel '" + name + "' has no DataSource.S3DataSource"));
    S3DataType dataType = dataType(c, name, s3.requireText("S3DataType"));
    DataDistribution distribution = s3.text("S3DataDistributionType")
        .map(v -> DataDistribution.valueOf(v)).orElse(DataDistribution.FullyReplicated);
    for (String f : List.of("InstanceGroupNames", "ModelAccessConfig", "HubAccessConfig")) {
      if (s3.has(f)) {
        ignored.add("InputDataConfig[" + name + "].S3DataSource." + f);
      }
    }
    c.text("RecordWrapperType").filter(v -> !v.equals("None")).ifPresent(v -> {
      if (dataType != S3DataType.AugmentedManifestFile) {
        throw c.error("channel '" + name + "' has RecordWrapperType " + v + ", which Kiln does not read; use None");
      }
      // Pipe mode frames each attribute in RecordIO; Kiln hands the algorithm the parsed lines instead
      ignored.add("InputDataConfig[" + name + "].RecordWrapperType=" + v
          + " (Kiln reads the augmented manifest's attributes directly)");
    });
    if (c.has("ShuffleConfig")) {
      ignored.add("InputDataConfig[" + name + "].ShuffleConfig (rows are assigned to workers deterministically)");
    }
    ChannelSpec.Compression compression = c.text("CompressionType")
        .map(v -> v.equals("Gzip") ? ChannelSpec.Compression.Gzip : ChannelSpec.Compression.None)
        .orElse(ChannelSpec.Compression.None);
    List<String> attributeNames = s3.texts("AttributeNames");
    return KilnSpecReader.wrap(c, () -> new ChannelSpec(name, s3.requireText("S3Uri"),
        c.text("ContentType").orElse(null), distribution, compression, dataType, attributeNames));
  }

  /** S3DataType, of the values the request shape allows, as far as Kiln reads it. */
  private static S3DataType dataType(Fields c, String channel, String value) {
    for (S3DataType t : S3DataType.values()) {
      if (t.name().equals(value)) {
        return t;
      }
    }
    throw c.error("channel '" + channel + "' has S3DataType " + value + ", which Kiln does not read; use "
        + String.join(", ", java.util.Arrays.stream(S3DataType.values()).map(Enum::name).toList()));
  }

  private static ResourceSpec resources(Fields r, List<String> ignored) {
    if (r.has("InstanceGroups")) {
      throw r.error("ResourceConfig.InstanceGroups (heterogeneous clusters) is not supported; "
          + "use InstanceType and InstanceCount");
    }
    for (String f : List.of("VolumeSizeInGB", "VolumeKmsKeyId", "KeepAlivePeriodInSeconds", "TrainingPlanArn",
        "InstancePlacementConfig")) {
      if (r.has(f)) {
        ignored.add("ResourceConfig." + f);
      }
    }
    int count = r.integer("InstanceCount", 1, 10_000).orElse(1L).intValue();
    String type = r.text("InstanceType").orElse(null);
    if (type == null) {
      return KilnSpecReader.wrap(r, () -> ResourceSpec.workers(count));
    }
    InstanceTypes.InstanceType it = InstanceTypes.find(type).orElseThrow(() -> r.error(
        "ResourceConfig.InstanceType '" + type + "' is not in Kiln's instance table"
            + Names.suggestion(type, InstanceTypes.all().keySet())));
    return KilnSpecReader.wrap(r, () -> new ResourceSpec(count, it.vcpus(), it.executorMemory(), it.gpus(), type));
  }

  static Map<String, String> hyperparameters(Fields root) {
    return root.stringMap("HyperParameters");
  }
}
