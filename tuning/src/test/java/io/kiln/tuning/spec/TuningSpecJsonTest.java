package io.kiln.tuning.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.spec.SpecJson;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A tuning spec written to Kiln JSON, for the tuning job's record, reads back as an equal spec. */
class TuningSpecJsonTest {

  private static TuningJobSpec roundTrip(TuningJobSpec spec) {
    ObjectNode json = TuningSpecJson.toKilnSpec(spec);
    return TuningSpecJson.fromKilnSpec(json, "record.json");
  }

  @Test
  void everyFieldRoundTrips() {
    TuningJobSpec spec = TuningSpecReader.readTuningJob(KilnTuningSpecReaderTest.EVERY_FIELD, "tune.yaml");

    assertThat(roundTrip(spec)).isEqualTo(spec);
  }

  @Test
  void defaultsRoundTrip() {
    TuningJobSpec spec = TuningSpecReader.readTuningJob(TuningSpecs.KILN_MINIMAL, "tune.yaml");

    assertThat(roundTrip(spec)).isEqualTo(spec);
  }

  @Test
  void gridRoundTripsWithItsJobCount() {
    TuningJobSpec spec = TuningSpecReader.readTuningJob("""
        name: grid-tune
        strategy: Grid
        objective: {type: Minimize, metric: "validation:rmse"}
        parameterRanges:
          - {name: max_depth, type: Categorical, values: [4, 6, 8]}
        trainingJob:
          algorithm: xgboost
          channels: [{name: train, uri: "s3://bucket/train/"}]
          outputPath: s3://bucket/output/
        """, "grid.yaml");

    assertThat(TuningSpecJson.toKilnSpec(spec).get("maxTrainingJobs").asInt()).isEqualTo(3);
    assertThat(roundTrip(spec)).isEqualTo(spec);
  }

  @Test
  void sageMakerRequestRoundTripsWithoutItsNoticesAndEchoedAwsMembers() {
    TuningJobSpec spec = TuningSpecReader.readTuningJob(TuningSpecs.skeletonFile());

    TuningJobSpec back = roundTrip(spec);

    assertThat(spec.notices()).isNotEmpty();
    assertThat(back.notices()).isEmpty();
    // the Kiln form has no place for RoleArn and the like: a resumed tuning job takes them back from
    // the TrainingJobDefinition its record echoes
    assertThat(spec.trainingJob().requestEcho().get("RoleArn").asText()).endsWith(":role/KilnSageMakerExecutionRole");
    assertThat(back.trainingJob().requestEcho().isEmpty()).isTrue();
    assertThat(back).isEqualTo(new TuningJobSpec(spec.name(), spec.strategy(), spec.hyperband(), spec.objective(),
        spec.parameterRanges(), spec.resourceLimits(), spec.earlyStopping(), spec.completion(), spec.warmStart(),
        spec.randomSeed(), spec.trainingJob().withRequestEcho(null), List.of()));
  }

  @Test
  void theTrainingJobIsWrittenWithoutItsPlaceholderName() {
    TuningJobSpec spec = TuningSpecReader.readTuningJob(TuningSpecs.KILN_MINIMAL, "tune.yaml");

    ObjectNode json = TuningSpecJson.toKilnSpec(spec);

    assertThat(json.get("trainingJob").has("name")).isFalse();
    assertThat(json.properties()).extracting(java.util.Map.Entry::getKey)
        .isSubsetOf(KilnTuningSpecReader.TOP_LEVEL);
  }

  @Test
  void secretEnvironmentValuesAreRedacted() {
    String text = TuningSpecs.KILN_MINIMAL + "  environment: {API_TOKEN: hunter2}\n";
    TuningJobSpec spec = TuningSpecReader.readTuningJob(text, "tune.yaml");

    ObjectNode json = TuningSpecJson.toKilnSpec(spec);

    assertThat(json.at("/trainingJob/environment/API_TOKEN").asText()).isEqualTo(SpecJson.REDACTED);
  }
}
