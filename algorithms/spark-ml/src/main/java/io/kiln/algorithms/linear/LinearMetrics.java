package io.kiln.algorithms.linear;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SageMaker Linear Learner's metrics ("Metrics computed by the linear learner algorithm",
 * https://docs.aws.amazon.com/sagemaker/latest/dg/linear-learner-tuning.html), computed from a
 * whole channel's scores and labels, without Spark.
 *
 * <ul>
 *   <li>every predictor: {@code objective_loss} (the mean of the training loss);
 *   <li>binary classifiers: {@code binary_classification_accuracy}, {@code binary_f_beta},
 *       {@code precision}, {@code recall} (at the model's threshold) and {@code roc_auc_score}
 *       (ties count half);
 *   <li>regressors: {@code mse}, {@code rmse} (SageMaker lists it for validation only),
 *       {@code absolute_loss};
 *   <li>multiclass classifiers: {@code multiclass_accuracy}, {@code multiclass_top_k_accuracy}
 *       ({@code accuracy_top_k}), {@code dcg} (the mean of 1 / log2(1 + rank of the true class)),
 *       {@code macro_precision}, {@code macro_recall}, {@code macro_f_beta} (unweighted means over
 *       classes; a class never predicted has precision 0, as scikit-learn's zero_division=0).
 * </ul>
 */
public final class LinearMetrics {
  private LinearMetrics() {}

  /** Metric names per predictor type, without channel prefix, in SageMaker's table order. */
  public static List<String> names(String predictorType, String channel) {
    List<String> out = new ArrayList<>(List.of("objective_loss"));
    switch (predictorType) {
      case LinearLearnerHyperparameters.BINARY -> out.addAll(List.of("binary_classification_accuracy",
          "binary_f_beta", "precision", "recall", "roc_auc_score"));
      case LinearLearnerHyperparameters.MULTICLASS -> out.addAll(List.of("multiclass_accuracy",
          "multiclass_top_k_accuracy", "dcg", "macro_f_beta", "macro_precision", "macro_recall"));
      default -> {
        out.addAll(List.of("mse", "absolute_loss"));
        if (channel.equals("validation")) {
          out.add("rmse");
        }
      }
    }
    return out;
  }

  /** Whether a larger value of the metric is better. */
  public static boolean maximize(String metric) {
    return !(metric.equals("objective_loss") || metric.equals("mse") || metric.equals("rmse")
        || metric.equals("absolute_loss"));
  }

  /**
   * The metrics of one channel, named {@code <channel>:<metric>}.
   *
   * @param scores per row: the score (binary: 1 column; regressor: the prediction; multiclass:
   *     num_classes probabilities), row-major
   * @param labels per row
   * @param objectiveLoss the mean training loss on the channel
   */
  public static Map<String, Double> compute(String channel, LinearLearnerHyperparameters hp, double[] scores,
      double[] labels, double threshold, double objectiveLoss) {
    Map<String, Double> out = new LinkedHashMap<>();
    out.put(channel + ":objective_loss", objectiveLoss);
    int n = labels.length;
    switch (hp.predictorType()) {
      case LinearLearnerHyperparameters.BINARY -> {
        Confusion c = Confusion.at(scores, labels, threshold);
        out.put(channel + ":binary_classification_accuracy", c.accuracy());
        out.put(channel + ":binary_f_beta", c.fBeta(hp.fBeta()));
        out.put(channel + ":precision", c.precision());
        out.put(channel + ":recall", c.recall());
        out.put(channel + ":roc_auc_score", auc(scores, labels));
      }
      case LinearLearnerHyperparameters.MULTICLASS -> {
        int k = hp.numClasses();
        int topK = Math.min(hp.accuracyTopK(), k);
        long correct = 0;
        long top = 0;
        double dcg = 0;
        long[] tp = new long[k];
        long[] predicted = new long[k];
        long[] actual = new long[k];
        for (int i = 0; i < n; i++) {
          int y = (int) labels[i];
          int best = 0;
          int rank = 1;
          double py = scores[i * k + y];
          for (int c = 0; c < k; c++) {
            double p = scores[i * k + c];
            if (p > scores[i * k + best]) {
              best = c;
            }
            if (p > py || (p == py && c < y)) {
              rank++;
            }
          }
          predicted[best]++;
          actual[y]++;
          if (best == y) {
            correct++;
            tp[y]++;
          }
          if (rank <= topK) {
            top++;
          }
          dcg += 1 / (Math.log(1 + rank) / Math.log(2));
        }
        double precision = 0;
        double recall = 0;
        double f = 0;
        double b2 = hp.fBeta() * hp.fBeta();
        for (int c = 0; c < k; c++) {
          double p = predicted[c] == 0 ? 0 : (double) tp[c] / predicted[c];
          double r = actual[c] == 0 ? 0 : (double) tp[c] / actual[c];
          precision += p;
          recall += r;
          f += p + r == 0 ? 0 : (1 + b2) * p * r / (b2 * p + r);
        }
        out.put(channel + ":multiclass_accuracy", n == 0 ? Double.NaN : (double) correct / n);
        out.put(channel + ":multiclass_top_k_accuracy", n == 0 ? Double.NaN : (double) top / n);
        out.put(channel + ":dcg", n == 0 ? Double.NaN : dcg / n);
        out.put(channel + ":macro_f_beta", f / k);
        out.put(channel + ":macro_precision", precision / k);
        out.put(channel + ":macro_recall", recall / k);
      }
      default -> {
        double se = 0;
        double ae = 0;
        for (int i = 0; i < n; i++) {
          double r = scores[i] - labels[i];
          se += r * r;
          ae += Math.abs(r);
        }
        out.put(channel + ":mse", se / n);
        out.put(channel + ":absolute_loss", ae / n);
        if (channel.equals("validation")) {
          out.put(channel + ":rmse", Math.sqrt(se / n));
        }
      }
    }
    return out;
  }

  /** The area under the ROC curve of scores for labels 0/1 (ties count half); NaN with one class only. */
  public static double auc(double[] scores, double[] labels) {
    int n = labels.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
    double rankSum = 0;
    long positives = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
        j++;
      }
      double rank = (i + j) / 2.0 + 1; // average rank of the tie group, 1-based
      for (int t = i; t <= j; t++) {
        if (labels[order[t]] > 0.5) {
          rankSum += rank;
          positives++;
        }
      }
      i = j + 1;
    }
    long negatives = n - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    return (rankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
  }

  /**
   * A binary confusion matrix: label 1 predicted when score &gt;= threshold.
   *
   * @param tp true positives
   * @param fp false positives
   * @param tn true negatives
   * @param fn false negatives
   */
  record Confusion(long tp, long fp, long tn, long fn) {
    static Confusion at(double[] scores, double[] labels, double threshold) {
      long tp = 0;
      long fp = 0;
      long tn = 0;
      long fn = 0;
      for (int i = 0; i < labels.length; i++) {
        boolean p = scores[i] >= threshold;
        boolean y = labels[i] > 0.5;
        if (p && y) {
          tp++;
        } else if (p) {
          fp++;
        } else if (y) {
          fn++;
        } else {
          tn++;
        }
      }
      return new Confusion(tp, fp, tn, fn);
    }

    double accuracy() {
      long n = tp + fp + tn + fn;
      return n == 0 ? Double.NaN : (double) (tp + tn) / n;
    }

    double precision() {
      return tp + fp == 0 ? 0 : (double) tp / (tp + fp);
    }

    double recall() {
      return tp + fn == 0 ? 0 : (double) tp / (tp + fn);
    }

    double fBeta(double beta) {
      double p = precision();
      double r = recall();
      double b2 = beta * beta;
      return p + r == 0 ? 0 : (1 + b2) * p * r / (b2 * p + r);
    }
  }

  /**
   * A binary classifier's threshold and its value of the selection criterion, as SageMaker
   * calibrates it on the validation channel (or train without one).
   *
   * @param threshold the decision threshold on the score
   * @param value the criterion's value at it (larger is better; a loss criterion's value is its
   *     negated loss)
   */
  record Calibrated(double threshold, double value) {}

  /**
   * The best threshold for {@code criterion} over the scores' own values (every distinct score is a
   * candidate, plus one above them all): accuracy, f1 / f_beta, precision_at_target_recall (the
   * highest precision with recall &gt;= target), recall_at_target_precision (the highest recall with
   * precision &gt;= target). For {@code loss_function} and {@code cross_entropy_loss} the default
   * threshold stays and the value is the negated loss.
   */
  static Calibrated calibrate(LinearLearnerHyperparameters hp, double[] scores, double[] labels,
      double defaultThreshold, double objectiveLoss) {
    String criterion = hp.selectionCriterion();
    if (criterion.equals("loss_function") || criterion.equals("cross_entropy_loss")) {
      return new Calibrated(defaultThreshold, -objectiveLoss);
    }
    int n = labels.length;
    Integer[] order = new Integer[n];
    long positives = 0;
    for (int i = 0; i < n; i++) {
      order[i] = i;
      if (labels[i] > 0.5) {
        positives++;
      }
    }
    Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a])); // descending
    // threshold just above the top score: nothing predicted positive
    long tp = 0;
    long fp = 0;
    double bestThreshold = defaultThreshold;
    double best = Double.NEGATIVE_INFINITY;
    double beta = criterion.equals("f1") ? 1 : hp.fBeta();
    for (int i = 0; i <= n; i++) {
      if (i > 0) {
        if (labels[order[i - 1]] > 0.5) {
          tp++;
        } else {
          fp++;
        }
        if (i < n && scores[order[i]] == scores[order[i - 1]]) {
          continue; // a threshold between tied scores does not exist
        }
      }
      double threshold = i == 0 ? (n == 0 ? defaultThreshold : Math.nextUp(scores[order[0]]))
          : scores[order[i - 1]];
      Confusion c = new Confusion(tp, fp, (n - positives) - fp, positives - tp);
      double value = switch (criterion) {
        case "accuracy" -> c.accuracy();
        case "f1", "f_beta" -> c.fBeta(beta);
        case "precision_at_target_recall" -> c.recall() >= hp.targetRecall() ? c.precision() : Double.NEGATIVE_INFINITY;
        case "recall_at_target_precision" -> c.precision() >= hp.targetPrecision() ? c.recall()
            : Double.NEGATIVE_INFINITY;
        default -> throw new IllegalStateException(criterion);
      };
      // ties: the threshold closest to the default one
      if (value > best || (value == best && Math.abs(threshold - defaultThreshold)
          < Math.abs(bestThreshold - defaultThreshold))) {
        best = value;
        bestThreshold = threshold;
      }
    }
    return new Calibrated(bestThreshold, best);
  }
}
