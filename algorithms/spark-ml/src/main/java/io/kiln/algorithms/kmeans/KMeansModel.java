package io.kiln.algorithms.kmeans;

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
 * A trained K-Means model: Kiln's {@code model.tar.gz} holds it as {@value #FILE}; this class loads it
 * and assigns rows, without Spark (Jackson only).
 *
 * <p>SageMaker's K-Means keeps its k x d centroids in {@code model_algo-1} (an MXNet NDArray); Kiln
 * writes the same array as JSON:
 * <pre>
 * {"format": "kiln-kmeans/1", "feature_dim": d, "k": k, "centroids": [k rows of d numbers]}
 * </pre>
 *
 * @param featureDim d
 * @param k the clusters
 * @param centroids {@code centroids[c]}: cluster c's center, d values
 */
public record KMeansModel(int featureDim, int k, double[][] centroids) {
  /** The model's file name in model.tar.gz. */
  public static final String FILE = "kmeans-model.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * SageMaker's inference for K-Means (its "K-Means Response Formats"): for each row
   * {@code closest_cluster}, the index (0-based, a float as SageMaker writes it) of the nearest
   * centroid, and {@code distance_to_cluster}, the Euclidean distance to it. Ties go to the lower index.
   *
   * @param batch rows of {@code feature_dim} float32 features
   * @return per row, in order, a map of {@code closest_cluster} and {@code distance_to_cluster} (Floats)
   * @throws IllegalArgumentException for a row of another length
   */
  public List<Map<String, Object>> predict(float[][] batch) {
    List<Map<String, Object>> out = new ArrayList<>(batch.length);
    for (int r = 0; r < batch.length; r++) {
      float[] x = batch[r];
      if (x.length != featureDim) {
        throw new IllegalArgumentException("row " + r + " has " + x.length + " features; the model takes " + featureDim);
      }
      int best = 0;
      double bestD = Double.POSITIVE_INFINITY;
      for (int c = 0; c < k; c++) {
        double s = 0;
        for (int i = 0; i < featureDim; i++) {
          double t = x[i] - centroids[c][i];
          s += t * t;
        }
        if (s < bestD) {
          bestD = s;
          best = c;
        }
      }
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("closest_cluster", (float) best);
      row.put("distance_to_cluster", (float) Math.sqrt(bestD));
      out.add(row);
    }
    return out;
  }

  /** Writes {@value #FILE} into {@code directory}. */
  public void write(Path directory) throws IOException {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", "kiln-kmeans/1").put("feature_dim", featureDim).put("k", k);
    ArrayNode cs = o.putArray("centroids");
    for (double[] c : centroids) {
      ArrayNode a = cs.addArray();
      for (double v : c) {
        a.add(v);
      }
    }
    Files.write(directory.resolve(FILE), JSON.writeValueAsBytes(o));
  }

  /**
   * Loads a model from {@value #FILE}'s bytes.
   *
   * @throws IOException when they are not such a model (naming what is wrong)
   */
  public static KMeansModel read(byte[] json) throws IOException {
    JsonNode o = JSON.readTree(json);
    if (o == null || !"kiln-kmeans/1".equals(o.path("format").asText())) {
      throw new IOException(FILE + " is not a Kiln K-Means model (format kiln-kmeans/1)");
    }
    int d = o.path("feature_dim").asInt();
    int k = o.path("k").asInt();
    JsonNode cs = o.path("centroids");
    if (!cs.isArray() || cs.size() != k) {
      throw new IOException(FILE + ": centroids must be " + k + " rows");
    }
    double[][] centroids = new double[k][d];
    for (int c = 0; c < k; c++) {
      JsonNode row = cs.get(c);
      if (!row.isArray() || row.size() != d) {
        throw new IOException(FILE + ": centroid " + c + " must have " + d + " numbers");
      }
      for (int i = 0; i < d; i++) {
        centroids[c][i] = row.get(i).asDouble();
      }
    }
    return new KMeansModel(d, k, centroids);
  }

  /** Loads {@value #FILE} from a model directory (an unpacked model.tar.gz). */
  public static KMeansModel load(Path modelDirectory) throws IOException {
    return read(Files.readAllBytes(modelDirectory.resolve(FILE)));
  }

  /** A model of {@code k x d} row-major centers. */
  static KMeansModel of(double[] centers, int k, int d) {
    double[][] c = new double[k][d];
    for (int j = 0; j < k; j++) {
      System.arraycopy(centers, j * d, c[j], 0, d);
    }
    return new KMeansModel(d, k, c);
  }
}
