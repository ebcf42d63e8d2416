package io.kiln.tuning.driver;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.record.Heartbeat;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A tuning job's persisted record, in the shape of SageMaker's DescribeHyperParameterTuningJob
 * response, with Kiln's extras (every trial, the driver's heartbeat and lease, the spec) under
 * {@code Kiln}. {@link TuningJobDescription} makes the document a client sees from it.
 */
@JsonPropertyOrder({"HyperParameterTuningJobName", "HyperParameterTuningJobArn", "HyperParameterTuningJobConfig", "TrainingJobDefinition",
    "HyperParameterTuningJobStatus", "CreationTime", "HyperParameterTuningEndTime", "LastModifiedTime",
    "TrainingJobStatusCounters", "ObjectiveStatusCounters", "BestTrainingJob", "OverallBestTrainingJob",
    "WarmStartConfig", "FailureReason", "TuningJobCompletionDetails", "ConsumedResources", "Kiln"})
public record TuningRecord(
    @JsonProperty("HyperParameterTuningJobName") String name,
    @JsonProperty("HyperParameterTuningJobArn") String arn,
    @JsonProperty("HyperParameterTuningJobConfig") JsonNode config,
    @JsonProperty("TrainingJobDefinition") JsonNode trainingJobDefinition,
    @JsonProperty("HyperParameterTuningJobStatus") TuningJobStatus status,
    @JsonProperty("CreationTime") Instant creationTime,
    @JsonProperty("HyperParameterTuningEndTime") Instant endTime,
    @JsonProperty("LastModifiedTime") Instant lastModifiedTime,
    @JsonProperty("TrainingJobStatusCounters") Map<String, Integer> trainingJobStatusCounters,
    @JsonProperty("ObjectiveStatusCounters") Map<String, Integer> objectiveStatusCounters,
    @JsonProperty("BestTrainingJob") JsonNode bestTrainingJob,
    @JsonProperty("OverallBestTrainingJob") JsonNode overallBestTrainingJob,
    @JsonProperty("WarmStartConfig") JsonNode warmStartConfig,
    @JsonProperty("FailureReason") String failureReason,
    @JsonProperty("TuningJobCompletionDetails") JsonNode completionDetails,
    @JsonProperty("ConsumedResources") JsonNode consumedResources,
    @JsonProperty("Kiln") Details kiln) {

  /** Kiln's extras. */
  @JsonPropertyOrder({"DriverHost", "DriverPid", "DriverState", "HeartbeatTime", "HeartbeatIntervalSeconds",
      "HeartbeatLapseSeconds", "LeaseEpoch", "LeaseOwner", "CompletionReason", "RoundsTrained", "Notices", "Trials",
      "Spec"})
  public record Details(
      @JsonProperty("DriverHost") String driverHost,
      @JsonProperty("DriverPid") Long driverPid,
      @JsonProperty("DriverState") String driverState,
      @JsonProperty("HeartbeatTime") Instant heartbeatTime,
      @JsonProperty("HeartbeatIntervalSeconds") Long heartbeatIntervalSeconds,
      @JsonProperty("HeartbeatLapseSeconds") Long heartbeatLapseSeconds,
      @JsonProperty("LeaseEpoch") Integer leaseEpoch,
      @JsonProperty("LeaseOwner") String leaseOwner,
      @JsonProperty("CompletionReason") String completionReason,
      @JsonProperty("RoundsTrained") Long roundsTrained,
      @JsonProperty("Notices") List<String> notices,
      @JsonProperty("Trials") List<TrialRecord> trials,
      @JsonProperty("Spec") JsonNode spec) {

    public Details {
      trials = trials == null ? List.of() : List.copyOf(trials);
      notices = notices == null || notices.isEmpty() ? null : List.copyOf(notices);
    }
  }

  /** True when the driver stopped sending heartbeats before the tuning job ended. */
  @JsonIgnore
  public boolean driverLost(Instant now) {
    if (status.terminal() || kiln == null || kiln.heartbeatTime() == null) {
      return false;
    }
    return Heartbeat.lapsed(kiln.heartbeatTime(), kiln.heartbeatLapseSeconds(), kiln.heartbeatIntervalSeconds(), now);
  }

  /**
   * The record as a reader should see it now: a lost driver shows as Failed, ended at its last
   * heartbeat; nothing is written.
   */
  public TuningRecord asSeenAt(Instant now) {
    if (!driverLost(now)) {
      return this;
    }
    Details d = kiln;
    Details lost = new Details(d.driverHost(), d.driverPid(), "Lost", d.heartbeatTime(), d.heartbeatIntervalSeconds(),
        d.heartbeatLapseSeconds(), d.leaseEpoch(), d.leaseOwner(), d.completionReason(), d.roundsTrained(),
        d.notices(), d.trials(), d.spec());
    return new TuningRecord(name, arn, config, trainingJobDefinition, TuningJobStatus.Failed, creationTime,
        endTime != null ? endTime : d.heartbeatTime(), lastModifiedTime, trainingJobStatusCounters, objectiveStatusCounters, bestTrainingJob, overallBestTrainingJob,
        warmStartConfig, "Driver lost: no heartbeat from " + d.driverHost() + " (pid " + d.driverPid()
        + "); resume with 'kiln tune --resume " + name + "'", completionDetails, consumedResources, lost);
  }
}
