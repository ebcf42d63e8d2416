package io.kiln.record;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.spec.ChannelSpec;
import io.kiln.spec.MetricDefinition;
import io.kiln.spec.SpecJson;
import io.kiln.spec.TrainingJobSpec;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds a new job's record from its spec, echoing the request as DescribeTrainingJob does. */
public final class JobRecords {
  private JobRecords() {}

  /**
   * The request echo DescribeTrainingJob returns (AlgorithmSpecification, InputDataConfig,
   * OutputDataConfig, ResourceConfig, StoppingCondition, CheckpointConfig), also a tuning job's
   * TrainingJobDefinition.
   */
  public static ObjectNode describeEcho(TrainingJobSpec spec) {
    JobRecord r = created(spec, Instant.EPOCH, "", "", "", 1, 1);
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.set("AlgorithmSpecification", r.algorithmSpecification());
    o.set("InputDataConfig", r.inputDataConfig());
    o.set("OutputDataConfig", r.outputDataConfig());
    o.set("ResourceConfig", r.resourceConfig());
    o.set("StoppingCondition", r.stoppingCondition());
    if (r.checkpointConfig() != null) {
      o.set("CheckpointConfig", r.checkpointConfig());
    }
    o.put("EnableManagedSpotTraining", spec.managedSpot());
    if (r.roleArn() != null) {
      o.put("RoleArn", r.roleArn());
    }
    if (r.vpcConfig() != null) {
      o.set("VpcConfig", r.vpcConfig());
    }
    if (r.enableNetworkIsolation() != null) {
      o.put("EnableNetworkIsolation", r.enableNetworkIsolation());
    }
    if (r.enableInterContainerTrafficEncryption() != null) {
      o.put("EnableInterContainerTrafficEncryption", r.enableInterContainerTrafficEncryption());
    }
    return o;
  }

  public static JobRecord created(TrainingJobSpec spec, Instant now, String master, String appId, String host,
      long heartbeatSeconds, long lapseSeconds) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode algorithm = f.objectNode();
    if (spec.algorithm().trainingImage() != null) {
      algorithm.put("TrainingImage", spec.algorithm().trainingImage());
    } else {
      algorithm.put("AlgorithmName", spec.algorithm().name());
    }
    algorithm.put("TrainingInputMode", spec.algorithm().inputMode());
    io.kiln.spi.ScriptSpec script = spec.algorithm().script();
    if (script != null && !script.containerEntrypoint().isEmpty()) { // as the request gave them
      script.containerEntrypoint().forEach(algorithm.putArray("ContainerEntrypoint")::add);
      if (!script.containerArguments().isEmpty()) {
        script.containerArguments().forEach(algorithm.putArray("ContainerArguments")::add);
      }
    }
    if (!spec.metricDefinitions().isEmpty()) {
      ArrayNode defs = algorithm.putArray("MetricDefinitions");
      for (MetricDefinition m : spec.metricDefinitions()) {
        defs.addObject().put("Name", m.name()).put("Regex", m.regex());
      }
    }
    ArrayNode inputs = f.arrayNode();
    for (ChannelSpec c : spec.channels()) {
      ObjectNode ch = inputs.addObject().put("ChannelName", c.name());
      ObjectNode s3 = ch.putObject("DataSource").putObject("S3DataSource").put("S3DataType", c.dataType().name())
          .put("S3Uri", c.uri()).put("S3DataDistributionType", c.distribution().name());
      if (!c.attributeNames().isEmpty()) {
        c.attributeNames().forEach(s3.putArray("AttributeNames")::add);
      }
      if (c.contentType() != null) {
        ch.put("ContentType", c.contentType());
      }
      ch.put("CompressionType", c.compression().name());
      ch.put("RecordWrapperType", "None");
    }
    ObjectNode output = f.objectNode().put("S3OutputPath", spec.outputPath()).put("CompressionType", "GZIP");
    ObjectNode resources = f.objectNode();
    if (spec.resources().instanceType() != null) {
      resources.put("InstanceType", spec.resources().instanceType());
    }
    resources.put("InstanceCount", spec.resources().workers());
    ObjectNode stopping = f.objectNode().put("MaxRuntimeInSeconds", spec.stoppingCondition().maxRuntimeSeconds());
    if (spec.stoppingCondition().maxWaitSeconds() != null) {
      stopping.put("MaxWaitTimeInSeconds", spec.stoppingCondition().maxWaitSeconds());
    }
    if (spec.stoppingCondition().maxPendingSeconds() != null) {
      stopping.put("MaxPendingTimeInSeconds", spec.stoppingCondition().maxPendingSeconds());
    }
    ObjectNode checkpoint = spec.checkpoint() == null ? null
        : f.objectNode().put("S3Uri", spec.checkpoint().uri()).put("LocalPath", spec.checkpoint().localPath());
    ObjectNode retry = spec.maxRetryAttempts() > 0
        ? f.objectNode().put("MaximumRetryAttempts", spec.maxRetryAttempts()) : null;
    // the SageMaker request's members Kiln echoes without acting on them (RoleArn, VolumeSizeInGB ...)
    ObjectNode echo = (ObjectNode) spec.requestEcho();
    if (echo.get("ResourceConfig") instanceof ObjectNode r) {
      resources.setAll(r);
    }
    if (echo.get("OutputDataConfig") instanceof ObjectNode out) {
      output.setAll(out);
    }
    Map<String, String> env = new LinkedHashMap<>();
    SpecJson.redacted(spec.environment()).fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
    JobRecord.KilnDetails kiln = new JobRecord.KilnBuilder()
        .algorithm(spec.algorithm().name())
        .workers(spec.resources().workers())
        .coresPerWorker(spec.resources().coresPerWorker())
        .memoryPerWorker(spec.resources().memoryPerWorker())
        .gpusPerWorker(spec.resources().gpusPerWorker())
        .sparkMaster(master)
        .applicationId(appId)
        .driverHost(host)
        .driverPid(ProcessHandle.current().pid())
        .heartbeatTime(now)
        .heartbeatIntervalSeconds(heartbeatSeconds)
        .heartbeatLapseSeconds(lapseSeconds)
        .attempts(0)
        .notices(spec.notices())
        .spec(SpecJson.toKilnSpec(spec))
        .build();
    return new JobRecord.Builder()
        .trainingJobName(spec.name())
        .trainingJobStatus(TrainingJobStatus.InProgress)
        .secondaryStatus(SecondaryStatus.Starting)
        .hyperParameters(spec.hyperparameters())
        .algorithmSpecification(algorithm)
        .inputDataConfig(inputs)
        .outputDataConfig(output)
        .resourceConfig(resources)
        .stoppingCondition(stopping)
        .creationTime(now)
        .lastModifiedTime(now)
        .transitions(List.of(new JobRecord.StatusTransition(SecondaryStatus.Starting, now, null,
            "Preparing the instances for training")))
        .roleArn(echo.path("RoleArn").asText(null))
        .vpcConfig(echo.get("VpcConfig"))
        .networkIsolation(echo.has("EnableNetworkIsolation") ? echo.get("EnableNetworkIsolation").asBoolean() : null)
        .interContainerEncryption(echo.has("EnableInterContainerTrafficEncryption")
            ? echo.get("EnableInterContainerTrafficEncryption").asBoolean() : null)
        .managedSpot(spec.managedSpot())
        .checkpointConfig(checkpoint)
        .environment(env.isEmpty() ? null : env)
        .retryStrategy(retry)
        .kiln(kiln)
        .build();
  }
}
