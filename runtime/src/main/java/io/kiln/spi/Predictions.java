package io.kiln.spi;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A {@link Predictor}'s answer for a batch of {@code rows} rows: named outputs, in the order they are
 * written, each holding one value per row. The names are those SageMaker's container for the
 * algorithm uses (XGBoost: {@code score}; Linear Learner: {@code score}, {@code predicted_label};
 * K-Means: {@code closest_cluster}, {@code distance_to_cluster}; PCA: {@code projection}).
 *
 * <p>How the runtime writes a row ({@code kiln predict --accept}):
 * <ul>
 *   <li>{@code application/jsonlines}: one JSON object per line, the outputs as members in order,
 *       as Python's {@code json.dumps} writes them (SageMaker's containers are Python): {@code
 *       {"score": 0.8387096524238586}}, {@code {"score": [0.1, 0.2, 0.7]}};
 *   <li>{@code text/csv}: the outputs' values in order, separated by commas; a vector as Python
 *       writes a list ({@code [0.1, 0.2, 0.7]}), in double quotes when the line has more than one
 *       output (as SageMaker XGBoost's selectable-inference CSV does), bare when it is the only one
 *       (as its Batch Transform output is).
 * </ul>
 * Numbers are written as Python's {@code repr} of the double (shortest round trip: {@code 0.5},
 * {@code 1e-05}, {@code nan}); a float32 value is widened to double first, as numpy's
 * {@code tolist()} does, so {@code 0.1f} is written {@code 0.10000000149011612}.
 *
 * @param rows the number of rows
 * @param outputs the outputs, each with {@code rows} values; at least one, names unique
 */
public record Predictions(int rows, List<Output> outputs) {

  public Predictions {
    outputs = List.copyOf(outputs);
    if (outputs.isEmpty()) {
      throw new IllegalArgumentException("predictions need at least one output");
    }
    Set<String> names = new HashSet<>();
    for (Output o : outputs) {
      if (!names.add(o.name())) {
        throw new IllegalArgumentException("output '" + o.name() + "' is given twice");
      }
      if (o.size() != rows) {
        throw new IllegalArgumentException("output '" + o.name() + "' has " + o.size() + " values for " + rows
            + " rows");
      }
    }
  }

  /** One named output: a value per row. */
  public sealed interface Output permits Numbers, Integers, Vectors {
    /** The output's name, as SageMaker's container names it. */
    String name();

    /** The number of rows it has values for. */
    int size();
  }

  /** A number per row (a score, a distance); NaN allowed. */
  public record Numbers(String name, double[] values) implements Output {
    @Override
    public int size() {
      return values.length;
    }
  }

  /** A whole number per row (a label or a cluster index), written without a decimal point. */
  public record Integers(String name, long[] values) implements Output {
    @Override
    public int size() {
      return values.length;
    }
  }

  /** A vector per row (class probabilities, a projection); vectors of one output may differ in length. */
  public record Vectors(String name, double[][] values) implements Output {
    @Override
    public int size() {
      return values.length;
    }
  }
}
