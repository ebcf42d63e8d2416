package io.kiln.record;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A training job's persisted record, in the shape of SageMaker's DescribeTrainingJob response
 * (PascalCase, absent fields omitted), with Kiln's own extras under {@code Kiln}. The driver that
 * runs the job is its only writer; {@code describe}, {@code list} and {@code logs} read it from any
 * process. {@link TrainingJobDescription} makes the DescribeTrainingJob document a client sees from it.
 *
 * <p>{@code TrainingJobArn}, {@code TuningJobArn} and {@code RoleArn} are set when the job is
 * created ({@link Arns}); {@code RoleArn}, {@code VpcConfig}, {@code EnableNetworkIsolation} and
 * {@code EnableInterContainerTrafficEncryption} echo a SageMaker request's members, which Kiln does
 * not act on. Records written before these fields existed have them null.
 */
@JsonPropertyOrder({"TrainingJobName", "TrainingJobArn", "TuningJobArn", "TrainingJobStatus", "SecondaryStatus",
    "FailureReason", "ModelArtifacts", "HyperParameters", "AlgorithmSpecification", "RoleArn", "InputDataConfig",
    "OutputDataConfig", "ResourceConfig", "VpcConfig", "StoppingCondition", "CreationTime", "TrainingStartTime",
    "TrainingEndTime", "LastModifiedTime", "SecondaryStatusTransitions", "FinalMetricDataList",
    "EnableNetworkIsolation", "EnableInterContainerTrafficEncryption", "EnableManagedSpotTraining",
    "CheckpointConfig", "TrainingTimeInSeconds", "BillableTimeInSeconds", "Environment", "RetryStrategy", "Kiln"})
