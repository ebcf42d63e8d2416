package io.kiln.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.spi.DataDistribution;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A spec written back out as a Kiln spec reads again into an equal spec; secrets never leave. */
class SpecJsonTest {

  /** Writes {@code spec} as a Kiln spec and reads it back. */
  static TrainingJobSpec roundTrip(TrainingJobSpec spec) {
    ObjectNode json = SpecJson.toKilnSpec(spec);
    return SpecJson.fromKilnSpec(json, "stored.json");
  }

  /** The spec without its notices, which are said once when a request is read and not stored. */
  static TrainingJobSpec withoutNotices(TrainingJobSpec s) {
    return new TrainingJobSpec(s.name(), s.algorithm(), s.hyperparameters(), s.channels(), s.outputPath(),
        s.resources(), s.stoppingCondition(), s.checkpoint(), s.managedSpot(), s.environment(),
        s.metricDefinitions(), s.maxRetryAttempts(), List.of());
  }

  @Test
  void roundTripsASpecWithEveryField() {
    assertThat(roundTrip(KilnSpecReaderTest.FULL)).isEqualTo(KilnSpecReaderTest.FULL);
  }

  @Test
  void roundTripsAMinimalSpec() {
    TrainingJobSpec spec = SpecReader.readTrainingJob(KilnSpecReaderTest.MINIMAL, "job.yaml");

    assertThat(roundTrip(spec)).isEqualTo(spec);
  }

  @Test
  void roundTripsASpecSizedByInstanceTypeAlone() {
    TrainingJobSpec spec = SpecReader.readTrainingJob(
        KilnSpecReaderTest.MINIMAL + "resources:\n  workers: 4\n  instanceType: ml.g4dn.12xlarge\n", "job.yaml");

    assertThat(roundTrip(spec)).isEqualTo(spec);
    assertThat(roundTrip(spec).resources()).isEqualTo(new ResourceSpec(4, 48, "153g", 4, "ml.g4dn.12xlarge"));
  }

  @Test
  void roundTripsAMappedSageMakerRequest() {
    TrainingJobSpec spec = SpecReader.readTrainingJob(SageMakerRequestMapperTest.skeleton(), "request.json");

    assertThat(roundTrip(spec)).isEqualTo(withoutNotices(spec));
  }

  @ParameterizedTest
  @ValueSource(strings = {"File", "FastFile", "Pipe"})
  void roundTripsTheTrainingInputMode(String mode) {
    TrainingJobSpec spec = SpecReader.readTrainingJob(SageMakerRequestMapperTest.skeletonWith(
        r -> ((ObjectNode) r.get("AlgorithmSpecification")).put("TrainingInputMode", mode)), "request.json");

    assertThat(roundTrip(spec).algorithm().inputMode()).isEqualTo(mode);
  }

  @Test
  void writesHyperparametersAsTheStringsTheyWereWrittenAs() {
    ObjectNode json = SpecJson.toKilnSpec(KilnSpecReaderTest.FULL);

    assertThat(json.at("/hyperparameters/eta").isTextual()).isTrue();
    assertThat(json.at("/hyperparameters/eta").asText()).isEqualTo("0.10");
    assertThat(json.at("/hyperparameters/num_round").asText()).isEqualTo("100");
    assertThat(json.at("/resources/instanceType").asText()).isEqualTo("ml.m5.xlarge");
    assertThat(json.at("/channels/0/distribution").asText()).isEqualTo("ShardedByS3Key");
  }

  @Test
  void redactsSecretLookingEnvironmentValues() {
    TrainingJobSpec spec = withEnvironment(Map.of(
        "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE",
        "AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLE",
        "DB_PASSWORD", "hunter2",
        "HF_TOKEN", "hf_example",
        "OPENAI_API_KEY", "sk-example",
        "API_KEY", "plain-api-key",
        "GOOGLE_APPLICATION_CREDENTIALS", "/secrets/gcp.json",
        "SSH_PRIVATE_KEY", "-----BEGIN-----",
        "LOG_LEVEL", "debug"));

    ObjectNode json = SpecJson.toKilnSpec(spec);

    assertThat(json.get("environment").properties()).extracting(e -> e.getKey() + "=" + e.getValue().asText())
        .containsExactly(
            "API_KEY=*** redacted ***",
            "AWS_ACCESS_KEY_ID=*** redacted ***",
            "AWS_SECRET_ACCESS_KEY=*** redacted ***",
            "AWS_SESSION_TOKEN=*** redacted ***",
            "DB_PASSWORD=*** redacted ***",
            "GOOGLE_APPLICATION_CREDENTIALS=*** redacted ***",
            "HF_TOKEN=*** redacted ***",
            "LOG_LEVEL=debug",
            "OPENAI_API_KEY=*** redacted ***",
            "SSH_PRIVATE_KEY=*** redacted ***");
    assertThat(json.toString()).doesNotContain("wJalrXUtnFEMI", "AKIAIOSFODNN7", "hunter2", "hf_example", "sk-example",
        "plain-api-key", "BEGIN");
  }

  @ParameterizedTest
  @ValueSource(strings = {"aws_secret_access_key", "MyPassword", "github_token", "api_key", "STRIPE_APIKEY",
      "DB_PASSWD"})
  void recognisesSecretNamesWhateverTheirCase(String name) {
    assertThat(SpecJson.isSecretName(name)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"LOG_LEVEL", "OMP_NUM_THREADS", "KILN_EXAMPLE", "KEYBOARD_LAYOUT", "S3_BUCKET"})
  void leavesOrdinaryNamesAlone(String name) {
    assertThat(SpecJson.isSecretName(name)).isFalse();
  }

  @Test
  void writesChannelDefaultsExplicitly() {
    TrainingJobSpec spec = SpecReader.readTrainingJob(KilnSpecReaderTest.MINIMAL, "job.yaml");
    ObjectNode json = SpecJson.toKilnSpec(spec);

    assertThat(json.at("/channels/0/distribution").asText()).isEqualTo(DataDistribution.FullyReplicated.name());
    assertThat(json.at("/channels/0/compression").asText()).isEqualTo("None");
    assertThat(json.at("/channels/0/contentType").isMissingNode()).isTrue();
  }

  private static TrainingJobSpec withEnvironment(Map<String, String> environment) {
    TrainingJobSpec s = KilnSpecReaderTest.FULL;
    return new TrainingJobSpec(s.name(), s.algorithm(), s.hyperparameters(), s.channels(), s.outputPath(),
        s.resources(), s.stoppingCondition(), s.checkpoint(), s.managedSpot(), environment, s.metricDefinitions(),
        s.maxRetryAttempts(), s.notices());
  }
}
