package io.kiln.tuning.spec;

import static io.kiln.tuning.spec.TuningSpecs.KILN_MINIMAL;
import static io.kiln.tuning.spec.TuningSpecs.error;
import static io.kiln.tuning.spec.TuningSpecs.kiln;
import static io.kiln.tuning.spec.TuningSpecs.read;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.spec.AlgorithmSpec;
import io.kiln.spec.ChannelSpec;
import io.kiln.spec.CheckpointSpec;
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

/** Kiln's own tuning spec reads into the tuning job it describes. */
class KilnTuningSpecReaderTest {

  /** Every field of the Kiln tuning spec, each away from its default. */
  static final String EVERY_FIELD = """
      name: churn-tune
      strategy: Hyperband
      objective: {type: Minimize, metric: "validation:logloss"}
      parameterRanges:
        - {name: max_depth, type: Integer, min: 2, max: 10, scaling: Linear}
        - {name: eta, type: Continuous, min: 0.010, max: 0.5, scaling: Logarithmic}
        - {name: subsample, type: Continuous, min: 0.5, max: 0.99, scaling: ReverseLogarithmic}
        - {name: grow_policy, type: Categorical, values: [depthwise, lossguide]}
        - {name: max_bin, type: Categorical, values: [64, 256]}
      maxTrainingJobs: 40
      maxParallelTrainingJobs: 4
      maxRuntimeSeconds: 7200
      earlyStopping: Off
      completion: {targetObjectiveValue: 0.05, maxJobsNotImproving: 8, completeOnConvergence: true}
      hyperband: {minResource: 3, maxResource: 81}
      warmStart: {parents: [old-tune, older-tune], type: TransferLearning}
      randomSeed: 7
      trainingJob:
        algorithm: {name: xgboost, inputMode: Pipe}
        hyperparameters: {num_round: 81, objective: "binary:logistic", eval_metric: logloss}
        channels:
          - {name: train, uri: "s3://bucket/churn/train/", contentType: text/csv}
          - {name: validation, uri: "s3://bucket/churn/validation/", contentType: text/csv,
             distribution: ShardedByS3Key, compression: Gzip}
        outputPath: s3://bucket/churn/output/
        resources: {workers: 3, coresPerWorker: 2, memoryPerWorker: 2g, minWorkers: 2}
        stoppingCondition: {maxRuntimeSeconds: 600, maxWaitSeconds: 1200}
        checkpoint: {uri: "s3://bucket/churn/checkpoints/", intervalRounds: 9}
        managedSpot: true
        environment: {OMP_NUM_THREADS: 2}
        metricDefinitions:
          - {name: "validation:error", regex: "validation-error:([0-9.]+)"}
        retry: {maximumAttempts: 2}
      """;

  @Test
  void readsEveryField() {
    TuningJobSpec spec = TuningSpecReader.readTuningJob(EVERY_FIELD, "tune.yaml");

    assertThat(spec).isEqualTo(new TuningJobSpec(
        "churn-tune",
        StrategyType.Hyperband,
        new HyperbandConfig(3, 81),
        new Objective(Objective.Type.Minimize, "validation:logloss"),
        List.of(
            new ParameterRange.Integer("max_depth", 2, 10, ScalingType.Linear),
            new ParameterRange.Continuous("eta", 0.01, 0.5, ScalingType.Logarithmic),
            new ParameterRange.Continuous("subsample", 0.5, 0.99, ScalingType.ReverseLogarithmic),
            new ParameterRange.Categorical("grow_policy", List.of("depthwise", "lossguide")),
            new ParameterRange.Categorical("max_bin", List.of("64", "256"))),
        new ResourceLimits(40, 4, 7200L),
        EarlyStoppingType.Off,
        new CompletionCriteria(0.05, 8, true),
        new WarmStart(List.of("old-tune", "older-tune"), WarmStart.Type.TransferLearning),
        7L,
        new TrainingJobSpec(
            "churn-tune-trial",
            new AlgorithmSpec("xgboost", null, "Pipe"),
            Map.of("num_round", "81", "objective", "binary:logistic", "eval_metric", "logloss"),
            List.of(
                new ChannelSpec("train", "s3://bucket/churn/train/", "text/csv", DataDistribution.FullyReplicated,
                    ChannelSpec.Compression.None),
                new ChannelSpec("validation", "s3://bucket/churn/validation/", "text/csv",
                    DataDistribution.ShardedByS3Key, ChannelSpec.Compression.Gzip)),
            "s3://bucket/churn/output/",
            new ResourceSpec(3, 2, "2g", 0, null, 2, null),
            new StoppingCondition(600, 1200L, null),
            new CheckpointSpec("s3://bucket/churn/checkpoints/", CheckpointSpec.DEFAULT_LOCAL_PATH, 9),
            true,
            Map.of("OMP_NUM_THREADS", "2"),
            List.of(new MetricDefinition("validation:error", "validation-error:([0-9.]+)")),
            2,
            List.of()),
        List.of()));
  }

