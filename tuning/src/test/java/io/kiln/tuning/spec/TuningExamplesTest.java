package io.kiln.tuning.spec;

import static io.kiln.testing.JsonSchemas.integerBranch;
import static io.kiln.testing.JsonSchemas.names;
import static io.kiln.testing.JsonSchemas.texts;
import static io.kiln.tuning.spec.TuningSpecs.example;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.spec.KilnSpecReader;
import io.kiln.testing.JsonSchemas;
import io.kiln.tuning.space.ParameterRange;
import io.kiln.tuning.space.ScalingType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tuning examples in conf/examples read as the tuning jobs they describe, and
 * conf/kiln-tuning.schema.json describes the fields the reader reads.
 */
class TuningExamplesTest {
  private static final List<ParameterRange> EXAMPLE_RANGES = List.of(
      new ParameterRange.Integer("max_depth", 2, 8, ScalingType.Auto),
      new ParameterRange.Continuous("eta", 0.05, 0.5, ScalingType.Logarithmic),
      new ParameterRange.Continuous("subsample", 0.5, 1.0, ScalingType.Auto));

  @Test
  void kilnExampleReadsAsTheQuickstartTuningJob() {
    TuningJobSpec spec = TuningSpecReader.readTuningJob(example("tune-xgboost.yaml"));

    assertThat(spec.name()).isEqualTo("tune-xgboost");
    assertThat(spec.strategy()).isEqualTo(StrategyType.Bayesian);
    assertThat(spec.objective()).isEqualTo(new Objective(Objective.Type.Maximize, "validation:auc"));
    assertThat(spec.parameterRanges()).isEqualTo(EXAMPLE_RANGES);
    assertThat(spec.resourceLimits()).isEqualTo(new ResourceLimits(12, 2, 3600L));
    assertThat(spec.earlyStopping()).isEqualTo(EarlyStoppingType.Auto);
    assertThat(spec.trainingJob().algorithm().name()).isEqualTo("xgboost");
    assertThat(spec.trainingJob().channels()).extracting(c -> c.uri())
        .containsExactly("s3://kiln/quickstart/train/", "s3://kiln/quickstart/validation/");
    // no eval_metric: trials evaluate the objective's metric, which the tuner adds (_tuning_objective_metric)
    assertThat(spec.trainingJob().hyperparameters()).containsOnlyKeys("num_round", "objective");
    assertThat(spec.notices()).isEmpty();
  }

  @Test
  void sageMakerExampleDescribesTheSameTuningJob() {
    TuningJobSpec kiln = TuningSpecReader.readTuningJob(example("tune-xgboost.yaml"));
    TuningJobSpec spec = TuningSpecReader.readTuningJob(example("sagemaker-create-tuning-job.json"));

    assertThat(spec.name()).isEqualTo("tune-xgboost-sagemaker");
    assertThat(spec.strategy()).isEqualTo(kiln.strategy());
    assertThat(spec.objective()).isEqualTo(kiln.objective());
    assertThat(spec.parameterRanges()).isEqualTo(EXAMPLE_RANGES);
    assertThat(spec.resourceLimits()).isEqualTo(kiln.resourceLimits());
    assertThat(spec.earlyStopping()).isEqualTo(kiln.earlyStopping());
    assertThat(spec.completion()).isEqualTo(kiln.completion());
    assertThat(spec.randomSeed()).isEqualTo(kiln.randomSeed());
    assertThat(spec.trainingJob().hyperparameters()).isEqualTo(kiln.trainingJob().hyperparameters());
    assertThat(spec.trainingJob().channels()).isEqualTo(kiln.trainingJob().channels());
    assertThat(spec.trainingJob().outputPath()).isEqualTo(kiln.trainingJob().outputPath());
    assertThat(spec.notices()).containsExactly("Not applied on Spark (AWS-only fields of the SageMaker request): "
        + "kept for describe: TrainingJobDefinition.RoleArn, TrainingJobDefinition.ResourceConfig.VolumeSizeInGB; "
        + "ignored: Tags");
  }

  @Test
  void examplesRoundTripThroughTheirRecord() {
    TuningJobSpec spec = TuningSpecReader.readTuningJob(example("tune-xgboost.yaml"));

    assertThat(TuningSpecJson.fromKilnSpec(TuningSpecJson.toKilnSpec(spec), "record.json")).isEqualTo(spec);
  }

  // the schema

