package io.kiln.algorithms.pca;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained PCA model: Kiln's {@code model.tar.gz} holds it as {@value #FILE}, and this class loads it
 * and projects rows, without Spark (Jackson only).
 *
 * <p>The arrays are the ones SageMaker's PCA keeps in its {@code model_algo-1} (an MXNet NDArray
 * dict: {@code mean}, {@code v}, {@code s}) in the same shapes and order, written as JSON:
 * <pre>
 * {"format": "kiln-pca/1", "feature_dim": d, "num_components": k, "subtract_mean": true,
 *  "algorithm_mode": "regular", "rows": n,
 *  "mean": [d numbers]              the training rows' mean (zeros when subtract_mean is false),
 *  "v": [d rows of k numbers]       the principal components as columns, d x k,
 *  "s": [k numbers]                 their singular values (of the centred training matrix),
 *  "explained_variance": [k]        s^2 / (n - 1), scikit-learn's explained_variance_}
 * </pre>
 * Columns are in SageMaker's order: ascending variance, the first principal component LAST (its
 * model's "top value is in the last row" of {@code s}). A component's sign is chosen so that its
 * largest-magnitude entry is positive (scikit-learn's rule).
 *
 * @param featureDim d
 * @param numComponents k
 * @param subtractMean whether rows are centred before projecting
 * @param mode the algorithm_mode that trained it
 * @param rows the training rows it was fitted on
 * @param mean d values
 * @param v d x k, row-major ({@code v[i][j]}: feature i of component column j)
 * @param s k singular values, ascending
 * @param explainedVariance k variances, ascending
 */
public record PcaModel(int featureDim, int numComponents, boolean subtractMean, String mode, long rows, double[] mean,
    double[][] v, double[] s, double[] explainedVariance) {

  /** The model's file name in model.tar.gz. */
  public static final String FILE = "pca-model.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * SageMaker's inference for PCA: for each row its {@code projection}, the k values
   * {@code (x - mean) . v} (without {@code - mean} when subtract_mean is false), as in the {@code
   * projection} field of the JSON response ({"projections": [{"projection": [...]}, ...]}).
   *
   * @param batch rows of {@code feature_dim} float32 features
   * @return per row, in order, a map with the one entry {@code projection} (a {@code float[]} of k values)
   * @throws IllegalArgumentException for a row of another length
   */
  public List<Map<String, Object>> predict(float[][] batch) {
    List<Map<String, Object>> out = new ArrayList<>(batch.length);
    for (int r = 0; r < batch.length; r++) {
      float[] x = batch[r];
      if (x.length != featureDim) {
        throw new IllegalArgumentException("row " + r + " has " + x.length + " features; the model takes " + featureDim);
      }
      float[] p = new float[numComponents];
      for (int j = 0; j < numComponents; j++) {
        double acc = 0;
        for (int i = 0; i < featureDim; i++) {
          acc += (x[i] - mean[i]) * v[i][j];
        }
        p[j] = (float) acc;
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("projection", p);
      out.add(row);
    }
    return out;
  }

  /** Writes {@value #FILE} into {@code directory}. */
  public void write(Path directory) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", "kiln-pca/1").put("feature_dim", featureDim).put("num_components", numComponents)
        .put("subtract_mean", subtractMean).put("algorithm_mode", mode).put("rows", rows);
    array(o.putArray("mean"), mean);
    ArrayNode vs = o.putArray("v");
    for (double[] row : v) {
      array(vs.addArray(), row);
    }
    array(o.putArray("s"), s);
    array(o.putArray("explained_variance"), explainedVariance);
    Files.write(directory.resolve(FILE), JSON.writeValueAsBytes(o));
  }

  /**
   * Loads a model from {@value #FILE}'s bytes.
   *
   * @throws IOException when the bytes are not such a model (the message names what is wrong)
   */
  public static PcaModel read(byte[] json) throws IOException {
    JsonNode o = JSON.readTree(json);
    if (o == null || !"kiln-pca/1".equals(o.path("format").asText())) {
      throw new IOException(FILE + " is not a Kiln PCA model (format kiln-pca/1)");
    }
    int d = o.path("feature_dim").asInt();
    int k = o.path("num_components").asInt();
    double[][] v = new double[d][];
    for (int i = 0; i < d; i++) {
      v[i] = doubles(o.path("v").path(i), k, "v[" + i + "]");
    }
    return new PcaModel(d, k, o.path("subtract_mean").asBoolean(), o.path("algorithm_mode").asText(),
        o.path("rows").asLong(), doubles(o.path("mean"), d, "mean"), v, doubles(o.path("s"), k, "s"),
        doubles(o.path("explained_variance"), k, "explained_variance"));
  }

  /** Loads {@value #FILE} from a model directory (an unpacked model.tar.gz). */
  public static PcaModel load(Path modelDirectory) throws IOException {
    return read(Files.readAllBytes(modelDirectory.resolve(FILE)));
  }

  private static void array(ArrayNode a, double[] values) {
    for (double x : values) {
      a.add(x);
    }
  }

  private static double[] doubles(JsonNode a, int n, String what) throws IOException {
    if (!a.isArray() || a.size() != n) {
      throw new IOException(FILE + ": " + what + " must be an array of " + n + " numbers");
    }
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = a.get(i).asDouble();
    }
    return out;
  }
}
