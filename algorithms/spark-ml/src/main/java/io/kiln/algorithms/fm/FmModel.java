package io.kiln.algorithms.fm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained factorization machine and its batch predictor, independent of Spark.
 *
 * <p>Stored in model.tar.gz as {@value #FILE}, a JSON document (docs/built-ins.md, "Factorization
 * Machines"): {@code format} ("kiln-factorization-machines/1"), {@code predictor_type},
 * {@code feature_dim}, {@code num_factors}, {@code bias} (w0), {@code linear} (feature_dim numbers,
 * w) and {@code factors} (feature_dim arrays of num_factors numbers, V). The model's output for a row
 * x is Rendle's {@code y = w0 + sum_i w_i x_i + sum_{i<j} <v_i, v_j> x_i x_j}, computed in O(k n) as
 * {@code w0 + sum_i w_i x_i + 1/2 sum_f [(sum_i v_if x_i)^2 - sum_i v_if^2 x_i^2]}.
 *
 * <p>Predictions follow SageMaker's Factorization Machines inference response
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/fm-in-formats.html): a binary classifier gives
 * {@code score} (the sigmoid of y, the probability of label 1) and {@code predicted_label} (1 when
 * score &gt;= 0.5, else 0); a regressor {@code score} (y).
 *
 * @param predictorType {@code binary_classifier} or {@code regressor}
 * @param featureDim features per row
 * @param numFactors k
 * @param bias w0
 * @param linear w, featureDim values
 * @param factors V, row-major featureDim x numFactors
 */
public record FmModel(String predictorType, int featureDim, int numFactors, double bias, double[] linear,
    double[] factors) {

  /** The model's file name inside model.tar.gz. */
  public static final String FILE = "factorization-machines-model.json";
  static final String FORMAT = "kiln-factorization-machines/1";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The output y of one dense row (before the sigmoid of a classifier).
   *
   * @throws IllegalArgumentException for a row of another width
   */
  public double output(float[] row) {
    if (row.length != featureDim) {
      throw new IllegalArgumentException("a row of " + row.length + " features; the model takes " + featureDim);
    }
    int k = numFactors;
    double y = bias;
    double[] sum = new double[k];
    double squares = 0;
    for (int i = 0; i < featureDim; i++) {
      double x = row[i];
      if (x == 0) {
        continue;
      }
      y += linear[i] * x;
      int base = i * k;
      for (int f = 0; f < k; f++) {
        double vx = factors[base + f] * x;
        sum[f] += vx;
        squares += vx * vx;
      }
    }
    double pair = 0;
    for (int f = 0; f < k; f++) {
      pair += sum[f] * sum[f];
    }
    return y + 0.5 * (pair - squares);
  }

  /** The score of an output: its sigmoid for a classifier, itself for a regressor. */
  public double score(double output) {
    return predictorType.equals(FmHyperparameters.BINARY) ? sigmoid(output) : output;
  }

  static double sigmoid(double z) {
    return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
  }

  /**
   * Predicts a batch of dense rows, each of {@link #featureDim()} float32 features: per row an
   * ordered map of SageMaker's response fields ({@code score}: a Double; {@code predicted_label}: an
   * Integer, classifiers only).
   *
   * @throws IllegalArgumentException for a row of another width
   */
  public List<Map<String, Object>> predict(float[][] rows) {
    List<Map<String, Object>> out = new ArrayList<>(rows.length);
    for (float[] row : rows) {
      double score = score(output(row));
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("score", score);
      if (predictorType.equals(FmHyperparameters.BINARY)) {
        r.put("predicted_label", score >= 0.5 ? 1 : 0);
      }
      out.add(r);
    }
    return out;
  }

  /** The JSON document of {@value #FILE}. */
  public byte[] toJson() {
    ObjectNode n = JSON.createObjectNode().put("format", FORMAT).put("predictor_type", predictorType)
        .put("feature_dim", featureDim).put("num_factors", numFactors).put("bias", bias);
    ArrayNode w = n.putArray("linear");
    for (double x : linear) {
      w.add(x);
    }
    ArrayNode v = n.putArray("factors");
    for (int i = 0; i < featureDim; i++) {
      ArrayNode row = v.addArray();
      for (int f = 0; f < numFactors; f++) {
        row.add(factors[i * numFactors + f]);
      }
    }
    try {
      return JSON.writeValueAsBytes(n);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Reads {@value #FILE}.
   *
   * @throws IllegalArgumentException naming the field when the document is not such a model
   */
  public static FmModel read(byte[] json) {
    JsonNode n;
    try {
      n = JSON.readTree(new String(json, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage());
    }
    if (n == null || !FORMAT.equals(n.path("format").asText())) {
      throw new IllegalArgumentException("format is not " + FORMAT);
    }
    String type = n.path("predictor_type").asText();
    if (!type.equals(FmHyperparameters.BINARY) && !type.equals(FmHyperparameters.REGRESSOR)) {
      throw new IllegalArgumentException("predictor_type '" + type + "' is not " + FmHyperparameters.BINARY + " or "
          + FmHyperparameters.REGRESSOR);
    }
    int d = n.path("feature_dim").asInt(0);
    int k = n.path("num_factors").asInt(0);
    if (d < 1 || k < 1) {
      throw new IllegalArgumentException("feature_dim and num_factors must be positive integers");
    }
    JsonNode w = n.path("linear");
    JsonNode v = n.path("factors");
    if (!w.isArray() || w.size() != d || !v.isArray() || v.size() != d || !n.path("bias").isNumber()) {
      throw new IllegalArgumentException("bias, linear (" + d + " numbers) and factors (" + d + " arrays) are needed");
    }
    double[] linear = new double[d];
    double[] factors = new double[d * k];
    for (int i = 0; i < d; i++) {
      linear[i] = w.get(i).asDouble();
      JsonNode row = v.get(i);
      if (!row.isArray() || row.size() != k) {
        throw new IllegalArgumentException("factors[" + i + "] does not hold num_factors=" + k + " numbers");
      }
      for (int f = 0; f < k; f++) {
        factors[i * k + f] = row.get(f).asDouble();
      }
    }
    return new FmModel(type, d, k, n.path("bias").asDouble(), linear, factors);
  }
}
