package io.kiln.algorithms.script;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.testing.ReferencePython;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hyperparameter values reach the script as the SageMaker training toolkit gives them: decoded as
 * JSON where they are JSON, and written into SM_HP_* / SM_HPS and onto the command line exactly as
 * Python writes them. Python computes the expected strings (reference/toolkit_values.py).
 */
@Tag("reference")
class PythonValuesTest {
  /** What the SDK sends (json.dumps of the user's values) and what people write by hand. */
  private static final List<String> VALUES = List.of("10", "-3", "0", "12345678901234567890", "0.1", "1.0", "1e-05",
      "1e16", "2.5e-7", "123456789.123", "true", "false", "null", "\"resnet\"", "abc", "\"\"", "[1, 2]",
      "[1.5, \"a\", true, null]", "{\"b\": 2, \"a\": 1}", "{\"k\": null, \"j\": [1]}", "\"caf\u00e9 \u2603\"",
      "\"it's\"", "\"tab\\there\"", "01", "1 2", "NaN", "Infinity", "-Infinity", " 7 ", "[]", "{}", "\"\\u0001\"");

  @Test
  void valuesAreWhatTheToolkitMakesOfThem() {
    JsonNode expected = ReferencePython.call(PythonValuesTest.class, "/reference/toolkit_values.py",
        Map.of("values", VALUES));
    assertThat(expected.size()).isEqualTo(VALUES.size());
    for (int i = 0; i < VALUES.size(); i++) {
      String value = VALUES.get(i);
      JsonNode decoded = PythonValues.decode(value);
      assertThat(PythonValues.envValue(decoded)).as("SM_HP_ value of %s", value)
          .isEqualTo(expected.get(i).get("env").asText());
      assertThat(decoded.isNull() ? "" : PythonValues.str(decoded)).as("argument of %s", value)
          .isEqualTo(expected.get(i).get("arg").asText());
    }
  }
}
