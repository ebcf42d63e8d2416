package io.kiln.tuning.driver;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One trial as the tuning job's record keeps it (Kiln's extras; the trial's own training job
 * record has the rest).
 *
 * @param number 1-based trial number
 * @param trainingJobName the trial's training job
 * @param tunedHyperParameters the values the strategy chose
 * @param status the training job's status
 * @param objectiveStatus Succeeded, Pending or Failed
 * @param objective the final objective value, or null
 * @param curve the objective after each round, as reported
 * @param resource rounds the strategy gave it (Hyperband), or 0
 * @param parent the trial it continued from, or 0
 * @param errorKind RetryableError or NonRetryableError for failed trials
 * @param failureReason why it failed or stopped
 * @param tuningJobName the tuning job it ran in (a parent's, for warm-start observations)
 * @param creationTime when it was created
 * @param endTime when it ended
 */
@JsonPropertyOrder({"Number", "TrainingJobName", "TunedHyperParameters", "Status", "ObjectiveStatus", "Objective",
    "Resource", "Parent", "ErrorKind", "FailureReason", "TuningJobName", "CreationTime", "EndTime", "Curve"})
public record TrialRecord(
    @JsonProperty("Number") int number,
    @JsonProperty("TrainingJobName") String trainingJobName,
    @JsonProperty("TunedHyperParameters") Map<String, String> tunedHyperParameters,
    @JsonProperty("Status") String status,
    @JsonProperty("ObjectiveStatus") String objectiveStatus,
    @JsonProperty("Objective") Double objective,
    @JsonProperty("Curve") List<Double> curve,
    @JsonProperty("Resource") int resource,
    @JsonProperty("Parent") int parent,
    @JsonProperty("ErrorKind") String errorKind,
    @JsonProperty("FailureReason") String failureReason,
    @JsonProperty("TuningJobName") String tuningJobName,
    @JsonProperty("CreationTime") Instant creationTime,
    @JsonProperty("EndTime") Instant endTime) {

  public TrialRecord {
    tunedHyperParameters = Map.copyOf(tunedHyperParameters);
    curve = curve == null ? List.of() : List.copyOf(curve);
  }
}
