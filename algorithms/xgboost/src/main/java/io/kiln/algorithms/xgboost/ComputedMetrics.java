package io.kiln.algorithms.xgboost;

import io.kiln.spi.LabeledData;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Communicator;

/**
 * Metrics SageMaker's XGBoost container computes that XGBoost itself does not: accuracy, f1
 * (binary), mse and r2. Each worker sums over its rows; the sums are added across workers, so the
 * value is that of the whole channel.
 */
final class ComputedMetrics {
  private ComputedMetrics() {}

  static Map<String, Double> compute(XGBoostHyperparameters hp, float[][] predictions, LabeledData data,
      List<String> metrics, boolean distributed) {
    int n = data.rows();
    float[] labels = data.labels();
    // sums: correct, tp, fp, fn, sse, sum y, sum y^2, count
    double[] s = new double[8];
    for (int i = 0; i < n; i++) {
      double y = labels[i];
      double p = predictions[i].length == 1 ? predictions[i][0] : Double.NaN;
      int predicted = predictedClass(hp.objective(), predictions[i]);
      if (predicted == (int) Math.round(y)) {
        s[0]++;
      }
      if (predicted == 1 && y == 1) {
        s[1]++;
      } else if (predicted == 1) {
        s[2]++;
      } else if (y == 1) {
        s[3]++;
      }
      if (!Double.isNaN(p)) {
        s[4] += (p - y) * (p - y);
      }
      s[5] += y;
      s[6] += y * y;
      s[7]++;
    }
    if (distributed) {
      s = sum(s);
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (String m : metrics) {
      switch (m) {
        case "accuracy" -> out.put(m, s[0] / s[7]);
        case "f1" -> out.put(m, (2 * s[1]) / Math.max(1e-12, 2 * s[1] + s[2] + s[3]));
        case "mse" -> out.put(m, s[4] / s[7]);
        case "r2" -> {
          double sst = s[6] - s[5] * s[5] / s[7];
          out.put(m, sst <= 0 ? 0.0 : 1 - s[4] / sst);
        }
        default -> throw new IllegalArgumentException("not a computed metric: " + m);
      }
    }
    return out;
  }

  static int predictedClass(String objective, float[] p) {
    if (p.length > 1) {
      int best = 0;
      for (int k = 1; k < p.length; k++) {
        if (p[k] > p[best]) {
          best = k;
        }
      }
      return best;
    }
    return switch (objective) {
      case "binary:logistic", "binary:hinge", "reg:logistic" -> p[0] > 0.5f ? 1 : 0;
      case "binary:logitraw" -> p[0] > 0f ? 1 : 0;
      default -> Math.round(p[0]);
    };
  }

  /** Adds the sums across workers; each double travels as two floats to keep its precision. */
  private static double[] sum(double[] s) {
    float[] parts = new float[s.length * 2];
    for (int i = 0; i < s.length; i++) {
      float hi = (float) s[i];
      parts[2 * i] = hi;
      parts[2 * i + 1] = (float) (s[i] - hi);
    }
    float[] total = Communicator.allReduce(parts, Communicator.OpType.SUM);
    double[] out = new double[s.length];
    for (int i = 0; i < s.length; i++) {
      out[i] = (double) total[2 * i] + total[2 * i + 1];
    }
    return out;
  }
}
