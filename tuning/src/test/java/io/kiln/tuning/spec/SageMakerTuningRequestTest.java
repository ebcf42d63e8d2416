package io.kiln.tuning.spec;

import static io.kiln.tuning.spec.TuningSpecs.error;
import static io.kiln.tuning.spec.TuningSpecs.read;
import static io.kiln.tuning.spec.TuningSpecs.skeleton;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.spec.AlgorithmSpec;
import io.kiln.spec.ChannelSpec;
import io.kiln.spec.CheckpointSpec;
import io.kiln.spec.InstanceTypes;
import io.kiln.spec.MetricDefinition;
import io.kiln.spec.ResourceSpec;
import io.kiln.spec.StoppingCondition;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.DataDistribution;
import io.kiln.tuning.space.ParameterRange;
import io.kiln.tuning.space.ScalingType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A CreateHyperParameterTuningJob request, as written for AWS, maps onto the tuning job it describes. */
class SageMakerTuningRequestTest {
  private static final String XGBOOST_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";

  @Test
  void completeSkeletonMapsFieldByField() throws Exception {
    TuningJobSpec spec = TuningSpecReader.readTuningJob(TuningSpecs.skeletonFile());

    assertThat(spec.name()).isEqualTo("skeleton-tune-1");
    assertThat(spec.strategy()).isEqualTo(StrategyType.Bayesian);
    assertThat(spec.hyperband()).isNull();
    assertThat(spec.objective()).isEqualTo(new Objective(Objective.Type.Maximize, "validation:auc"));
    assertThat(spec.parameterRanges()).containsExactly(
        new ParameterRange.Integer("max_depth", 2, 6, ScalingType.Auto),
        new ParameterRange.Continuous("eta", 0.05, 0.5, ScalingType.Logarithmic),
        new ParameterRange.Categorical("grow_policy", List.of("depthwise", "lossguide")));
    assertThat(spec.resourceLimits()).isEqualTo(new ResourceLimits(6, 2, 3600L));
    assertThat(spec.maxTrainingJobs()).isEqualTo(6);
    assertThat(spec.earlyStopping()).isEqualTo(EarlyStoppingType.Auto);
    assertThat(spec.completion()).isEqualTo(new CompletionCriteria(0.95, 3, true));
    assertThat(spec.warmStart())
        .isEqualTo(new WarmStart(List.of("parent-tune-1"), WarmStart.Type.IdenticalDataAndAlgorithm));
    assertThat(spec.randomSeed()).isEqualTo(42L);
    InstanceTypes.InstanceType m5 = InstanceTypes.find("ml.m5.xlarge").orElseThrow();
    assertThat(spec.trainingJob()).isEqualTo(new TrainingJobSpec(
        "skeleton-tune-1-trial",
        new AlgorithmSpec("sagemaker-xgboost", XGBOOST_IMAGE, "File"),
        Map.of("num_round", "10", "objective", "binary:logistic"),
        List.of(new ChannelSpec("train", "s3://kiln-test/skeleton/train/", "text/csv",
            DataDistribution.FullyReplicated, ChannelSpec.Compression.None)),
        "s3://kiln-test/skeleton/output/",
        new ResourceSpec(2, m5.vcpus(), m5.executorMemory(), m5.gpus(), "ml.m5.xlarge"),
        new StoppingCondition(3600, 7200L, 7200L),
        new CheckpointSpec("s3://kiln-test/skeleton/checkpoints/", "/opt/ml/checkpoints/", null),
        true,
        Map.of("KILN_EXAMPLE", "1"),
        List.of(new MetricDefinition("validation:auc",
            ".*\\[[0-9]+\\].*#011validation-auc:([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*")),
        2,
        List.of(),
        new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
            {"RoleArn": "arn:aws:iam::111122223333:role/KilnSageMakerExecutionRole",
             "VpcConfig": {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123456789abcdef0"]},
             "EnableNetworkIsolation": false, "EnableInterContainerTrafficEncryption": true,
             "ResourceConfig": {"VolumeSizeInGB": 30,
               "VolumeKmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
             "OutputDataConfig": {
               "KmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}""")));
  }

  @Test
  void awsOnlyFieldsAndAutoParametersAreNoticedOnce() {
    TuningJobSpec spec = TuningSpecReader.readTuningJob(TuningSpecs.skeletonFile());

    assertThat(spec.notices()).containsExactly(
        "Not tuning min_child_weight (HyperParameterTuningJobConfig.ParameterRanges.AutoParameters): Kiln does not "
            + "choose ranges itself, so it keeps its default; give an Integer, Continuous or Categorical range to "
            + "tune it",
        "Not applied on Spark (AWS-only fields of the SageMaker request): kept for describe: "
            + "TrainingJobDefinition.RoleArn, "
            + "TrainingJobDefinition.VpcConfig, TrainingJobDefinition.EnableNetworkIsolation, "
            + "TrainingJobDefinition.EnableInterContainerTrafficEncryption, "
            + "TrainingJobDefinition.OutputDataConfig.KmsKeyId, "
            + "TrainingJobDefinition.ResourceConfig.VolumeSizeInGB, "
            + "TrainingJobDefinition.ResourceConfig.VolumeKmsKeyId; ignored: "
            + "TrainingJobDefinition.InputDataConfig[train].S3DataSource.ModelAccessConfig, "
            + "TrainingJobDefinition.InputDataConfig[train].S3DataSource.HubAccessConfig, "
            + "TrainingJobDefinition.InputDataConfig[train].ShuffleConfig (rows are assigned to workers "
            + "deterministically), "
            + "TrainingJobDefinition.ResourceConfig.KeepAlivePeriodInSeconds, "
            + "TrainingJobDefinition.ResourceConfig.TrainingPlanArn, "
            + "TrainingJobDefinition.ResourceConfig.InstancePlacementConfig, Tags, Autotune");
    assertThat(spec.trainingJob().notices()).as("the template says nothing itself").isEmpty();
  }

  @Test
  void yamlRequestReadsLikeJson() {
    String yaml = """
        HyperParameterTuningJobName: churn-tune
        HyperParameterTuningJobConfig:
          Strategy: Random
          HyperParameterTuningJobObjective: {Type: Minimize, MetricName: "validation:rmse"}
          ResourceLimits: {MaxNumberOfTrainingJobs: 30, MaxParallelTrainingJobs: 3}
          ParameterRanges:
            ContinuousParameterRanges:
              - {Name: eta, MinValue: 0.010, MaxValue: 0.5}
            CategoricalParameterRanges:
              - {Name: max_depth, Values: [4, 6, 8]}
          RandomSeed: 11
        TrainingJobDefinition:
          StaticHyperParameters: {num_round: 100, objective: "reg:squarederror"}
          AlgorithmSpecification: {TrainingImage: "%s", TrainingInputMode: File}
          RoleArn: arn:aws:iam::111122223333:role/Kiln
          InputDataConfig:
            - ChannelName: train
              DataSource: {S3DataSource: {S3DataType: S3Prefix, S3Uri: "s3://bucket/churn/train/"}}
              ContentType: text/csv
          OutputDataConfig: {S3OutputPath: "s3://bucket/churn/output/"}
          ResourceConfig: {InstanceType: ml.m5.large, InstanceCount: 1, VolumeSizeInGB: 10}
          StoppingCondition: {MaxRuntimeInSeconds: 900}
        """.formatted(XGBOOST_IMAGE);

    TuningJobSpec spec = TuningSpecReader.readTuningJob(yaml, "tune.yaml");

    assertThat(spec.name()).isEqualTo("churn-tune");
    assertThat(spec.strategy()).isEqualTo(StrategyType.Random);
    assertThat(spec.objective()).isEqualTo(new Objective(Objective.Type.Minimize, "validation:rmse"));
    assertThat(spec.parameterRanges()).containsExactly(
        new ParameterRange.Continuous("eta", 0.01, 0.5, ScalingType.Auto),
        new ParameterRange.Categorical("max_depth", List.of("4", "6", "8")));
    assertThat(spec.resourceLimits()).isEqualTo(new ResourceLimits(30, 3, null));
    assertThat(spec.earlyStopping()).isEqualTo(EarlyStoppingType.Off);
    assertThat(spec.completion()).isEqualTo(CompletionCriteria.none());
    assertThat(spec.warmStart()).isNull();
    assertThat(spec.randomSeed()).isEqualTo(11L);
    assertThat(spec.trainingJob().hyperparameters())
        .isEqualTo(Map.of("num_round", "100", "objective", "reg:squarederror"));
    assertThat(spec.trainingJob().stoppingCondition().maxRuntimeSeconds()).isEqualTo(900);
    assertThat(spec.notices()).containsExactly("Not applied on Spark (AWS-only fields of the SageMaker request): "
        + "kept for describe: TrainingJobDefinition.RoleArn, TrainingJobDefinition.ResourceConfig.VolumeSizeInGB");
  }

  @Test
  void rangesAndObjectiveMayBeGivenInTheDefinitionAlone() {
    ObjectNode request = skeleton();
    ObjectNode config = (ObjectNode) request.get("HyperParameterTuningJobConfig");
    config.remove("ParameterRanges");
    config.remove("HyperParameterTuningJobObjective");

    TuningJobSpec spec = read(request);

    assertThat(spec.objective()).isEqualTo(new Objective(Objective.Type.Maximize, "validation:auc"));
    assertThat(spec.searchSpace().names()).containsExactly("max_depth", "eta", "grow_policy");
    assertThat(spec.notices().get(0)).contains("(TrainingJobDefinition.HyperParameterRanges.AutoParameters)");
  }

  @Test
  void aListOfOneDefinitionIsTheDefinition() {
    ObjectNode request = skeleton();
    request.putArray("TrainingJobDefinitions").add(request.remove("TrainingJobDefinition"));

    TuningJobSpec spec = read(request);

    assertThat(spec.trainingJob().hyperparameters()).containsEntry("num_round", "10");
    assertThat(spec.notices().get(1)).contains("TrainingJobDefinitions[0].RoleArn");
  }

  @Test
  void severalDefinitionsAreRefused() {
    ObjectNode request = skeleton();
    ObjectNode definition = (ObjectNode) request.remove("TrainingJobDefinition");
    ArrayNode definitions = request.putArray("TrainingJobDefinitions");
    definitions.add(definition);
    definitions.add(definition.deepCopy().put("DefinitionName", "second"));

    assertThat(error(request)).isEqualTo("Invalid spec tune.json: 'TrainingJobDefinitions' has 2 definitions; Kiln "
        + "tunes one training job definition per tuning job: give it as TrainingJobDefinition, and start one tuning "
        + "job per definition");
  }

  @Test
  void bothDefinitionFormsAreRefused() {
    ObjectNode request = skeleton();
    request.putArray("TrainingJobDefinitions").add(request.get("TrainingJobDefinition").deepCopy());

    assertThat(error(request)).isEqualTo("Invalid spec tune.json: the request has both TrainingJobDefinition and "
        + "TrainingJobDefinitions; Kiln tunes one training job definition per tuning job: give it as "
        + "TrainingJobDefinition");
  }

  @Test
  void aMissingDefinitionIsNamed() {
    ObjectNode request = skeleton();
    request.remove("TrainingJobDefinition");

    assertThat(error(request)).isEqualTo("Invalid spec tune.json: missing required field 'TrainingJobDefinition': "
        + "give the training job each trial starts from");
  }

  @Test
  void objectivesThatDifferAreRefused() {
    ObjectNode request = skeleton();
    ((ObjectNode) request.at("/TrainingJobDefinition/TuningObjective")).put("Type", "Minimize");

    assertThat(error(request)).isEqualTo("Invalid spec tune.json: "
        + "'HyperParameterTuningJobConfig.HyperParameterTuningJobObjective' (Maximize validation:auc) and "
        + "'TrainingJobDefinition.TuningObjective' (Minimize validation:auc) differ; give the objective once, as "
        + "HyperParameterTuningJobConfig.HyperParameterTuningJobObjective");
  }

  @Test
  void rangesThatDifferAreRefused() {
    ObjectNode request = skeleton();
    ((ObjectNode) request.at("/TrainingJobDefinition/HyperParameterRanges/IntegerParameterRanges/0"))
        .put("MaxValue", "9");

    assertThat(error(request)).isEqualTo("Invalid spec tune.json: 'HyperParameterTuningJobConfig.ParameterRanges' "
        + "and 'TrainingJobDefinition.HyperParameterRanges' differ; give the ranges once, as "
        + "HyperParameterTuningJobConfig.ParameterRanges");
  }

  @Test
  void aMissingObjectiveIsNamed() {
    ObjectNode request = skeleton();
    ((ObjectNode) request.get("HyperParameterTuningJobConfig")).remove("HyperParameterTuningJobObjective");
    ((ObjectNode) request.get("TrainingJobDefinition")).remove("TuningObjective");

    assertThat(error(request)).isEqualTo("Invalid spec tune.json: missing required field "
        + "'HyperParameterTuningJobConfig.HyperParameterTuningJobObjective': give Type (Maximize or Minimize) and "
        + "MetricName");
  }

  @Test
  void unknownTopLevelFieldSuggestsTheClosestMember() {
    ObjectNode request = skeleton();
    request.set("WarmStartConfg", request.remove("WarmStartConfig"));

    assertThat(error(request)).isEqualTo("Invalid SageMaker request tune.json: unknown field 'WarmStartConfg'; "
        + "did you mean 'WarmStartConfig'? (not a member of CreateHyperParameterTuningJobRequest)");
  }

  @Test
  void unknownNestedFieldSuggestsTheClosestMember() {
    ObjectNode request = skeleton();
    ObjectNode limits = (ObjectNode) request.at("/HyperParameterTuningJobConfig/ResourceLimits");
    limits.set("MaxParallelTrainingJob", limits.remove("MaxParallelTrainingJobs"));

    assertThat(error(request)).isEqualTo("Invalid SageMaker request tune.json: unknown field "
        + "'HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJob'; did you mean "
        + "'MaxParallelTrainingJobs'? (not a member of ResourceLimits)");
  }

  @Test
  void trainingRequestFieldsInTheDefinitionAreUnknown() {
    ObjectNode request = skeleton();
    ObjectNode definition = (ObjectNode) request.get("TrainingJobDefinition");
    definition.set("HyperParameters", definition.remove("StaticHyperParameters"));

    assertThat(error(request)).startsWith("Invalid SageMaker request tune.json: unknown field "
        + "'TrainingJobDefinition.HyperParameters'; did you mean ");
  }

  @Test
  void aTrainingRequestIsNotATuningJob() {
    String training = "{\"TrainingJobName\": \"one-job\", \"AlgorithmSpecification\": {}}";

    assertThat(error(training, "train.json")).isEqualTo("Spec train.json is not a tuning job: a Kiln tuning spec has "
        + "strategy, parameterRanges and trainingJob, a SageMaker request has HyperParameterTuningJobName and "
        + "HyperParameterTuningJobConfig. To train one job, run 'kiln train train.json'");
  }
}
