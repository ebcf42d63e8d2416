package io.kiln.tuning.spec;

import static io.kiln.tuning.spec.TuningSpecs.error;
import static io.kiln.tuning.spec.TuningSpecs.kiln;
import static io.kiln.tuning.spec.TuningSpecs.read;
import static io.kiln.tuning.spec.TuningSpecs.skeleton;
import static io.kiln.tuning.spec.TuningSpecs.valueError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.tuning.space.ParameterRange;
import io.kiln.tuning.space.ScalingType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SageMaker's rules for a tuning job, each a user error naming the field, the value and the fix,
 * in whichever form the spec was written.
 */
class TuningValidationTest {

  /** A Kiln spec searching only categorical ranges: 2 x 2 = 4 combinations. */
  private static ObjectNode grid() {
    ObjectNode spec = kiln().put("strategy", "Grid");
    spec.remove("maxTrainingJobs");
    ArrayNode ranges = spec.putArray("parameterRanges");
    ranges.addObject().put("name", "max_depth").put("type", "Categorical").putArray("values").add("4").add("6");
    ranges.addObject().put("name", "grow_policy").put("type", "Categorical").putArray("values").add("depthwise")
        .add("lossguide");
    return spec;
  }

  private static ObjectNode hyperband() {
    ObjectNode spec = kiln().put("strategy", "Hyperband");
    spec.putObject("hyperband").put("minResource", 1).put("maxResource", 27);
    return spec;
  }

  private static ObjectNode config(ObjectNode request) {
    return (ObjectNode) request.get("HyperParameterTuningJobConfig");
  }

  // Grid

  @Test
  void gridRunsEveryCombinationByDefault() {
    TuningJobSpec spec = read(grid());

    assertThat(spec.maxTrainingJobs()).isEqualTo(4);
    assertThat(read(grid().put("maxTrainingJobs", 4)).maxTrainingJobs()).isEqualTo(4);
  }

