package io.kiln.algorithms.xgboost;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The metrics SageMaker's XGBoost 1.7-1 container computes itself ({@code metrics/custom_metrics.py}),
 * with its definitions: scikit-learn's scores, unweighted, of XGBoost's raw margins (a custom
 * {@code feval} receives margins). A class is {@code margin > 0} for one output and the largest
 * margin's index for several.
 *
 * <ul>
 *   <li>{@code accuracy}: correct / rows; {@code precision_micro} and {@code recall_micro} equal it
 *       (every row has one label).
 *   <li>{@code f1} and {@code f1_macro}: the mean F1 over the classes that occur as a label or a
 *       prediction; {@code precision_macro}, {@code recall_macro} likewise (0 where undefined, as
 *       scikit-learn's {@code zero_division} default).
 *   <li>{@code f1_binary}, {@code precision}, {@code recall}: class 1's.
 *   <li>{@code balanced_accuracy}: the mean recall over the classes that occur as a label.
 *   <li>{@code mse}, {@code rmse}, {@code mae}: of margin − label; {@code r2}: 1 − SSE / SST (1 for a
 *       perfect fit of a constant label, 0 for any other fit of one).
 * </ul>
 *
 * <p>Each worker adds up its rows (a confusion matrix and the error sums); the sums are added across
 * workers, so every value is the whole channel's, exactly as on one machine.
 */
final class ComputedMetrics {
  private ComputedMetrics() {}

  /**
   * The metrics of one channel.
   *
   * @param margins XGBoost's margins, one array per row ({@code Booster.predict(m, true)})
   * @param labels the labels, at least {@code rows} of them
   * @param classes classes of a classification objective (2 for binary:*, num_class for multi:*)
   * @param sum adds a vector across workers (the identity on one worker)
   */
  static Map<String, Double> compute(float[][] margins, float[] labels, int rows, int classes, List<String> metrics,
      UnaryOperator<double[]> sum) {
    int k = Math.max(2, classes);
    // the confusion matrix (label, predicted) row-major, then rows, sum y, sum (m-y)^2, sum |m-y|
    double[] s = new double[k * k + 4];
    for (int i = 0; i < rows; i++) {
      double y = labels[i];
      float[] m = margins[i];
      int label = (int) Math.max(0, Math.min(k - 1, Math.round(y)));
      s[label * k + predictedClass(m)]++;
      double e = m[0] - y;
      s[k * k] += 1;
      s[k * k + 1] += y;
      s[k * k + 2] += e * e;
      s[k * k + 3] += Math.abs(e);
    }
    s = sum.apply(s);
    double n = s[k * k];
    double sst = Double.NaN;
    if (metrics.contains("r2")) {
      double mean = s[k * k + 1] / n;
      double[] t = new double[1];
      for (int i = 0; i < rows; i++) {
        double d = labels[i] - mean;
        t[0] += d * d;
      }
      sst = sum.apply(t)[0];
    }
    Confusion c = new Confusion(s, k, n);
    Map<String, Double> out = new LinkedHashMap<>();
    for (String metric : metrics) {
      double sse = s[k * k + 2];
      double v = switch (metric) {
        case "accuracy", "precision_micro", "recall_micro" -> c.correct() / n;
        case "balanced_accuracy" -> c.balancedAccuracy();
        case "f1", "f1_macro" -> c.macro(Score.F1);
        case "precision_macro" -> c.macro(Score.PRECISION);
        case "recall_macro" -> c.macro(Score.RECALL);
        case "f1_binary" -> c.score(1, Score.F1);
        case "precision" -> c.score(1, Score.PRECISION);
        case "recall" -> c.score(1, Score.RECALL);
        case "mse" -> sse / n;
        case "rmse" -> Math.sqrt(sse / n);
        case "mae" -> s[k * k + 3] / n;
        case "r2" -> sst > 0 ? 1 - sse / sst : sse == 0 ? 1.0 : 0.0;
        default -> throw new IllegalArgumentException("not a computed metric: " + metric);
      };
      out.put(metric, v);
    }
    return out;
  }

  /** The class a row's margins pick: {@code margin > 0} for one output, else the first largest. */
  static int predictedClass(float[] m) {
    if (m.length == 1) {
      return m[0] > 0f ? 1 : 0;
    }
    int best = 0;
    for (int j = 1; j < m.length; j++) {
      if (m[j] > m[best]) {
        best = j;
      }
    }
    return best;
  }

  private enum Score { F1, PRECISION, RECALL }

  /** A confusion matrix: {@code m[label * k + predicted]} counts. */
  private record Confusion(double[] m, int k, double n) {
    double correct() {
      double t = 0;
      for (int c = 0; c < k; c++) {
        t += m[c * k + c];
      }
      return t;
    }

    double labelled(int c) {
      double t = 0;
      for (int p = 0; p < k; p++) {
        t += m[c * k + p];
      }
      return t;
    }

    double predicted(int c) {
      double t = 0;
      for (int l = 0; l < k; l++) {
        t += m[l * k + c];
      }
      return t;
    }

    /** One class's score; 0 where its denominator is 0 (scikit-learn's zero_division default). */
    double score(int c, Score s) {
      double tp = m[c * k + c];
      double denominator = switch (s) {
        case F1 -> labelled(c) + predicted(c);
        case PRECISION -> predicted(c);
        case RECALL -> labelled(c);
      };
      return denominator == 0 ? 0 : (s == Score.F1 ? 2 * tp : tp) / denominator;
    }

    /** The mean score over the classes that occur as a label or a prediction (scikit-learn's unique_labels). */
    double macro(Score s) {
      double total = 0;
      int classes = 0;
      for (int c = 0; c < k; c++) {
        if (labelled(c) > 0 || predicted(c) > 0) {
          total += score(c, s);
          classes++;
        }
      }
      return classes == 0 ? 0 : total / classes;
    }

    /** The mean recall over the classes that occur as a label (scikit-learn drops the others). */
    double balancedAccuracy() {
      double total = 0;
      int classes = 0;
      for (int c = 0; c < k; c++) {
        if (labelled(c) > 0) {
          total += m[c * k + c] / labelled(c);
          classes++;
        }
      }
      return classes == 0 ? 0 : total / classes;
    }
  }
}