  @Test
  void schemaIsDraft202012AndClosed() {
    JsonNode schema = schema("kiln-tuning.schema.json");

    assertThat(schema.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
    assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
    assertThat(texts(schema.path("required")))
        .containsExactly("name", "objective", "parameterRanges", "trainingJob");
  }

  @Test
  void schemaFieldsAreTheReadersFields() {
    JsonNode schema = schema("kiln-tuning.schema.json");

    assertThat(names(schema.path("properties"))).containsExactlyElementsOf(KilnTuningSpecReader.TOP_LEVEL);
    assertThat(names(schema.at("/properties/objective/properties"))).containsExactlyElementsOf(
        KilnTuningSpecReader.OBJECTIVE);
    assertThat(names(objectBranch(schema.at("/properties/completion")).path("properties")))
        .containsExactlyElementsOf(KilnTuningSpecReader.COMPLETION);
    assertThat(names(objectBranch(schema.at("/properties/hyperband")).path("properties")))
        .containsExactlyElementsOf(KilnTuningSpecReader.HYPERBAND);
    assertThat(names(objectBranch(schema.at("/properties/warmStart")).path("properties")))
        .containsExactlyElementsOf(KilnTuningSpecReader.WARM_START);
    JsonNode kinds = schema.at("/$defs/parameterRange/oneOf");
    assertThat(kinds).hasSize(3);
    assertThat(names(kinds.get(0).path("properties"))).containsExactlyElementsOf(KilnTuningSpecReader.NUMERIC_RANGE);
    assertThat(names(kinds.get(1).path("properties"))).containsExactlyElementsOf(KilnTuningSpecReader.NUMERIC_RANGE);
    assertThat(names(kinds.get(2).path("properties")))
        .containsExactlyElementsOf(KilnTuningSpecReader.CATEGORICAL_RANGE);
  }

  @Test
  void schemaEnumsAndLimitsAreTheReadersEnumsAndLimits() {
    JsonNode schema = schema("kiln-tuning.schema.json");

    assertThat(texts(schema.at("/properties/strategy/enum"))).containsExactlyElementsOf(
        Arrays.stream(StrategyType.values()).map(Enum::name).toList());
    assertThat(texts(schema.at("/properties/earlyStopping/enum"))).containsExactlyElementsOf(
        Arrays.stream(EarlyStoppingType.values()).map(Enum::name).toList());
    assertThat(texts(schema.at("/properties/objective/properties/type/enum"))).containsExactlyElementsOf(
        Arrays.stream(Objective.Type.values()).map(Enum::name).toList());
    assertThat(texts(objectBranch(schema.at("/properties/warmStart")).at("/properties/type/enum")))
        .containsExactlyElementsOf(Arrays.stream(WarmStart.Type.values()).map(Enum::name).toList());
    List<String> kinds = new ArrayList<>();
    schema.at("/$defs/parameterRange/oneOf").forEach(k -> kinds.add(k.at("/properties/type/const").asText()));
    assertThat(kinds).containsExactlyElementsOf(
        Arrays.stream(KilnTuningSpecReader.RangeType.values()).map(Enum::name).toList());
    assertThat(texts(schema.at("/$defs/parameterRange/oneOf/1/properties/scaling/enum")))
        .containsExactlyElementsOf(Arrays.stream(ScalingType.values()).map(Enum::name).toList());
    assertThat(schema.at("/properties/name/maxLength").asInt()).isEqualTo(TuningJobSpec.MAX_NAME_LENGTH);
    assertThat(schema.at("/properties/parameterRanges/maxItems").asInt()).isEqualTo(30);
    assertThat(integerBranch(schema.at("/properties/maxTrainingJobs")).path("maximum").asInt())
        .isEqualTo(StrategyType.Random.maxTrainingJobsLimit());
    assertThat(integerBranch(schema.at("/properties/maxRuntimeSeconds")).path("minimum").asLong())
        .isEqualTo(ResourceLimits.MIN_RUNTIME_SECONDS);
    assertThat(integerBranch(schema.at("/properties/maxRuntimeSeconds")).path("maximum").asLong())
        .isEqualTo(ResourceLimits.MAX_RUNTIME_SECONDS);
    assertThat(objectBranch(schema.at("/properties/warmStart")).at("/properties/parents/maxItems").asInt())
        .isEqualTo(WarmStart.MAX_PARENTS);
    assertThat(integerBranch(objectBranch(schema.at("/properties/hyperband")).at("/properties/maxResource"))
        .path("maximum").asInt()).isEqualTo(HyperbandConfig.MAX_RESOURCE_LIMIT);
    assertThat(integerBranch(objectBranch(schema.at("/properties/completion")).at("/properties/maxJobsNotImproving"))
        .path("minimum").asInt()).isEqualTo(CompletionCriteria.MIN_JOBS_NOT_IMPROVING);
  }

  @Test
  void trainingJobIsTheTrainingSchemaWithoutItsName() {
    JsonNode schema = schema("kiln-tuning.schema.json");
    JsonNode training = schema("kiln-job.schema.json");
    JsonNode trainingJob = schema.at("/$defs/trainingJob");

    assertThat(names(trainingJob.path("properties"))).containsExactlyElementsOf(KilnSpecReader.UNNAMED);
    for (String field : KilnSpecReader.UNNAMED) {
      assertThat(trainingJob.path("properties").get(field)).as(field)
          .isEqualTo(training.path("properties").get(field));
    }
    assertThat(texts(trainingJob.path("required"))).containsExactly("algorithm", "channels", "outputPath");
    assertThat(trainingJob.path("allOf")).isEqualTo(training.path("allOf"));
    training.path("$defs").properties().forEach(def ->
        assertThat(schema.path("$defs").get(def.getKey())).as(def.getKey()).isEqualTo(def.getValue()));
  }

  @Test
  void everySchemaFieldHasADescription() {
    assertThat(JsonSchemas.undocumented(schema("kiln-tuning.schema.json"))).isEmpty();
  }

  private static JsonNode schema(String file) {
    try {
      return new ObjectMapper().readTree(TuningSpecs.repoRoot().resolve("conf").resolve(file).toFile());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static JsonNode objectBranch(JsonNode property) {
    for (JsonNode branch : property.path("anyOf")) {
      if (branch.path("type").asText().equals("object")) {
        return branch;
      }
    }
    throw new AssertionError("no object branch in " + property);
  }
}