  @Test
  void everyTopLevelFieldIsInTheExample() {
    assertThat(TuningSpecs.yaml(EVERY_FIELD).properties()).extracting(Map.Entry::getKey)
        .containsExactlyElementsOf(KilnTuningSpecReader.TOP_LEVEL);
  }

  @Test
  void leftOutFieldsTakeSageMakersDefaults() {
    TuningJobSpec spec = TuningSpecReader.readTuningJob(KILN_MINIMAL, "tune.yaml");

    assertThat(spec.strategy()).isEqualTo(StrategyType.Bayesian);
    assertThat(spec.hyperband()).isNull();
    assertThat(spec.resourceLimits()).isEqualTo(new ResourceLimits(20, 1, null));
    assertThat(spec.earlyStopping()).isEqualTo(EarlyStoppingType.Off);
    assertThat(spec.completion()).isEqualTo(CompletionCriteria.none());
    assertThat(spec.warmStart()).isNull();
    assertThat(spec.randomSeed()).isNull();
    assertThat(spec.notices()).isEmpty();
  }

  @Test
  void staticHyperparametersKeepTheTextAsWritten() {
    String text = KILN_MINIMAL.replace("num_round: 10,", "num_round: 10, gamma: 0.10,");

    assertThat(TuningSpecReader.readTuningJob(text, "tune.yaml").trainingJob().hyperparameters())
        .containsEntry("gamma", "0.10");
  }

  @Test
  void readsTheSameFromJson() {
    assertThat(read(kiln())).isEqualTo(TuningSpecReader.readTuningJob(KILN_MINIMAL, "tune.yaml"));
  }

  @Test
  void theTrainingJobIsReadAsATrainingSpecUnderAPlaceholderName() {
    TuningJobSpec spec = read(kiln());

    assertThat(spec.trainingJob().name()).isEqualTo("churn-tune-trial")
        .isEqualTo(TuningJobSpec.templateName("churn-tune"));
    assertThat(spec.trainingJob().resources()).isEqualTo(ResourceSpec.workers(1));
    assertThat(spec.trainingJob().stoppingCondition()).isEqualTo(StoppingCondition.defaults());
  }

