package io.kiln.algorithms.linear;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained Linear Learner model and its batch predictor, independent of Spark.
 *
 * <p>Stored in model.tar.gz as {@value #FILE}, a JSON document (docs/built-ins.md, "Linear
 * Learner"): {@code format} ("kiln-linear-learner/1"), {@code predictor_type}, {@code feature_dim},
 * {@code num_classes}, {@code loss}, {@code weights} (one array of feature_dim numbers per output:
 * 1 output for binary classifiers and regressors, num_classes for multiclass), {@code bias} (one
 * number per output) and, for binary classifiers, {@code threshold}. The weights apply to the raw
 * features: the training normalisation (and a regressor's label normalisation) is folded into them,
 * so {@code output_k = bias_k + sum_j weights_k[j] * x_j}.
 *
 * <p>Predictions follow SageMaker's Linear Learner inference response
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/LL-in-formats.html): a binary classifier gives
 * {@code score} (the probability of label 1 under the logistic loss; the raw margin under the hinge
 * loss) and {@code predicted_label} (1 when score &gt;= threshold, else 0); a multiclass classifier
 * {@code score} (the softmax probability of every class) and {@code predicted_label} (the most
 * probable class, lowest on ties); a regressor {@code score} (the prediction).
 *
 * @param predictorType {@code binary_classifier}, {@code multiclass_classifier} or {@code regressor}
 * @param featureDim features per row
 * @param numClasses classes (2 for binary, 1 for a regressor)
 * @param loss the loss it was trained with
 * @param weights per output, {@code featureDim} weights of the raw features
 * @param bias per output
 * @param threshold a binary classifier's decision threshold on {@code score}
 */
public record LinearLearnerModel(String predictorType, int featureDim, int numClasses, String loss,
    double[][] weights, double[] bias, double threshold) {

  /** The model's file name inside model.tar.gz. */
  public static final String FILE = "linear-learner-model.json";
  static final String FORMAT = "kiln-linear-learner/1";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The outputs of one row: margins (or predictions) before any link function. */
  public double[] outputs(float[] row) {
    if (row.length != featureDim) {
      throw new IllegalArgumentException("a row of " + row.length + " features; the model takes " + featureDim);
    }
    double[] out = new double[bias.length];
    for (int k = 0; k < out.length; k++) {
      double s = bias[k];
      double[] w = weights[k];
      for (int j = 0; j < featureDim; j++) {
        s += w[j] * row[j];
      }
      out[k] = s;
    }
    return out;
  }

  /**
   * Predicts a batch of dense rows, each of {@link #featureDim()} float32 features: per row an
   * ordered map of SageMaker's response fields ({@code score}: a Double, or a double[] of class
   * probabilities for multiclass; {@code predicted_label}: an Integer, classifiers only).
   *
   * @throws IllegalArgumentException for a row of another width
   */
  public List<Map<String, Object>> predict(float[][] rows) {
    List<Map<String, Object>> out = new ArrayList<>(rows.length);
    for (float[] row : rows) {
      double[] o = outputs(row);
      Map<String, Object> r = new LinkedHashMap<>();
      switch (predictorType) {
        case LinearLearnerHyperparameters.BINARY -> {
          double score = binaryScore(o[0]);
          r.put("score", score);
          r.put("predicted_label", binaryLabel(score));
        }
        case LinearLearnerHyperparameters.MULTICLASS -> {
          double[] p = softmax(o);
          r.put("score", p);
          r.put("predicted_label", argmax(p));
        }
        default -> r.put("score", o[0]);
      }
      out.add(r);
    }
    return out;
  }

  /** A binary classifier's {@code score} of a margin: its sigmoid, or the margin itself under the hinge loss. */
  double binaryScore(double margin) {
    return loss.equals("hinge_loss") ? margin : Loss.sigmoid(margin);
  }

  /** A binary classifier's {@code predicted_label}: 1 when {@code score >= threshold}, else 0. */
  int binaryLabel(double score) {
    return score >= threshold ? 1 : 0;
  }

  /** The index of the largest value, the lowest on ties (a multiclass {@code predicted_label}). */
  static int argmax(double[] p) {
    int best = 0;
    for (int k = 1; k < p.length; k++) {
      if (p[k] > p[best]) {
        best = k;
      }
    }
    return best;
  }

  /** Softmax of {@code o}, stable. */
  static double[] softmax(double[] o) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : o) {
      max = Math.max(max, v);
    }
    double[] p = new double[o.length];
    double sum = 0;
    for (int k = 0; k < o.length; k++) {
      p[k] = Math.exp(o[k] - max);
      sum += p[k];
    }
    for (int k = 0; k < o.length; k++) {
      p[k] /= sum;
    }
    return p;
  }

  /** The model as its JSON document. */
  public byte[] toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("format", FORMAT).put("predictor_type", predictorType).put("feature_dim", featureDim)
        .put("num_classes", numClasses).put("loss", loss);
    ArrayNode ws = n.putArray("weights");
    for (double[] w : weights) {
      ArrayNode a = ws.addArray();
      for (double x : w) {
        a.add(x);
      }
    }
    ArrayNode b = n.putArray("bias");
    for (double x : bias) {
      b.add(x);
    }
    if (predictorType.equals(LinearLearnerHyperparameters.BINARY)) {
      n.put("threshold", threshold);
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n).getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writes {@link #FILE} into {@code directory}. */
  public void write(Path directory) throws IOException {
    Files.write(directory.resolve(FILE), toJson());
  }

  /**
   * Reads a model document ({@link #toJson}).
   *
   * @throws IllegalArgumentException naming what is missing or malformed
   */
  public static LinearLearnerModel read(byte[] json) {
    JsonNode n;
    try {
      n = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("Not a Linear Learner model document: " + e.getMessage(), e);
    }
    if (n == null || !FORMAT.equals(n.path("format").asText())) {
      throw new IllegalArgumentException("Not a Linear Learner model document: format is not " + FORMAT);
    }
    int dim = n.path("feature_dim").asInt(-1);
    JsonNode ws = n.path("weights");
    JsonNode bs = n.path("bias");
    if (dim < 1 || !ws.isArray() || !bs.isArray() || ws.size() != bs.size() || ws.size() == 0) {
      throw new IllegalArgumentException("Linear Learner model document: feature_dim, weights and bias do not agree");
    }
    double[][] weights = new double[ws.size()][dim];
    double[] bias = new double[bs.size()];
    for (int k = 0; k < ws.size(); k++) {
      if (ws.get(k).size() != dim) {
        throw new IllegalArgumentException("Linear Learner model document: weights[" + k + "] has "
            + ws.get(k).size() + " numbers, not feature_dim " + dim);
      }
      for (int j = 0; j < dim; j++) {
        weights[k][j] = ws.get(k).get(j).asDouble();
      }
      bias[k] = bs.get(k).asDouble();
    }
    return new LinearLearnerModel(n.path("predictor_type").asText(), dim, n.path("num_classes").asInt(),
        n.path("loss").asText(), weights, bias, n.path("threshold").asDouble(0.5));
  }

  /** Reads {@link #FILE} from a directory. */
  public static LinearLearnerModel read(Path directory) throws IOException {
    return read(Files.readAllBytes(directory.resolve(FILE)));
  }
}
