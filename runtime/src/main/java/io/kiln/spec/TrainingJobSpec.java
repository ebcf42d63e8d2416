package io.kiln.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.kiln.spi.KilnException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A training job as Kiln runs it, whichever form it was written in (a Kiln spec or a SageMaker
 * CreateTrainingJob request). Validated when built: a value of this type is a job that may start.
 *
 * @param name the job name (SageMaker's TrainingJobName rule)
 * @param algorithm which algorithm trains, and how the user named it
 * @param hyperparameters as written, string to string
 * @param channels the input channels, at least one
 * @param outputPath where {@code <name>/output/model.tar.gz} goes
 * @param resources workers and their size
 * @param stoppingCondition limits on run and wait time
 * @param checkpoint where checkpoints go, or null
 * @param managedSpot whether the job runs on capacity that may be reclaimed
 * @param environment variables for the training code
 * @param metricDefinitions extra metrics parsed from the job log by regex
 * @param maxRetryAttempts RetryStrategy.MaximumRetryAttempts, 0 when not given
 * @param notices things the reader noticed but did not act on (AWS-only fields), said once
 * @param requestEcho members of a SageMaker request that Kiln does not act on but
 *     DescribeTrainingJob echoes ({@code RoleArn}, {@code VpcConfig}, {@code EnableNetworkIsolation},
 *     {@code EnableInterContainerTrafficEncryption}, {@code ResourceConfig.VolumeSizeInGB} and
 *     {@code VolumeKmsKeyId}, {@code OutputDataConfig.KmsKeyId}), as a partial DescribeTrainingJob
 *     document; empty for a Kiln spec (see {@code SageMakerRequestMapper})
 */
public record TrainingJobSpec(
    String name,
    AlgorithmSpec algorithm,
    Map<String, String> hyperparameters,
    List<ChannelSpec> channels,
    String outputPath,
    ResourceSpec resources,
    StoppingCondition stoppingCondition,
    CheckpointSpec checkpoint,
    boolean managedSpot,
    Map<String, String> environment,
    List<MetricDefinition> metricDefinitions,
    int maxRetryAttempts,
    List<String> notices,
    JsonNode requestEcho) {

  /** A job with no SageMaker request members to echo (a Kiln spec). */
  public TrainingJobSpec(String name, AlgorithmSpec algorithm, Map<String, String> hyperparameters,
      List<ChannelSpec> channels, String outputPath, ResourceSpec resources, StoppingCondition stoppingCondition,
      CheckpointSpec checkpoint, boolean managedSpot, Map<String, String> environment,
      List<MetricDefinition> metricDefinitions, int maxRetryAttempts, List<String> notices) {
    this(name, algorithm, hyperparameters, channels, outputPath, resources, stoppingCondition, checkpoint, managedSpot,
        environment, metricDefinitions, maxRetryAttempts, notices, null);
  }

  public TrainingJobSpec {
    requestEcho = requestEcho == null || !requestEcho.isObject() ? JsonNodeFactory.instance.objectNode()
        : requestEcho.deepCopy();
    if (!Names.isJobName(name)) {
      throw KilnException.user("Invalid job name '" + io.kiln.spi.Messages.echo(name) + "': use 1 to 63 letters, digits and hyphens, "
          + "starting and ending with a letter or digit (SageMaker's TrainingJobName rule)");
    }
    hyperparameters = Map.copyOf(hyperparameters);
    channels = List.copyOf(channels);
    if (channels.isEmpty()) {
      throw KilnException.user("Job '" + name + "' has no input channels; give at least a 'train' channel");
    }
    for (int i = 0; i < channels.size(); i++) {
      for (int j = i + 1; j < channels.size(); j++) {
        if (channels.get(i).name().equals(channels.get(j).name())) {
          throw KilnException.user("Job '" + name + "' names channel '" + channels.get(i).name()
              + "' twice; channel names must be unique");
        }
      }
    }
    if (outputPath == null || outputPath.isBlank()) {
      throw KilnException.user("Job '" + name + "' has no output path; set where model.tar.gz is written");
    }
    SpecUris.check(outputPath, "outputPath (OutputDataConfig.S3OutputPath)");
    environment = Map.copyOf(environment);
    metricDefinitions = List.copyOf(metricDefinitions);
    notices = List.copyOf(notices);
    if (maxRetryAttempts < 0 || maxRetryAttempts > 30) {
      throw KilnException.user("RetryStrategy.MaximumRetryAttempts is " + maxRetryAttempts + "; expected 1 to 30");
    }
    // messages name the field in both forms a job is written in: Kiln's spec and SageMaker's request
    if (managedSpot) {
      if (stoppingCondition.maxWaitSeconds() == null) {
        throw KilnException.user("Job '" + name + "' uses managed spot but has no "
            + "stoppingCondition.maxWaitSeconds (MaxWaitTimeInSeconds); set it to at least the maximum runtime, "
            + stoppingCondition.maxRuntimeSeconds());
      }
      if (stoppingCondition.maxWaitSeconds() < stoppingCondition.maxRuntimeSeconds()) {
        throw KilnException.user("Job '" + name + "' has stoppingCondition.maxWaitSeconds (MaxWaitTimeInSeconds) "
            + stoppingCondition.maxWaitSeconds() + ", below stoppingCondition.maxRuntimeSeconds (MaxRuntimeInSeconds) "
            + stoppingCondition.maxRuntimeSeconds() + "; a managed spot job's wait includes its run, so set it to at least "
            + stoppingCondition.maxRuntimeSeconds());
      }
    } else if (stoppingCondition.maxWaitSeconds() != null) {
      throw KilnException.user("Job '" + name + "' sets stoppingCondition.maxWaitSeconds (MaxWaitTimeInSeconds), "
          + "which applies to managed spot jobs only; remove it or turn managed spot on "
          + "(managedSpot / EnableManagedSpotTraining)");
    }
  }

  /** A copy of the echoed request members (the record keeps its own, unchangeable). */
  @Override
  public JsonNode requestEcho() {
    return requestEcho.deepCopy();
  }

  public Optional<ChannelSpec> channel(String channelName) {
    return channels.stream().filter(c -> c.name().equals(channelName)).findFirst();
  }

  public Optional<CheckpointSpec> checkpointSpec() {
    return Optional.ofNullable(checkpoint);
  }

  /** The same job under another name, e.g. a tuning trial. */
  public TrainingJobSpec withName(String newName) {
    return new TrainingJobSpec(newName, algorithm, hyperparameters, channels, outputPath, resources,
        stoppingCondition, checkpoint, managedSpot, environment, metricDefinitions, maxRetryAttempts, notices,
        requestEcho);
  }

  /** The same job with other hyperparameters. */
  public TrainingJobSpec withHyperparameters(Map<String, String> newHyperparameters) {
    return new TrainingJobSpec(name, algorithm, newHyperparameters, channels, outputPath, resources,
        stoppingCondition, checkpoint, managedSpot, environment, metricDefinitions, maxRetryAttempts, notices,
        requestEcho);
  }

  /** The same job with other notices. */
  public TrainingJobSpec withNotices(List<String> newNotices) {
    return new TrainingJobSpec(name, algorithm, hyperparameters, channels, outputPath, resources,
        stoppingCondition, checkpoint, managedSpot, environment, metricDefinitions, maxRetryAttempts, newNotices,
        requestEcho);
  }

  /** The same job echoing other SageMaker request members (see {@link #requestEcho}). */
  public TrainingJobSpec withRequestEcho(JsonNode newRequestEcho) {
    return new TrainingJobSpec(name, algorithm, hyperparameters, channels, outputPath, resources,
        stoppingCondition, checkpoint, managedSpot, environment, metricDefinitions, maxRetryAttempts, notices,
        newRequestEcho);
  }

  /** The same job with another checkpoint location. */
  public TrainingJobSpec withCheckpoint(CheckpointSpec newCheckpoint) {
    return new TrainingJobSpec(name, algorithm, hyperparameters, channels, outputPath, resources,
        stoppingCondition, newCheckpoint, managedSpot, environment, metricDefinitions, maxRetryAttempts, notices,
        requestEcho);
  }
}