  @Test
  void aNamedTrainingJobIsRefused() {
    ObjectNode spec = kiln();
    ((ObjectNode) spec.get("trainingJob")).put("name", "churn-1");

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: field 'trainingJob.name' is set; trials take their "
        + "names from the tuning job (churn-tune-001-..., churn-tune-002-...): remove it");
  }

  @Test
  void unknownTopLevelFieldSuggestsTheClosestName() {
    ObjectNode spec = kiln();
    spec.put("maxParalelTrainingJobs", 2);

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: unknown field 'maxParalelTrainingJobs'; did you mean "
        + "'maxParallelTrainingJobs'?; valid fields here: name, strategy, objective, parameterRanges, maxTrainingJobs, "
        + "maxParallelTrainingJobs, maxRuntimeSeconds, earlyStopping, completion, hyperband, warmStart, randomSeed, "
        + "trainingJob");
  }

  @Test
  void unknownFieldOfARangeSuggestsTheClosestName() {
    ObjectNode spec = kiln();
    ((ObjectNode) spec.at("/parameterRanges/1")).set("scalingType", spec.at("/parameterRanges/1").get("scaling"));
    ((ObjectNode) spec.at("/parameterRanges/1")).remove("scaling");

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: unknown field 'parameterRanges[1].scalingType'; did you "
        + "mean 'scaling'?; valid fields here: name, type, min, max, scaling, values");
  }

  @Test
  void fieldsOfAnotherKindOfRangeAreRefused() {
    ObjectNode spec = kiln();
    ((ObjectNode) spec.at("/parameterRanges/0")).putArray("values").add("3");

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: unknown field 'parameterRanges[0].values'; valid "
        + "fields here: name, type, min, max, scaling");
  }

  @Test
  void unknownFieldOfTheObjectiveSuggestsTheClosestName() {
    ObjectNode spec = kiln();
    ((ObjectNode) spec.get("objective")).set("metricName", ((ObjectNode) spec.get("objective")).remove("metric"));

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: unknown field 'objective.metricName'; did you mean "
        + "'metric'?; valid fields here: type, metric");
  }

  @Test
  void unknownFieldOfTheTrainingJobSuggestsTheClosestName() {
    ObjectNode spec = kiln();
    ObjectNode job = (ObjectNode) spec.get("trainingJob");
    job.set("hyperparameter", job.remove("hyperparameters"));

    assertThat(error(spec)).startsWith("Invalid spec tune.json: unknown field 'trainingJob.hyperparameter'; did you "
        + "mean 'hyperparameters'?; valid fields here: algorithm, hyperparameters, channels");
  }

  @Test
  void unknownFieldsOfCompletionHyperbandAndWarmStartSuggestTheClosestName() {
    ObjectNode completion = kiln();
    completion.putObject("completion").put("maxJobsNotImprove", 5);
    ObjectNode hyperband = kiln().put("strategy", "Hyperband");
    hyperband.putObject("hyperband").put("maxResources", 81);
    ObjectNode warmStart = kiln();
    warmStart.putObject("warmStart").put("parent", "old-tune");

    assertThat(error(completion)).startsWith("Invalid spec tune.json: unknown field 'completion.maxJobsNotImprove'; "
        + "did you mean 'maxJobsNotImproving'?");
    assertThat(error(hyperband)).startsWith("Invalid spec tune.json: unknown field 'hyperband.maxResources'; did you "
        + "mean 'maxResource'?");
    assertThat(error(warmStart)).startsWith("Invalid spec tune.json: unknown field 'warmStart.parent'; did you mean "
        + "'parents'?");
  }

  @Test
  void misspeltEnumValuesSuggestTheClosest() {
    assertThat(error(kiln().put("strategy", "Bayesain"))).isEqualTo("Invalid spec tune.json: field 'strategy' is "
        + "'Bayesain'; expected one of Bayesian, Random, Grid, Hyperband; did you mean 'Bayesian'?");
    ObjectNode scaling = kiln();
    ((ObjectNode) scaling.at("/parameterRanges/1")).put("scaling", "Log");
    assertThat(error(scaling)).startsWith("Invalid spec tune.json: field 'parameterRanges[1].scaling' is 'Log'; "
        + "expected one of Auto, Linear, Logarithmic, ReverseLogarithmic");
    ObjectNode type = kiln();
    ((ObjectNode) type.at("/parameterRanges/0")).put("type", "Int");
    assertThat(error(type)).isEqualTo("Invalid spec tune.json: field 'parameterRanges[0].type' is 'Int'; expected one "
        + "of Integer, Continuous, Categorical; did you mean 'Integer'?");
  }

  @Test
  void missingRequiredFieldsAreNamed() {
    ObjectNode noObjective = kiln();
    noObjective.remove("objective");
    ObjectNode noTrainingJob = kiln();
    noTrainingJob.remove("trainingJob");
    ObjectNode noRangeType = kiln();
    ((ObjectNode) noRangeType.at("/parameterRanges/0")).remove("type");
    ObjectNode noMax = kiln();
    ((ObjectNode) noMax.at("/parameterRanges/1")).remove("max");

    assertThat(error(noObjective)).isEqualTo("Invalid spec tune.json: missing required field 'objective': name the "
        + "metric trials are compared by, e.g. objective: {type: Maximize, metric: validation:auc}");
    assertThat(error(noTrainingJob)).isEqualTo("Invalid spec tune.json: missing required field 'trainingJob': give "
        + "the training job each trial starts from, as a Kiln training spec without a name");
    assertThat(error(noRangeType)).isEqualTo("Invalid spec tune.json: missing required field "
        + "'parameterRanges[0].type': give Integer, Continuous or Categorical");
    assertThat(error(noMax)).isEqualTo("Invalid spec tune.json: missing required field 'parameterRanges[1].max'");
  }

  @Test
  void rangeBoundsMustBeNumbers() {
    ObjectNode integer = kiln();
    ((ObjectNode) integer.at("/parameterRanges/0")).put("min", "2.5");
    ObjectNode continuous = kiln();
    ((ObjectNode) continuous.at("/parameterRanges/1")).put("max", "half");

    assertThat(error(integer)).isEqualTo("Invalid spec tune.json: field 'parameterRanges[0].min' is '2.5'; expected a "
        + "whole number");
    assertThat(error(continuous)).isEqualTo("Invalid spec tune.json: field 'parameterRanges[1].max' is 'half'; "
        + "expected a number");
  }

  @Test
  void trainingJobErrorsNameTheNestedField() {
    ObjectNode spec = kiln();
    ((ObjectNode) spec.get("trainingJob")).remove("channels");

    assertThat(error(spec)).startsWith("Invalid spec tune.json: missing required field 'trainingJob.channels'");
  }
}