  @Test
  void gridTakesCategoricalRangesOnly() {
    ObjectNode spec = grid();
    ((ArrayNode) spec.get("parameterRanges")).addObject().put("name", "eta").put("type", "Continuous")
        .put("min", 0.1).put("max", 0.3);

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: Tuning job 'churn-tune' uses Grid search, which tries "
        + "every combination of categorical values, but eta is a Continuous range; give it as a Categorical range "
        + "listing the values to try, or use Bayesian or Random");
  }

  @Test
  void gridInASageMakerRequestTakesCategoricalRangesOnly() {
    ObjectNode request = skeleton();
    config(request).put("Strategy", "Grid");

    assertThat(error(request)).isEqualTo("Invalid spec tune.json: Tuning job 'skeleton-tune-1' uses Grid search, which "
        + "tries every combination of categorical values, but max_depth is an Integer range; give it as a Categorical "
        + "range listing the values to try, or use Bayesian or Random");
  }

  @Test
  void gridMaxTrainingJobsMustBeTheNumberOfCombinations() {
    assertThat(error(grid().put("maxTrainingJobs", 6))).isEqualTo("Invalid spec tune.json: Tuning job 'churn-tune' "
        + "uses Grid search over 4 combinations, but maxTrainingJobs (ResourceLimits.MaxNumberOfTrainingJobs) is 6; "
        + "set it to 4 or leave it out");
  }

  @Test
  void gridOverMoreCombinationsThanSageMakerRunsIsRefused() {
    ObjectNode spec = grid();
    ArrayNode ranges = spec.putArray("parameterRanges");
    for (String name : List.of("a", "b", "c")) {
      ArrayNode values = ranges.addObject().put("name", name).put("type", "Categorical").putArray("values");
      for (int v = 0; v < 10; v++) {
        values.add(Integer.toString(v));
      }
    }

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: Tuning job 'churn-tune' uses Grid search over 1000 "
        + "combinations; SageMaker runs at most 750 trials: drop values or make some ranges static");
  }

  // Hyperband

  @Test
  void hyperbandReadsItsResources() {
    assertThat(read(hyperband()).hyperband()).isEqualTo(new HyperbandConfig(1, 27));
  }

  @Test
  void hyperbandNeedsEarlyStoppingOff() {
    assertThat(error(hyperband().put("earlyStopping", "Auto"))).isEqualTo("Invalid spec tune.json: Tuning job "
        + "'churn-tune' uses Hyperband, which stops trials itself, with earlyStopping (TrainingJobEarlyStoppingType) "
        + "Auto; set it to Off or leave it out");
  }

  @Test
  void hyperbandNeedsMinResourceBelowMaxResource() {
    ObjectNode spec = hyperband();
    ((ObjectNode) spec.get("hyperband")).put("minResource", 27);

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: hyperband.minResource (HyperbandStrategyConfig."
        + "MinResource) is 27, not below hyperband.maxResource (MaxResource) 27; Hyperband needs room to promote "
        + "trials: make MinResource smaller than MaxResource");
  }

  @Test
  void hyperbandResourcesAreAtLeastOne() {
    ObjectNode spec = hyperband();
    ((ObjectNode) spec.get("hyperband")).put("minResource", 0);
    ObjectNode request = skeleton();
    config(request).put("Strategy", "Hyperband").put("TrainingJobEarlyStoppingType", "Off")
        .putObject("StrategyConfig").putObject("HyperbandStrategyConfig").put("MinResource", 0).put("MaxResource", 9);

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: field 'hyperband.minResource' is 0; expected a whole "
        + "number from 1 to 20000");
    assertThat(error(request)).isEqualTo("Invalid SageMaker request tune.json: "
        + "'HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig.MinResource' is 0; the smallest "
        + "allowed is 1");
    assertThat(valueError(() -> new HyperbandConfig(0, 9))).isEqualTo("hyperband.minResource "
        + "(HyperbandStrategyConfig.MinResource) is 0; expected 1 to 20000");
    assertThat(valueError(() -> new HyperbandConfig(1, 20_001))).isEqualTo("hyperband.maxResource "
        + "(HyperbandStrategyConfig.MaxResource) is 20001; expected 1 to 20000");
  }

  @Test
  void hyperbandTakesMaxResourceFromAnEpochsHyperparameter() {
    ObjectNode spec = kiln().put("strategy", "Hyperband");
    ((ObjectNode) spec.at("/trainingJob/hyperparameters")).put("epochs", "30");

    assertThat(read(spec).hyperband()).isEqualTo(new HyperbandConfig(1, 30));
  }

  @Test
  void hyperbandWithoutMaxResourceSaysWhereToSetIt() {
    ObjectNode spec = kiln().put("strategy", "Hyperband");

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: Hyperband needs hyperband.maxResource "
        + "(HyperbandStrategyConfig.MaxResource), the most rounds or epochs a trial trains for, and no static "
        + "hyperparameter (epochs, numepochs, n-epochs, n_epochs, num_epochs) gives it; set it, e.g. to the "
        + "num_round an XGBoost job would use");
  }

  @Test
  void hyperbandSettingsNeedTheHyperbandStrategy() {
    ObjectNode spec = hyperband().put("strategy", "Random");
    ObjectNode request = skeleton();
    config(request).putObject("StrategyConfig").putObject("HyperbandStrategyConfig").put("MaxResource", 9);

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: field 'hyperband' applies to strategy Hyperband only, "
        + "but strategy is Random; remove it or set strategy: Hyperband");
    assertThat(error(request)).isEqualTo("Invalid spec tune.json: "
        + "'HyperParameterTuningJobConfig.StrategyConfig.HyperbandStrategyConfig' applies to Strategy Hyperband only, "
        + "but Strategy is Bayesian; remove it or set Strategy to Hyperband");
  }

  // limits

  @Test
  void bayesianRandomAndHyperbandNeedMaxTrainingJobs() {
    ObjectNode bayesian = kiln();
    bayesian.remove("maxTrainingJobs");
    ObjectNode random = bayesian.deepCopy().put("strategy", "Random");
    ObjectNode request = skeleton();
    ((ObjectNode) config(request).get("ResourceLimits")).remove("MaxNumberOfTrainingJobs");
    ObjectNode hyperbandRequest = request.deepCopy();
    config(hyperbandRequest).put("Strategy", "Hyperband").put("TrainingJobEarlyStoppingType", "Off")
        .putObject("StrategyConfig").putObject("HyperbandStrategyConfig").put("MaxResource", 10);

    assertThat(error(bayesian)).isEqualTo("Invalid spec tune.json: Tuning job 'churn-tune' uses Bayesian search and "
        + "has no maxTrainingJobs (ResourceLimits.MaxNumberOfTrainingJobs); set how many trials it may start, at most "
        + "750");
    assertThat(error(random)).endsWith("uses Random search and has no maxTrainingJobs (ResourceLimits."
        + "MaxNumberOfTrainingJobs); set how many trials it may start, at most 10000");
    assertThat(error(request)).isEqualTo("Invalid spec tune.json: Tuning job 'skeleton-tune-1' uses Bayesian search "
        + "and has no maxTrainingJobs (ResourceLimits.MaxNumberOfTrainingJobs); set how many trials it may start, at "
        + "most 750");
    assertThat(error(hyperbandRequest)).contains("uses Hyperband search and has no maxTrainingJobs");
  }

  @Test
  void aDiscreteSpaceWithFewerCombinationsThanTrainingJobsIsRefusedAsSageMakerRefusesIt() {
    // issue 9: a 3-value space ran 10 trials, max_depth=3 six times; SageMaker's ValidationException words it so
    ObjectNode spec = kiln().put("strategy", "Random").put("maxTrainingJobs", 10);
    ArrayNode ranges = spec.putArray("parameterRanges");
    ranges.addObject().put("name", "max_depth").put("type", "Integer").put("min", 3).put("max", 5);
    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: You don't have enough combinations of hyperparameter "
        + "ranges. The total number of hyperparameter combinations for the provided ranges [3.0] must be equal or "
        + "greater than the value of MaxNumberOfJobs, [10]. Provide additional ranges. (maxTrainingJobs / "
        + "ResourceLimits.MaxNumberOfTrainingJobs is 10, but the Integer and Categorical ranges have 3 distinct "
        + "combination(s): set it to at most 3, widen a range or add one)");
    // Integer and Categorical ranges multiply; Bayesian and Hyperband are held to it too
    ranges.addObject().put("name", "grow_policy").put("type", "Categorical").putArray("values").add("depthwise")
        .add("lossguide");
    assertThat(error(spec)).contains("for the provided ranges [6.0] must be equal or greater than the value of "
        + "MaxNumberOfJobs, [10]");
    assertThat(error(spec.deepCopy().put("strategy", "Bayesian"))).contains("[6.0]");
    assertThat(read(spec.deepCopy().put("maxTrainingJobs", 6)).maxTrainingJobs()).isEqualTo(6);
    // a Continuous range makes the combinations endless
    ranges.addObject().put("name", "eta").put("type", "Continuous").put("min", 0.1).put("max", 0.3);
    assertThat(read(spec).maxTrainingJobs()).isEqualTo(10);
  }

  @Test
  void maxTrainingJobsIsLimitedByStrategy() {
    assertThat(error(kiln().put("maxTrainingJobs", 751))).isEqualTo("Invalid spec tune.json: maxTrainingJobs "
        + "(ResourceLimits.MaxNumberOfTrainingJobs) is 751; Bayesian search runs at most 750 trials (SageMaker's "
        + "limit)");
    assertThat(error(hyperband().put("maxTrainingJobs", 751))).contains("Hyperband search runs at most 750 trials");
    assertThat(read(kiln().put("strategy", "Random").put("maxTrainingJobs", 10_000)).maxTrainingJobs())
        .isEqualTo(10_000);
    assertThat(error(kiln().put("strategy", "Random").put("maxTrainingJobs", 10_001))).isEqualTo("Invalid spec "
        + "tune.json: field 'maxTrainingJobs' is 10001; expected a whole number from 1 to 10000");
  }

  @Test
  void maxParallelTrainingJobsIsAtLeastOneAndAtMostMaxTrainingJobs() {
    ObjectNode request = skeleton();
    ((ObjectNode) config(request).get("ResourceLimits")).put("MaxParallelTrainingJobs", 0);

    assertThat(error(kiln().put("maxParallelTrainingJobs", 21))).isEqualTo("Invalid spec tune.json: "
        + "maxParallelTrainingJobs (ResourceLimits.MaxParallelTrainingJobs) is 21, more than maxTrainingJobs "
        + "(MaxNumberOfTrainingJobs) 20; set it to at most 20");
    assertThat(error(grid().put("maxParallelTrainingJobs", 5))).contains("is 5, more than maxTrainingJobs "
        + "(MaxNumberOfTrainingJobs) 4; set it to at most 4");
    assertThat(error(kiln().put("maxParallelTrainingJobs", 0))).isEqualTo("Invalid spec tune.json: field "
        + "'maxParallelTrainingJobs' is 0; expected a whole number from 1 to 10000");
    assertThat(error(request)).isEqualTo("Invalid SageMaker request tune.json: "
        + "'HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs' is 0; the smallest allowed is 1");
    assertThat(valueError(() -> new ResourceLimits(5, 0, null))).isEqualTo("maxParallelTrainingJobs "
        + "(ResourceLimits.MaxParallelTrainingJobs) is 0; expected at least 1");
    assertThat(valueError(() -> new ResourceLimits(0, 1, null))).isEqualTo("maxTrainingJobs "
        + "(ResourceLimits.MaxNumberOfTrainingJobs) is 0; expected at least 1");
  }

  @Test
  void maxRuntimeIsWithinSageMakersBounds() {
    assertThat(error(kiln().put("maxRuntimeSeconds", 60))).isEqualTo("Invalid spec tune.json: field "
        + "'maxRuntimeSeconds' is 60; expected a whole number from 120 to 15768000");
    assertThat(valueError(() -> new ResourceLimits(5, 1, 15_768_001L))).isEqualTo("maxRuntimeSeconds "
        + "(ResourceLimits.MaxRuntimeInSeconds) is 15768001; expected 120 to 15768000 seconds");
  }

  // hyperparameters

  @Test
  void aHyperparameterIsTunedOrStaticNotBoth() {
    ObjectNode spec = kiln();
    ((ObjectNode) spec.at("/trainingJob/hyperparameters")).put("eta", "0.3");
    ObjectNode request = skeleton();
    ((ObjectNode) request.at("/TrainingJobDefinition/StaticHyperParameters")).put("max_depth", "5");

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: Tuning job 'churn-tune' tunes hyperparameter eta "
        + "(parameterRanges / ParameterRanges) and also sets it to 0.3 (trainingJob.hyperparameters / "
        + "StaticHyperParameters); remove one of the two");
    assertThat(error(request)).isEqualTo("Invalid spec tune.json: Tuning job 'skeleton-tune-1' tunes hyperparameter "
        + "max_depth (parameterRanges / ParameterRanges) and also sets it to 5 (trainingJob.hyperparameters / "
        + "StaticHyperParameters); remove one of the two");
  }

  @Test
  void atMostThirtyHyperparametersAreTuned() {
    ObjectNode spec = kiln();
    ArrayNode ranges = spec.putArray("parameterRanges");
    for (int i = 0; i < 31; i++) {
      ranges.addObject().put("name", "p" + i).put("type", "Integer").put("min", 0).put("max", 9);
    }

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: Tuning job 'churn-tune' tunes 31 hyperparameters "
        + "(parameterRanges / ParameterRanges); at most 30 can be tuned at once: make the others static");
  }

  @Test
  void atLeastOneHyperparameterIsTuned() {
    ObjectNode spec = kiln();
    spec.putArray("parameterRanges");

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: Tuning job 'churn-tune' tunes no hyperparameters: give "
        + "at least one Integer, Continuous or Categorical range (parameterRanges / ParameterRanges)");
  }

  @Test
  void aHyperparameterHasOneRange() {
    ObjectNode spec = kiln();
    ((ArrayNode) spec.get("parameterRanges")).addObject().put("name", "eta").put("type", "Categorical")
        .putArray("values").add("0.1");

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: Tuning job 'churn-tune' gives hyperparameter eta two "
        + "ranges (parameterRanges / ParameterRanges); give each tuned hyperparameter one range");
  }

  @Test
  void staticAndTunedHyperparametersAreAtMostOneHundred() {
    ObjectNode spec = kiln();
    ObjectNode hyperparameters = (ObjectNode) spec.at("/trainingJob/hyperparameters");
    for (int i = 0; i < 97; i++) {
      hyperparameters.put("h" + i, "1");
    }

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: Tuning job 'churn-tune' has 2 tuned and 99 static "
        + "hyperparameters, 101 in all; SageMaker allows at most 100");
  }

  @Test
  void rangeRulesNameTheRangeByItsPath() {
    ObjectNode spec = kiln();
    ((ObjectNode) spec.at("/parameterRanges/0")).put("min", 11);
    ObjectNode request = skeleton();
    ((ObjectNode) request.at("/HyperParameterTuningJobConfig/ParameterRanges/ContinuousParameterRanges/0"))
        .put("MinValue", "0");
    ObjectNode categorical = kiln();
    ((ArrayNode) categorical.get("parameterRanges")).addObject().put("name", "grow_policy").put("type", "Categorical")
        .putArray("values").add("depthwise").add("depthwise");

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: 'parameterRanges[0]': IntegerParameterRange max_depth: "
        + "MinValue 11 is greater than MaxValue 10");
    assertThat(error(request)).isEqualTo("Invalid spec tune.json: "
        + "'HyperParameterTuningJobConfig.ParameterRanges.ContinuousParameterRanges[0]': ContinuousParameterRange eta: "
        + "Logarithmic scaling needs MinValue > 0, not 0.0");
    assertThat(error(categorical)).isEqualTo("Invalid spec tune.json: 'parameterRanges[2]': CategoricalParameterRange "
        + "grow_policy: Values [depthwise, depthwise] repeat a value");
  }

  // objective

  @Test
  void theObjectiveMetricIsNotEmpty() {
    ObjectNode spec = kiln();
    ((ObjectNode) spec.get("objective")).put("metric", " ");
    ObjectNode request = skeleton();
    ((ObjectNode) request.at("/HyperParameterTuningJobConfig/HyperParameterTuningJobObjective")).put("MetricName", "");

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: objective.metric (HyperParameterTuningJobObjective."
        + "MetricName) is empty; name the metric trials are compared by, e.g. validation:auc");
    assertThat(error(request)).isEqualTo("Invalid SageMaker request tune.json: "
        + "'HyperParameterTuningJobConfig.HyperParameterTuningJobObjective.MetricName' is too short: at least 1 "
        + "characters");
  }

  // warm start

  @Test
  void warmStartNamesOneToFiveParents() {
    ObjectNode none = kiln();
    none.putObject("warmStart").put("type", "TransferLearning").putArray("parents");
    ObjectNode six = kiln();
    ArrayNode parents = six.putObject("warmStart").put("type", "TransferLearning").putArray("parents");
    for (int i = 1; i <= 6; i++) {
      parents.add("old-tune-" + i);
    }
    ObjectNode request = skeleton();
    ArrayNode requestParents = (ArrayNode) request.at("/WarmStartConfig/ParentHyperParameterTuningJobs");
    for (int i = 2; i <= 6; i++) {
      requestParents.addObject().put("HyperParameterTuningJobName", "parent-tune-" + i);
    }

    assertThat(error(none)).isEqualTo("Invalid spec tune.json: warmStart.parents (WarmStartConfig."
        + "ParentHyperParameterTuningJobs) names 0 tuning jobs; give 1 to 5");
    assertThat(error(six)).isEqualTo("Invalid spec tune.json: warmStart.parents (WarmStartConfig."
        + "ParentHyperParameterTuningJobs) names 6 tuning jobs; give 1 to 5");
    assertThat(error(request)).isEqualTo("Invalid SageMaker request tune.json: "
        + "'WarmStartConfig.ParentHyperParameterTuningJobs' has 6 items; at most 5 allowed");
  }

  @Test
  void warmStartParentsAreTuningJobNames() {
    ObjectNode spec = kiln();
    spec.putObject("warmStart").put("type", "TransferLearning").putArray("parents").add("old_tune");
    ObjectNode twice = kiln();
    twice.putObject("warmStart").put("type", "TransferLearning").putArray("parents").add("old").add("old");
    ObjectNode itself = kiln();
    itself.putObject("warmStart").put("type", "TransferLearning").putArray("parents").add("churn-tune");

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: warmStart.parents (WarmStartConfig."
        + "ParentHyperParameterTuningJobs) names 'old_tune', which is not a tuning job name: use 1 to 32 letters, "
        + "digits and hyphens, starting and ending with a letter or digit (SageMaker's HyperParameterTuningJobName "
        + "rule)");
    assertThat(error(twice)).isEqualTo("Invalid spec tune.json: warmStart.parents (WarmStartConfig."
        + "ParentHyperParameterTuningJobs) [old, old] names a tuning job twice; name each parent once");
    assertThat(error(itself)).isEqualTo("Invalid spec tune.json: Tuning job 'churn-tune' names itself as a warm start "
        + "parent (warmStart.parents / WarmStartConfig.ParentHyperParameterTuningJobs); warm start from earlier tuning "
        + "jobs only");
  }

  @Test
  void warmStartNeedsItsType() {
    ObjectNode spec = kiln();
    spec.putObject("warmStart").putArray("parents").add("old-tune");

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: warmStart.type (WarmStartConfig.WarmStartType) is "
        + "missing; give IdenticalDataAndAlgorithm or TransferLearning");
  }

  // name, seed, completion

  @Test
  void theNameFollowsSageMakersTuningJobNameRule() {
    String longName = "a".repeat(33);
    ObjectNode request = skeleton().put("HyperParameterTuningJobName", longName);

    assertThat(error(kiln().put("name", longName))).isEqualTo("Invalid spec tune.json: field 'name' is '" + longName
        + "'; use 1 to 32 letters, digits and hyphens, starting and ending with a letter or digit (SageMaker's "
        + "HyperParameterTuningJobName rule)");
    assertThat(error(kiln().put("name", "churn-"))).contains("field 'name' is 'churn-'; use 1 to 32 letters");
    assertThat(error(request)).isEqualTo("Invalid SageMaker request tune.json: 'HyperParameterTuningJobName' is too "
        + "long: at most 32 characters");
    assertThat(read(kiln().put("name", "a".repeat(32))).name()).hasSize(32);
  }

  @Test
  void theRandomSeedIsNotNegative() {
    assertThat(error(kiln().put("randomSeed", -1))).isEqualTo("Invalid spec tune.json: field 'randomSeed' is -1; "
        + "expected a whole number from 0 to 2147483647");
  }

  @Test
  void completionCriteriaFollowSageMakersBounds() {
    ObjectNode spec = kiln();
    spec.putObject("completion").put("maxJobsNotImproving", 2);

    assertThat(error(spec)).isEqualTo("Invalid spec tune.json: field 'completion.maxJobsNotImproving' is 2; expected a "
        + "whole number from 3 to 2147483647");
    assertThat(valueError(() -> new CompletionCriteria(null, 2, false))).isEqualTo("completion.maxJobsNotImproving "
        + "(BestObjectiveNotImproving.MaxNumberOfTrainingJobsNotImproving) is 2; expected at least 3");
    assertThat(valueError(() -> new CompletionCriteria(Double.NaN, null, false))).isEqualTo(
        "completion.targetObjectiveValue (TuningJobCompletionCriteria.TargetObjectiveMetricValue) is NaN; expected "
            + "a finite number");
  }

  // the record itself

  @Test
  void theRecordChecksWhatNoReaderCanSkip() {
    TuningJobSpec valid = read(kiln());

    assertThat(valueError(() -> new TuningJobSpec(valid.name(), StrategyType.Hyperband, null, valid.objective(),
        valid.parameterRanges(), valid.resourceLimits(), null, null, null, null, valid.trainingJob(), List.of())))
        .isEqualTo("Tuning job 'churn-tune' uses Hyperband but has no hyperband settings (StrategyConfig."
            + "HyperbandStrategyConfig); give minResource and maxResource");
    assertThat(valueError(() -> new TuningJobSpec(valid.name(), StrategyType.Random, new HyperbandConfig(1, 9),
        valid.objective(), valid.parameterRanges(), valid.resourceLimits(), null, null, null, null, valid.trainingJob(),
        List.of())))
        .isEqualTo("Tuning job 'churn-tune' sets hyperband (StrategyConfig.HyperbandStrategyConfig), which applies to "
            + "the Hyperband strategy only, but its strategy is Random; remove it or use Hyperband");
    assertThat(valueError(() -> new TuningJobSpec(valid.name(), StrategyType.Random, null, valid.objective(),
        valid.parameterRanges(), valid.resourceLimits(), null, null, null, -1L, valid.trainingJob(), List.of())))
        .isEqualTo("randomSeed (RandomSeed) is -1; expected 0 to 2147483647");
  }

  @Test
  void theRecordNormalisesItsTemplateAndDefaults() {
    TuningJobSpec valid = read(kiln());

    TuningJobSpec built = new TuningJobSpec("other-tune", StrategyType.Random, null, valid.objective(),
        List.of(new ParameterRange.Continuous("eta", 0.1, 0.2, ScalingType.Linear)), new ResourceLimits(5, 1, null),
        null, null, null, null, valid.trainingJob().withNotices(List.of("noticed")), List.of("first"));

    assertThat(built.trainingJob().name()).isEqualTo("other-tune-trial");
    assertThat(built.trainingJob().notices()).isEmpty();
    assertThat(built.notices()).containsExactly("first", "noticed");
    assertThat(built.earlyStopping()).isEqualTo(EarlyStoppingType.Off);
    assertThat(built.completion()).isEqualTo(CompletionCriteria.none());
  }
}