public record JobRecord(
    @JsonProperty("TrainingJobName") String trainingJobName,
    @JsonProperty("TrainingJobArn") String trainingJobArn,
    @JsonProperty("TuningJobArn") String tuningJobArn,
    @JsonProperty("TrainingJobStatus") TrainingJobStatus trainingJobStatus,
    @JsonProperty("SecondaryStatus") SecondaryStatus secondaryStatus,
    @JsonProperty("FailureReason") String failureReason,
    @JsonProperty("ModelArtifacts") ModelArtifacts modelArtifacts,
    @JsonProperty("HyperParameters") Map<String, String> hyperParameters,
    @JsonProperty("AlgorithmSpecification") JsonNode algorithmSpecification,
    @JsonProperty("RoleArn") String roleArn,
    @JsonProperty("InputDataConfig") JsonNode inputDataConfig,
    @JsonProperty("OutputDataConfig") JsonNode outputDataConfig,
    @JsonProperty("ResourceConfig") JsonNode resourceConfig,
    @JsonProperty("VpcConfig") JsonNode vpcConfig,
    @JsonProperty("StoppingCondition") JsonNode stoppingCondition,
    @JsonProperty("CreationTime") Instant creationTime,
    @JsonProperty("TrainingStartTime") Instant trainingStartTime,
    @JsonProperty("TrainingEndTime") Instant trainingEndTime,
    @JsonProperty("LastModifiedTime") Instant lastModifiedTime,
    @JsonProperty("SecondaryStatusTransitions") List<StatusTransition> secondaryStatusTransitions,
    @JsonProperty("FinalMetricDataList") List<MetricData> finalMetricDataList,
    @JsonProperty("EnableNetworkIsolation") Boolean enableNetworkIsolation,
    @JsonProperty("EnableInterContainerTrafficEncryption") Boolean enableInterContainerTrafficEncryption,
    @JsonProperty("EnableManagedSpotTraining") Boolean enableManagedSpotTraining,
    @JsonProperty("CheckpointConfig") JsonNode checkpointConfig,
    @JsonProperty("TrainingTimeInSeconds") Long trainingTimeInSeconds,
    @JsonProperty("BillableTimeInSeconds") Long billableTimeInSeconds,
    @JsonProperty("Environment") Map<String, String> environment,
    @JsonProperty("RetryStrategy") JsonNode retryStrategy,
    @JsonProperty("Kiln") KilnDetails kiln) {

  public JobRecord {
    secondaryStatusTransitions = secondaryStatusTransitions == null ? List.of() : List.copyOf(secondaryStatusTransitions);
    finalMetricDataList = finalMetricDataList == null || finalMetricDataList.isEmpty() ? null
        : List.copyOf(finalMetricDataList);
  }

  /** SageMaker's ModelArtifacts. */
  public record ModelArtifacts(@JsonProperty("S3ModelArtifacts") String s3ModelArtifacts) {}

  /** One entry of SecondaryStatusTransitions. */
  @JsonPropertyOrder({"Status", "StartTime", "EndTime", "StatusMessage"})
  public record StatusTransition(
      @JsonProperty("Status") SecondaryStatus status,
      @JsonProperty("StartTime") Instant startTime,
      @JsonProperty("EndTime") Instant endTime,
      @JsonProperty("StatusMessage") String statusMessage) {}

  /** One entry of FinalMetricDataList. */
  @JsonPropertyOrder({"MetricName", "Value", "Timestamp"})
  public record MetricData(
      @JsonProperty("MetricName") String metricName,
      @JsonProperty("Value") double value,
      @JsonProperty("Timestamp") Instant timestamp) {}

  /** One round's metrics, kept in the record's history. */
  @JsonPropertyOrder({"Round", "Timestamp", "Metrics"})
  public record RoundMetrics(
      @JsonProperty("Round") int round,
      @JsonProperty("Timestamp") Instant timestamp,
      @JsonProperty("Metrics") Map<String, Double> metrics) {}

  /** Kiln's extras: how the job ran, its driver's heartbeat, its metric history. */
  @JsonPropertyOrder({"Algorithm", "Workers", "CoresPerWorker", "MemoryPerWorker", "GpusPerWorker", "SparkMaster",
      "ApplicationId", "DriverHost", "DriverPid", "DriverState", "HeartbeatTime", "HeartbeatIntervalSeconds", "HeartbeatLapseSeconds",
      "RoundsCompleted", "Attempts", "LeaseEpoch", "LeaseOwner", "TuningJobName", "Notices", "Billing",
      "MetricHistory", "Spec"})
  public record KilnDetails(
      @JsonProperty("Algorithm") String algorithm,
      @JsonProperty("Workers") int workers,
      @JsonProperty("CoresPerWorker") Integer coresPerWorker,
      @JsonProperty("MemoryPerWorker") String memoryPerWorker,
      @JsonProperty("GpusPerWorker") Integer gpusPerWorker,
      @JsonProperty("SparkMaster") String sparkMaster,
      @JsonProperty("ApplicationId") String applicationId,
      @JsonProperty("DriverHost") String driverHost,
      @JsonProperty("DriverPid") Long driverPid,
      @JsonProperty("DriverState") String driverState,
      @JsonProperty("HeartbeatTime") Instant heartbeatTime,
      @JsonProperty("HeartbeatIntervalSeconds") Long heartbeatIntervalSeconds,
      @JsonProperty("HeartbeatLapseSeconds") Long heartbeatLapseSeconds,
      @JsonProperty("RoundsCompleted") Integer roundsCompleted,
      @JsonProperty("Attempts") Integer attempts,
      @JsonProperty("LeaseEpoch") Integer leaseEpoch,
      @JsonProperty("LeaseOwner") String leaseOwner,
      @JsonProperty("TuningJobName") String tuningJobName,
      @JsonProperty("Notices") List<String> notices,
      @JsonProperty("Billing") JsonNode billing,
      @JsonProperty("MetricHistory") List<RoundMetrics> metricHistory,
      @JsonProperty("Spec") JsonNode spec) {

    public KilnDetails {
      notices = notices == null || notices.isEmpty() ? null : List.copyOf(notices);
      metricHistory = metricHistory == null ? List.of() : List.copyOf(metricHistory);
    }
  }

  /**
   * Reads records as {@code kiln list} shows them: what a ListTrainingJobs summary, the table and the
   * driver-lost check need, with the members that make a record large skipped unparsed
   * (HyperParameters, the channel, output, resource and checkpoint configurations, Environment,
   * FinalMetricDataList, and under {@code Kiln} the metric history, the spec, billing and notices):
   * they come back null or empty. On 100 records of 100-round jobs this halves {@code list}'s CPU time.
   */
  public static com.fasterxml.jackson.databind.ObjectReader summaryReader() {
    return SummaryReader.READER;
  }

  /** Made on first use: {@code describe} never pays for it. */
  private static final class SummaryReader {
    static final com.fasterxml.jackson.databind.ObjectReader READER = Json.MAPPER.copy()
        .addMixIn(JobRecord.class, SummaryMembers.class)
        .addMixIn(KilnDetails.class, SummaryKilnMembers.class)
        .readerFor(JobRecord.class);
  }

  @com.fasterxml.jackson.annotation.JsonIgnoreProperties(value = {"HyperParameters", "AlgorithmSpecification",
      "InputDataConfig", "OutputDataConfig", "ResourceConfig", "VpcConfig", "StoppingCondition", "FinalMetricDataList",
      "CheckpointConfig", "Environment", "RetryStrategy"}, ignoreUnknown = true)
  private abstract static class SummaryMembers {}

  @com.fasterxml.jackson.annotation.JsonIgnoreProperties(value = {"MetricHistory", "Spec", "Billing", "Notices"},
      ignoreUnknown = true)
  private abstract static class SummaryKilnMembers {}

  /** True when the driver stopped sending heartbeats before the job ended. */
  @JsonIgnore
  public boolean driverLost(Instant now) {
    if (trainingJobStatus.terminal() || kiln == null || kiln.heartbeatTime() == null) {
      return false;
    }
    return Heartbeat.lapsed(kiln.heartbeatTime(), kiln.heartbeatLapseSeconds(), kiln.heartbeatIntervalSeconds(), now);
  }

  /**
   * The record as a reader should see it now: a job whose driver stopped sending heartbeats shows
   * as Failed with the reason, rather than InProgress forever, as a failed job does: its open
   * transition closed and a {@code Failed} one added, both at the last heartbeat, which is also its
   * {@code TrainingEndTime}. Nothing is written.
   */
  public JobRecord asSeenAt(Instant now) {
    if (!driverLost(now)) {
      return kiln == null || trainingJobStatus.terminal() ? this
          : toBuilder().kiln(kilnBuilder().driverState("Alive").build()).build();
    }
    String reason = "Driver lost: no heartbeat from " + kiln.driverHost() + " (pid " + kiln.driverPid() + ") since "
        + AwsTime.format(kiln.heartbeatTime()) + "; resume with 'kiln train --resume " + trainingJobName + "'";
    Instant lastSeen = kiln.heartbeatTime();
    List<StatusTransition> ts = new ArrayList<>(secondaryStatusTransitions);
    if (!ts.isEmpty() && ts.get(ts.size() - 1).endTime() == null) {
      StatusTransition open = ts.get(ts.size() - 1);
      Instant end = open.startTime() != null && open.startTime().isAfter(lastSeen) ? open.startTime() : lastSeen;
      ts.set(ts.size() - 1, new StatusTransition(open.status(), open.startTime(), end, open.statusMessage()));
    }
    Instant failedAt = ts.isEmpty() || ts.get(ts.size() - 1).endTime() == null
        || ts.get(ts.size() - 1).endTime().isBefore(lastSeen) ? lastSeen : ts.get(ts.size() - 1).endTime();
    ts.add(new StatusTransition(SecondaryStatus.Failed, failedAt, failedAt, reason));
    return toBuilder()
        .trainingJobStatus(TrainingJobStatus.Failed)
        .secondaryStatus(SecondaryStatus.Failed)
        .failureReason(reason)
        .trainingEndTime(trainingEndTime != null ? trainingEndTime : failedAt)
        .transitions(ts)
        .kiln(kilnBuilder().driverState("Lost").build())
        .build();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  public KilnBuilder kilnBuilder() {
    return new KilnBuilder(kiln);
  }

  /** Copies a record with some fields changed. */
  public static final class Builder {
    private String trainingJobName;
    private String trainingJobArn;
    private String tuningJobArn;
    private TrainingJobStatus trainingJobStatus;
    private SecondaryStatus secondaryStatus;
    private String failureReason;
    private ModelArtifacts modelArtifacts;
    private Map<String, String> hyperParameters;
    private JsonNode algorithmSpecification;
    private String roleArn;
    private JsonNode inputDataConfig;
    private JsonNode outputDataConfig;
    private JsonNode resourceConfig;
    private JsonNode vpcConfig;
    private JsonNode stoppingCondition;
    private Instant creationTime;
    private Instant trainingStartTime;
    private Instant trainingEndTime;
    private Instant lastModifiedTime;
    private List<StatusTransition> transitions;
    private List<MetricData> finalMetrics;
    private Boolean networkIsolation;
    private Boolean interContainerEncryption;
    private Boolean managedSpot;
    private JsonNode checkpointConfig;
    private Long trainingTime;
    private Long billableTime;
    private Map<String, String> environment;
    private JsonNode retryStrategy;
    private KilnDetails kiln;

    public Builder() {
      transitions = new ArrayList<>();
    }

    Builder(JobRecord r) {
      trainingJobName = r.trainingJobName;
      trainingJobArn = r.trainingJobArn;
      tuningJobArn = r.tuningJobArn;
      trainingJobStatus = r.trainingJobStatus;
      secondaryStatus = r.secondaryStatus;
      failureReason = r.failureReason;
      modelArtifacts = r.modelArtifacts;
      hyperParameters = r.hyperParameters;
      algorithmSpecification = r.algorithmSpecification;
      roleArn = r.roleArn;
      inputDataConfig = r.inputDataConfig;
      outputDataConfig = r.outputDataConfig;
      resourceConfig = r.resourceConfig;
      vpcConfig = r.vpcConfig;
      stoppingCondition = r.stoppingCondition;
      creationTime = r.creationTime;
      trainingStartTime = r.trainingStartTime;
      trainingEndTime = r.trainingEndTime;
      lastModifiedTime = r.lastModifiedTime;
      transitions = new ArrayList<>(r.secondaryStatusTransitions);
      finalMetrics = r.finalMetricDataList;
      networkIsolation = r.enableNetworkIsolation;
      interContainerEncryption = r.enableInterContainerTrafficEncryption;
      managedSpot = r.enableManagedSpotTraining;
      checkpointConfig = r.checkpointConfig;
      trainingTime = r.trainingTimeInSeconds;
      billableTime = r.billableTimeInSeconds;
      environment = r.environment;
      retryStrategy = r.retryStrategy;
      kiln = r.kiln;
    }

    public Builder trainingJobName(String v) { trainingJobName = v; return this; }
    public Builder trainingJobArn(String v) { trainingJobArn = v; return this; }
    public Builder tuningJobArn(String v) { tuningJobArn = v; return this; }
    public Builder trainingJobStatus(TrainingJobStatus v) { trainingJobStatus = v; return this; }
    public Builder secondaryStatus(SecondaryStatus v) { secondaryStatus = v; return this; }
    public Builder failureReason(String v) { failureReason = v; return this; }
    public Builder modelArtifacts(ModelArtifacts v) { modelArtifacts = v; return this; }
    public Builder hyperParameters(Map<String, String> v) { hyperParameters = new LinkedHashMap<>(v); return this; }
    public Builder algorithmSpecification(JsonNode v) { algorithmSpecification = v; return this; }
    public Builder roleArn(String v) { roleArn = v; return this; }
    public Builder inputDataConfig(JsonNode v) { inputDataConfig = v; return this; }
    public Builder outputDataConfig(JsonNode v) { outputDataConfig = v; return this; }
    public Builder resourceConfig(JsonNode v) { resourceConfig = v; return this; }
    public Builder vpcConfig(JsonNode v) { vpcConfig = v; return this; }
    public Builder stoppingCondition(JsonNode v) { stoppingCondition = v; return this; }
    public Builder creationTime(Instant v) { creationTime = v; return this; }
    public Builder trainingStartTime(Instant v) { trainingStartTime = v; return this; }
    public Builder trainingEndTime(Instant v) { trainingEndTime = v; return this; }
    public Builder lastModifiedTime(Instant v) { lastModifiedTime = v; return this; }
    public Builder transitions(List<StatusTransition> v) { transitions = new ArrayList<>(v); return this; }
    public Builder finalMetrics(List<MetricData> v) { finalMetrics = v; return this; }
    public Builder networkIsolation(Boolean v) { networkIsolation = v; return this; }
    public Builder interContainerEncryption(Boolean v) { interContainerEncryption = v; return this; }
    public Builder managedSpot(Boolean v) { managedSpot = v; return this; }
    public Builder checkpointConfig(JsonNode v) { checkpointConfig = v; return this; }
    public Builder trainingTime(Long v) { trainingTime = v; return this; }
    public Builder billableTime(Long v) { billableTime = v; return this; }
    public Builder environment(Map<String, String> v) { environment = v; return this; }
    public Builder retryStrategy(JsonNode v) { retryStrategy = v; return this; }
    public Builder kiln(KilnDetails v) { kiln = v; return this; }

    public JobRecord build() {
      return new JobRecord(trainingJobName, trainingJobArn, tuningJobArn, trainingJobStatus, secondaryStatus,
          failureReason, modelArtifacts, hyperParameters, algorithmSpecification, roleArn, inputDataConfig,
          outputDataConfig, resourceConfig, vpcConfig, stoppingCondition, creationTime, trainingStartTime,
          trainingEndTime, lastModifiedTime, transitions, finalMetrics, networkIsolation, interContainerEncryption,
          managedSpot, checkpointConfig, trainingTime, billableTime, environment, retryStrategy, kiln);
    }
  }

  /** Copies Kiln's extras with some fields changed. */
  public static final class KilnBuilder {
    private String algorithm;
    private int workers;
    private Integer coresPerWorker;
    private String memoryPerWorker;
    private Integer gpusPerWorker;
    private String sparkMaster;
    private String applicationId;
    private String driverHost;
    private Long driverPid;
    private String driverState;
    private Instant heartbeatTime;
    private Long heartbeatIntervalSeconds;
    private Long heartbeatLapseSeconds;
    private Integer roundsCompleted;
    private Integer attempts;
    private Integer leaseEpoch;
    private String leaseOwner;
    private String tuningJobName;
    private List<String> notices;
    private JsonNode billing;
    private List<RoundMetrics> metricHistory;
    private JsonNode spec;

    public KilnBuilder() {
      metricHistory = new ArrayList<>();
    }

    KilnBuilder(KilnDetails k) {
      this();
      if (k == null) {
        return;
      }
      algorithm = k.algorithm;
      workers = k.workers;
      coresPerWorker = k.coresPerWorker;
      memoryPerWorker = k.memoryPerWorker;
      gpusPerWorker = k.gpusPerWorker;
      sparkMaster = k.sparkMaster;
      applicationId = k.applicationId;
      driverHost = k.driverHost;
      driverPid = k.driverPid;
      driverState = k.driverState;
      heartbeatTime = k.heartbeatTime;
      heartbeatIntervalSeconds = k.heartbeatIntervalSeconds;
      heartbeatLapseSeconds = k.heartbeatLapseSeconds;
      roundsCompleted = k.roundsCompleted;
      attempts = k.attempts;
      leaseEpoch = k.leaseEpoch;
      leaseOwner = k.leaseOwner;
      tuningJobName = k.tuningJobName;
      notices = k.notices;
      billing = k.billing;
      metricHistory = new ArrayList<>(k.metricHistory);
      spec = k.spec;
    }

    public KilnBuilder algorithm(String v) { algorithm = v; return this; }
    public KilnBuilder workers(int v) { workers = v; return this; }
    public KilnBuilder coresPerWorker(Integer v) { coresPerWorker = v; return this; }
    public KilnBuilder memoryPerWorker(String v) { memoryPerWorker = v; return this; }
    public KilnBuilder gpusPerWorker(Integer v) { gpusPerWorker = v; return this; }
    public KilnBuilder sparkMaster(String v) { sparkMaster = v; return this; }
    public KilnBuilder applicationId(String v) { applicationId = v; return this; }
    public KilnBuilder driverHost(String v) { driverHost = v; return this; }
    public KilnBuilder driverPid(Long v) { driverPid = v; return this; }
    public KilnBuilder driverState(String v) { driverState = v; return this; }
    public KilnBuilder heartbeatTime(Instant v) { heartbeatTime = v; return this; }
    public KilnBuilder heartbeatIntervalSeconds(Long v) { heartbeatIntervalSeconds = v; return this; }
    public KilnBuilder heartbeatLapseSeconds(Long v) { heartbeatLapseSeconds = v; return this; }
    public KilnBuilder roundsCompleted(Integer v) { roundsCompleted = v; return this; }
    public KilnBuilder attempts(Integer v) { attempts = v; return this; }
    public KilnBuilder leaseEpoch(Integer v) { leaseEpoch = v; return this; }
    public KilnBuilder leaseOwner(String v) { leaseOwner = v; return this; }
    public KilnBuilder tuningJobName(String v) { tuningJobName = v; return this; }
    public KilnBuilder notices(List<String> v) { notices = v; return this; }
    public KilnBuilder billing(JsonNode v) { billing = v; return this; }
    public KilnBuilder metricHistory(List<RoundMetrics> v) { metricHistory = new ArrayList<>(v); return this; }
    public KilnBuilder addRound(RoundMetrics v) { metricHistory.add(v); return this; }
    public KilnBuilder spec(JsonNode v) { spec = v; return this; }

    public KilnDetails build() {
      return new KilnDetails(algorithm, workers, coresPerWorker, memoryPerWorker, gpusPerWorker, sparkMaster,
          applicationId, driverHost, driverPid, driverState, heartbeatTime, heartbeatIntervalSeconds,
          heartbeatLapseSeconds, roundsCompleted, attempts, leaseEpoch, leaseOwner, tuningJobName, notices, billing, metricHistory, spec);
    }
  }
}
