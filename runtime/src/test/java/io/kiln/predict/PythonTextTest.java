package io.kiln.predict;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.spi.Predictions;
import io.kiln.testing.ReferencePython;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Numbers in kiln predict's output are written as SageMaker's (Python) containers write them:
 * checked against Debian's /usr/bin/python3 repr() and json.dumps() on float32 predictions widened
 * to double, doubles of every magnitude and the edge cases.
 */
class PythonTextTest {

  @Test
  void reprAndJsonMatchPythonExactly() {
    List<Double> values = new ArrayList<>(List.of(0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 1e-4, 9.999e-5, 1e-5, 1.5e-5, 1e15,
        1e16, 1.5e16, 123456789012345678.0, 1e100, 1e-300, Double.MIN_VALUE, Double.MAX_VALUE, Double.NaN,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, (double) 0.1f, (double) 0.004113434f, 2.0, 100.0,
        4.35, 0.3, 2.675, 5e-324, 9007199254740993.0, 0.0001, 0.00012345));
    Random random = new Random(11);
    for (int i = 0; i < 1500; i++) {
      values.add((double) Float.intBitsToFloat(random.nextInt()));      // any float32
      values.add((double) random.nextFloat());                            // probabilities
      values.add(Double.longBitsToDouble(random.nextLong()));             // any double
      values.add(random.nextGaussian() * Math.pow(10, random.nextInt(40) - 20));
    }
    List<String> bits = values.stream().map(v -> String.format("%016x", Double.doubleToRawLongBits(v))).toList();
    ReferencePython.requireFrom("python3", "json");
    JsonNode ref = ReferencePython.call(PythonTextTest.class, "/predict/python_repr.py", Map.of("bits", bits));
    for (int i = 0; i < values.size(); i++) {
      double v = values.get(i);
      assertThat(PythonText.repr(v)).as("repr of %s (bits %s)", v, bits.get(i)).isEqualTo(ref.get("repr").get(i).asText());
      assertThat(PythonText.json(v)).as("json of %s", v).isEqualTo(ref.get("json").get(i).asText());
    }
    assertThat(ref.get("repr").size()).isEqualTo(values.size());
  }

  @Test
  void linesAreWrittenAsTheContainersWriteThem() {
    Predictions one = new Predictions(2, List.of(new Predictions.Numbers("score", new double[] {0.5, (double) 0.1f})));
    Predictions vector = new Predictions(1, List.of(new Predictions.Vectors("score",
        new double[][] {{0.25, 0.75, Double.NaN}})));
    Predictions mixed = new Predictions(1, List.of(new Predictions.Integers("predicted_label", new long[] {1}),
        new Predictions.Numbers("score", new double[] {1e-5}), new Predictions.Vectors("p", new double[][] {{1, 2}})));
    assertThat(lines(OutputFormat.CSV, one)).isEqualTo("0.5\n0.10000000149011612\n");
    assertThat(lines(OutputFormat.JSON_LINES, one)).isEqualTo("{\"score\": 0.5}\n{\"score\": 0.10000000149011612}\n");
    // the container's Batch Transform line is str(list); its JSON a list with NaN as json.dumps writes it
    assertThat(lines(OutputFormat.CSV, vector)).isEqualTo("[0.25, 0.75, nan]\n");
    assertThat(lines(OutputFormat.JSON_LINES, vector)).isEqualTo("{\"score\": [0.25, 0.75, NaN]}\n");
    assertThat(lines(OutputFormat.CSV, mixed)).isEqualTo("1,1e-05,\"[1.0, 2.0]\"\n");
    assertThat(lines(OutputFormat.JSON_LINES, mixed))
        .isEqualTo("{\"predicted_label\": 1, \"score\": 1e-05, \"p\": [1.0, 2.0]}\n");
    assertThat(OutputFormat.parse("application/jsonlines; charset=utf-8")).isEqualTo(OutputFormat.JSON_LINES);
    assertThat(OutputFormat.parse("CSV")).isEqualTo(OutputFormat.CSV);
    assertThat(OutputFormat.parse("application/json")).isEqualTo(OutputFormat.JSON);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> OutputFormat.parse("application/xml"))
        .hasMessage("--accept 'application/xml' is not an output type kiln predict writes; use text/csv (the "
            + "default for text/csv input) or application/jsonlines, or application/json for whole-object input "
            + "such as images");
  }

  private static String lines(OutputFormat f, Predictions p) {
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < p.rows(); r++) {
      f.appendLine(p, r, sb);
    }
    return sb.toString();
  }
}
