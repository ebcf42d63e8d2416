package io.kiln.spec;

import static io.kiln.testing.JsonSchemas.integerBranch;
import static io.kiln.testing.JsonSchemas.names;
import static io.kiln.testing.JsonSchemas.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.spi.DataDistribution;
import io.kiln.testing.JsonSchemas;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** conf/kiln-job.schema.json describes the fields KilnSpecReader reads, no more and no fewer. */
class KilnJobSchemaTest {
  private static JsonNode schema;

  @BeforeAll
  static void readSchema() throws Exception {
    Path file = ExampleSpecsTest.repoRoot().resolve("conf/kiln-job.schema.json");
    schema = new ObjectMapper().readTree(file.toFile());
  }

  @Test
  void isDraft202012AndClosed() {
    assertThat(schema.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
    assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();
    assertThat(texts(schema.path("required"))).containsExactly("name", "algorithm", "channels", "outputPath");
  }

  @Test
  void topLevelFieldsAreTheReadersFields() {
    assertThat(names(schema.path("properties"))).containsExactlyElementsOf(KilnSpecReader.TOP_LEVEL);
  }

  @Test
  void nestedFieldsAreTheReadersFields() {
    assertThat(names(objectBranch("algorithm").path("properties"))).containsExactlyElementsOf(KilnSpecReader.ALGORITHM_FIELDS);
    assertThat(names(schema.at("/$defs/channel/properties")))
        .containsExactly("name", "uri", "contentType", "distribution", "compression", "dataType", "attributeNames");
    assertThat(names(objectBranch("resources").path("properties")))
        .containsExactlyInAnyOrder("workers", "coresPerWorker", "memoryPerWorker", "gpusPerWorker", "instanceType",
            "minWorkers", "fallbackMaster");
    assertThat(names(objectBranch("stoppingCondition").path("properties")))
        .containsExactly("maxRuntimeSeconds", "maxWaitSeconds", "maxPendingSeconds");
    assertThat(names(objectBranch("checkpoint").path("properties"))).containsExactly("uri", "localPath", "intervalRounds");
    assertThat(names(objectBranch("metricDefinitions").at("/items/properties"))).containsExactly("name", "regex");
    assertThat(names(objectBranch("retry").path("properties"))).containsExactly("maximumAttempts");
  }

  @Test
  void everyFieldHasADescription() {
    assertThat(JsonSchemas.undocumented(schema)).isEmpty();
  }

  @Test
  void enumsAreTheReadersEnums() {
    assertThat(texts(schema.at("/$defs/channel/properties/distribution/enum")))
        .containsExactlyElementsOf(Arrays.stream(DataDistribution.values()).map(Enum::name).toList());
    assertThat(texts(schema.at("/$defs/channel/properties/compression/enum")))
        .containsExactlyElementsOf(Arrays.stream(ChannelSpec.Compression.values()).map(Enum::name).toList());
    assertThat(texts(schema.at("/$defs/channel/properties/dataType/enum")))
        .containsExactlyElementsOf(Arrays.stream(io.kiln.spi.S3DataType.values()).map(Enum::name).toList());
    assertThat(texts(objectBranch("algorithm").at("/properties/inputMode/enum")))
        .containsExactlyElementsOf(Arrays.stream(KilnSpecReader.InputMode.values()).map(Enum::name).toList());
    assertThat(texts(objectBranch("resources").at("/properties/instanceType/enum")))
        .containsExactlyInAnyOrderElementsOf(InstanceTypes.all().keySet());
  }

  @Test
  void limitsAreTheReadersLimits() {
    assertThat(schema.at("/$defs/channel/properties/attributeNames/maxItems").asInt())
        .isEqualTo(ChannelSpec.MAX_ATTRIBUTE_NAMES);
    assertThat(schema.at("/$defs/channel/properties/attributeNames/items/maxLength").asInt())
        .isEqualTo(ChannelSpec.MAX_ATTRIBUTE_NAME_LENGTH);
    assertThat(schema.at("/properties/name/maxLength").asInt()).isEqualTo(Names.MAX_JOB_NAME_LENGTH);
    assertThat(integerBranch(objectBranch("resources").at("/properties/workers")).path("maximum").asLong())
        .isEqualTo(10_000);
    assertThat(integerBranch(objectBranch("stoppingCondition").at("/properties/maxRuntimeSeconds")).path("maximum")
        .asLong()).isEqualTo(StoppingCondition.MAX_RUNTIME_LIMIT_SECONDS);
    assertThat(objectBranch("stoppingCondition").at("/properties/maxRuntimeSeconds/default").asLong())
        .isEqualTo(StoppingCondition.DEFAULT_MAX_RUNTIME_SECONDS);
    assertThat(integerBranch(objectBranch("retry").at("/properties/maximumAttempts")).path("maximum").asInt())
        .isEqualTo(30);
  }

  /** The object alternative of a field that may also be null (or, for algorithm, a plain name). */
  private static JsonNode objectBranch(String field) {
    JsonNode property = schema.path("properties").path(field);
    for (String combinator : List.of("anyOf", "oneOf")) {
      for (JsonNode branch : property.path(combinator)) {
        if (branch.path("type").asText().equals("object") || branch.path("type").asText().equals("array")) {
          return branch;
        }
      }
    }
    throw new AssertionError("no object branch for " + field);
  }
}
