package io.kiln.tuning.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.record.Arns;
import io.kiln.record.AwsTime;
import io.kiln.record.Json;
import io.kiln.record.TrainingJobDescription;
import io.kiln.spec.ResourceSpec;
import io.kiln.tuning.spec.TuningSpecJson;
import java.util.List;

/**
 * A tuning job's record as SageMaker's clients read it: the {@code DescribeHyperParameterTuningJob}
 * response as the service model defines it, with Kiln's own fields (every trial, the driver) under
 * {@code Kiln}, and the {@code ListTrainingJobsForHyperParameterTuningJob} response for its trials.
 *
 * <p>Always present, as the service model requires them or the SageMaker Python SDK's
 * {@code HyperparameterTuner.attach} reads them: {@code HyperParameterTuningJobArn} and each summary's
 * {@code TrainingJobArn} ({@link Arns}); in {@code TrainingJobDefinition}, {@code RoleArn},
 * {@code ResourceConfig.InstanceType} and {@code VolumeSizeInGB}, {@code OutputDataConfig.KmsKeyId}
 * (as for a training job, {@link TrainingJobDescription#completeDefinition}),
 * {@code AlgorithmSpecification.MetricDefinitions} (empty when the job defines none) and the
 * {@code _tuning_objective_metric} static hyperparameter SageMaker adds (the objective's name, which
 * Kiln's trials receive too).
 */
public final class TuningJobDescription {
  /** The static hyperparameter through which SageMaker names the objective to a tuning job's trials. */
  public static final String TUNING_OBJECTIVE_METRIC = "_tuning_objective_metric";
  /** The members of a training job definition that echo a SageMaker request (see TrainingJobSpec.requestEcho). */
  private static final List<String> ECHOED = List.of("RoleArn", "VpcConfig", "EnableNetworkIsolation",
      "EnableInterContainerTrafficEncryption");

  private TuningJobDescription() {}

  /**
   * The DescribeHyperParameterTuningJob response for a record as a reader sees it now ({@link
   * TuningRecord#asSeenAt}).
   *
   * @param arns names what an older record lacks (the reader's settings)
   */
  public static ObjectNode describe(TuningRecord seen, Arns arns) {
    ObjectNode r = Json.MAPPER.valueToTree(seen);
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    // SageMaker's order: the ARN right after the name
    r.fields().forEachRemaining(e -> {
      if (!e.getValue().isNull()) {
        out.set(e.getKey(), e.getValue());
      }
      if (e.getKey().equals("HyperParameterTuningJobName") && !r.hasNonNull("HyperParameterTuningJobArn")) {
        out.put("HyperParameterTuningJobArn", arns.tuningJob(seen.name()));
      }
    });
    for (String best : List.of("BestTrainingJob", "OverallBestTrainingJob")) {
      if (out.get(best) instanceof ObjectNode b && !b.hasNonNull("TrainingJobArn")) {
        b.put("TrainingJobArn", arns.trainingJob(b.path("TrainingJobName").asText()));
      }
    }
    if (out.get("TrainingJobDefinition") instanceof ObjectNode d) {
      ResourceSpec workers = workers(seen);
      TrainingJobDescription.completeDefinition(d, arns, workers == null ? null : workers.coresPerWorker(),
          workers == null ? null : workers.memoryPerWorker(), workers == null ? 0 : workers.gpusPerWorker());
      ObjectNode statics = d.get("StaticHyperParameters") instanceof ObjectNode s ? s
          : d.putObject("StaticHyperParameters");
      String metric = seen.config().path("HyperParameterTuningJobObjective").path("MetricName").asText(null);
      if (metric != null && !statics.has(TUNING_OBJECTIVE_METRIC)) {
        statics.put(TUNING_OBJECTIVE_METRIC, metric);
      }
      if (d.get("AlgorithmSpecification") instanceof ObjectNode a && !a.has("MetricDefinitions")) {
        a.putArray("MetricDefinitions");
      }
    }
    return out;
  }

  /**
   * The ListTrainingJobsForHyperParameterTuningJob response: a HyperParameterTrainingJobSummary per
   * trial, in trial order, without a NextToken.
   */
  public static ObjectNode trialSummaries(TuningRecord seen, Arns arns) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode summaries = out.putArray("TrainingJobSummaries");
    JsonNode objective = seen.config().path("HyperParameterTuningJobObjective");
    for (TrialRecord t : seen.kiln() == null ? List.<TrialRecord>of() : seen.kiln().trials()) {
      ObjectNode s = summaries.addObject();
      s.put("TrainingJobName", t.trainingJobName());
      s.put("TrainingJobArn", arns.trainingJob(t.trainingJobName()));
      s.put("TuningJobName", t.tuningJobName() != null ? t.tuningJobName() : seen.name());
      if (t.creationTime() != null) {
        s.put("CreationTime", AwsTime.format(t.creationTime()));
      }
      if (t.endTime() != null) {
        s.put("TrainingEndTime", AwsTime.format(t.endTime()));
      }
      s.put("TrainingJobStatus", t.status());
      ObjectNode tuned = s.putObject("TunedHyperParameters");
      new java.util.TreeMap<>(t.tunedHyperParameters()).forEach(tuned::put);
      if (t.failureReason() != null && !t.status().equals("Completed")) {
        s.put("FailureReason", t.failureReason());
      }
      if (t.objective() != null) {
        s.putObject("FinalHyperParameterTuningJobObjectiveMetric").put("Type", objective.path("Type").asText())
            .put("MetricName", objective.path("MetricName").asText()).put("Value", t.objective());
      }
      s.put("ObjectiveStatus", t.objectiveStatus());
    }
    return out;
  }

  /**
   * The members of a tuning job's TrainingJobDefinition that echo its SageMaker request (RoleArn,
   * VpcConfig, ResourceConfig.VolumeSizeInGB ...), as a training job spec's request echo.
   */
  public static ObjectNode requestEcho(JsonNode definition) {
    ObjectNode echo = JsonNodeFactory.instance.objectNode();
    if (definition == null) {
      return echo;
    }
    for (String f : ECHOED) {
      if (definition.hasNonNull(f)) {
        echo.set(f, definition.get(f).deepCopy());
      }
    }
    ObjectNode resources = JsonNodeFactory.instance.objectNode();
    for (String f : List.of("VolumeSizeInGB", "VolumeKmsKeyId")) {
      if (definition.path("ResourceConfig").hasNonNull(f)) {
        resources.set(f, definition.path("ResourceConfig").get(f).deepCopy());
      }
    }
    if (!resources.isEmpty()) {
      echo.set("ResourceConfig", resources);
    }
    if (definition.path("OutputDataConfig").hasNonNull("KmsKeyId")) {
      echo.putObject("OutputDataConfig").set("KmsKeyId", definition.path("OutputDataConfig").get("KmsKeyId"));
    }
    return echo;
  }

  /** A trial's worker size from the saved spec, or null when it cannot be read. */
  private static ResourceSpec workers(TuningRecord seen) {
    if (seen.kiln() == null || seen.kiln().spec() == null) {
      return null;
    }
    try {
      return TuningSpecJson.fromKilnSpec(seen.kiln().spec(), "the record of " + seen.name()).trainingJob().resources();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
