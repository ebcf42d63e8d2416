package io.kiln.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.spec.InstanceTypes;
import io.kiln.storage.Uris;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A training job's record as SageMaker's clients read it: the {@code DescribeTrainingJob} response
 * and the {@code TrainingJobSummary} of {@code ListTrainingJobs}, as the botocore service model
 * (SageMaker API 2017-07-24) defines them, with Kiln's own fields under the one extension key
 * {@code Kiln}. The CLI prints these; an API server answers with the same documents.
 *
 * <p>Members the service model requires, or that the SageMaker Python SDK's {@code Estimator.attach}
 * reads, are always present:
 * <ul>
 *   <li>{@code TrainingJobArn} (and {@code TuningJobArn} for a tuning job's trial), {@code RoleArn}:
 *       from the record, set at creation ({@link #identified}); a record written before Kiln kept
 *       them gets them from the reader's {@link Arns};</li>
 *   <li>{@code ModelArtifacts.S3ModelArtifacts}: where the job writes its model,
 *       {@code <S3OutputPath>/<name>/output/model.tar.gz}; the object exists once the job is
 *       Completed, or Stopped with its model kept ({@code Kiln.ModelArtifactsWritten} says which);</li>
 *   <li>{@code ResourceConfig.VolumeSizeInGB}: the request's, else {@value #DEFAULT_VOLUME_SIZE_GB}
 *       (the SDK's default; Kiln sizes no volumes); {@code ResourceConfig.InstanceType}: the
 *       request's, else the type that holds a worker ({@link InstanceTypes#fitting});</li>
 *   <li>{@code OutputDataConfig.KmsKeyId}: the request's, else empty, as SageMaker returns it.</li>
 * </ul>
 * Timestamps are ISO-8601 strings with a UTC offset ({@link AwsTime}), which botocore accepts for
 * its {@code timestamp} type.
 */
public final class TrainingJobDescription {
  /** ResourceConfig.VolumeSizeInGB of a job whose request gave none: the SageMaker Python SDK's default. */
  public static final int DEFAULT_VOLUME_SIZE_GB = 30;

  /** DescribeTrainingJob's members in the order Kiln has always printed them; others (Kiln) follow. */
  private static final List<String> ORDER = List.of("TrainingJobName", "TrainingJobArn", "TuningJobArn",
      "TrainingJobStatus", "SecondaryStatus", "FailureReason", "ModelArtifacts", "HyperParameters",
      "AlgorithmSpecification", "RoleArn", "InputDataConfig", "OutputDataConfig", "ResourceConfig", "VpcConfig",
      "StoppingCondition", "CreationTime", "TrainingStartTime", "TrainingEndTime", "LastModifiedTime",
      "SecondaryStatusTransitions", "FinalMetricDataList", "EnableNetworkIsolation",
      "EnableInterContainerTrafficEncryption", "EnableManagedSpotTraining", "CheckpointConfig",
      "TrainingTimeInSeconds", "BillableTimeInSeconds", "Environment", "RetryStrategy");

  private TrainingJobDescription() {}

  /**
   * A new job's record with its ARNs and role: {@code TrainingJobArn}, {@code TuningJobArn} when
   * it is a trial of {@code tuningJobName}, and {@code RoleArn} unless the request gave one.
   */
  public static JobRecord identified(JobRecord created, Arns arns, String tuningJobName) {
    return created.toBuilder()
        .trainingJobArn(arns.trainingJob(created.trainingJobName()))
        .tuningJobArn(tuningJobName == null ? null : arns.tuningJob(tuningJobName))
        .roleArn(created.roleArn() != null ? created.roleArn() : arns.role())
        .build();
  }

  /**
   * The DescribeTrainingJob response for a record as a reader sees it now ({@link
   * JobRecord#asSeenAt}).
   *
   * @param arns names what an older record lacks (the reader's settings)
   */
  public static ObjectNode describe(JobRecord seen, Arns arns) {
    ObjectNode r = Json.MAPPER.valueToTree(seen);
    if (seen.trainingJobStatus() != TrainingJobStatus.Failed) {
      // FailureReason is for Failed jobs only (records written before Kiln followed that had one for Stopped)
      r.remove("FailureReason");
    }
    String name = seen.trainingJobName();
    if (!r.hasNonNull("TrainingJobArn")) {
      r.put("TrainingJobArn", arns.trainingJob(name));
    }
    if (!r.hasNonNull("TuningJobArn") && seen.kiln() != null && seen.kiln().tuningJobName() != null) {
      r.put("TuningJobArn", arns.tuningJob(seen.kiln().tuningJobName()));
    }
    boolean written = seen.modelArtifacts() != null;
    if (!written) {
      r.putObject("ModelArtifacts").put("S3ModelArtifacts",
          Uris.join(r.path("OutputDataConfig").path("S3OutputPath").asText(""), name, "output", "model.tar.gz"));
    }
    JobRecord.KilnDetails k = seen.kiln();
    completeDefinition(r, arns, k == null ? null : k.coresPerWorker(), k == null ? null : k.memoryPerWorker(),
        k == null || k.gpusPerWorker() == null ? 0 : k.gpusPerWorker());
    ObjectNode kiln = r.get("Kiln") instanceof ObjectNode existing ? existing : r.putObject("Kiln");
    kiln.put("ModelArtifactsWritten", written);
    return ordered(r);
  }

  /**
   * Fills in, on a DescribeTrainingJob document or a tuning job's TrainingJobDefinition, what
   * SageMaker always returns and clients read: {@code RoleArn}, {@code ResourceConfig.InstanceType}
   * and {@code VolumeSizeInGB}, {@code OutputDataConfig.KmsKeyId}. Members present are kept.
   *
   * @param cores a worker's cores, or null when not set
   * @param memory a worker's memory ({@code 4g}), or null when not set
   * @param gpus a worker's GPUs
   */
  public static void completeDefinition(ObjectNode doc, Arns arns, Integer cores, String memory, int gpus) {
    if (!doc.hasNonNull("RoleArn")) {
      doc.put("RoleArn", arns.role());
    }
    ObjectNode resources = doc.get("ResourceConfig") instanceof ObjectNode o ? o : doc.putObject("ResourceConfig");
    if (!resources.hasNonNull("InstanceType")) {
      resources.put("InstanceType", InstanceTypes.fitting(cores, memory, gpus).name());
    }
    if (!resources.hasNonNull("VolumeSizeInGB")) {
      resources.put("VolumeSizeInGB", DEFAULT_VOLUME_SIZE_GB);
    }
    if (doc.get("OutputDataConfig") instanceof ObjectNode output && !output.has("KmsKeyId")) {
      output.put("KmsKeyId", "");
    }
  }

  /**
   * ListTrainingJobs' TrainingJobSummary for a record as seen now: TrainingJobName,
   * TrainingJobArn, CreationTime, TrainingEndTime (when ended), LastModifiedTime,
   * TrainingJobStatus.
   */
  public static ObjectNode summary(JobRecord seen, Arns arns) {
    ObjectNode s = JsonNodeFactory.instance.objectNode();
    s.put("TrainingJobName", seen.trainingJobName());
    s.put("TrainingJobArn", seen.trainingJobArn() != null ? seen.trainingJobArn()
        : arns.trainingJob(seen.trainingJobName()));
    s.put("CreationTime", AwsTime.format(seen.creationTime()));
    if (seen.trainingEndTime() != null) {
      s.put("TrainingEndTime", AwsTime.format(seen.trainingEndTime()));
    }
    if (seen.lastModifiedTime() != null) {
      s.put("LastModifiedTime", AwsTime.format(seen.lastModifiedTime()));
    }
    s.put("TrainingJobStatus", seen.trainingJobStatus().name());
    return s;
  }

  private static ObjectNode ordered(ObjectNode r) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    for (String k : ORDER) {
      JsonNode v = r.get(k);
      if (v != null && !v.isNull()) {
        out.set(k, v);
      }
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!out.has(e.getKey()) && !e.getValue().isNull()) {
        out.set(e.getKey(), e.getValue());
      }
    }
    return out;
  }
}
