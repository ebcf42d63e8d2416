package io.kiln.algorithms.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.testing.ReferencePython;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every Linear Learner metric against scikit-learn's value on the same scores and labels (Debian's
 * python3-sklearn), and the threshold calibration of each selection criterion.
 */
@Tag("reference")
class LinearMetricsTest {

  @Test
  void everyMetricIsScikitLearnsOnTheSameScores() {
    ReferencePython.requireFrom("python3-sklearn python3-numpy", "sklearn", "numpy");
    Random r = new Random(11);
    int n = 400;
    double[] bs = new double[n];
    double[] by = new double[n];
    for (int i = 0; i < n; i++) {
      by[i] = r.nextDouble() < 0.4 ? 1 : 0;
      bs[i] = Math.round(Loss.sigmoid(by[i] * 1.2 - 0.6 + r.nextGaussian()) * 50) / 50.0; // ties on purpose
    }
    int k = 5;
    double[] probs = new double[n * k];
    double[] my = new double[n];
    double[][] rows = new double[n][];
    for (int i = 0; i < n; i++) {
      my[i] = r.nextInt(k - 1); // class 4 never occurs; some classes rarely predicted
      double[] o = new double[k];
      for (int c = 0; c < k; c++) {
        o[c] = r.nextGaussian() + (c == my[i] ? 1.0 : 0);
      }
      rows[i] = LinearLearnerModel.softmax(o);
      System.arraycopy(rows[i], 0, probs, i * k, k);
    }
    double[] rp = new double[n];
    double[] ry = new double[n];
    for (int i = 0; i < n; i++) {
      ry[i] = r.nextGaussian() * 30 + 100;
      rp[i] = ry[i] + r.nextGaussian() * 10;
    }
    LinearLearnerHyperparameters binary = LinearLearnerHyperparameters.parse(Map.of("predictor_type",
        "binary_classifier", "f_beta", "0.5"));
    LinearLearnerHyperparameters multi = LinearLearnerHyperparameters.parse(Map.of("predictor_type",
        "multiclass_classifier", "num_classes", "5", "accuracy_top_k", "2", "f_beta", "2"));
    LinearLearnerHyperparameters regressor = LinearLearnerHyperparameters.parse(Map.of("predictor_type", "regressor"));
    Map<String, Double> kiln = new LinkedHashMap<>();
    kiln.putAll(LinearMetrics.compute("validation", binary, bs, by, 0.42, 0.3));
    kiln.putAll(LinearMetrics.compute("validation", multi, probs, my, 0.5, 0.3));
    kiln.putAll(LinearMetrics.compute("validation", regressor, rp, ry, 0.5, 0.3));

    JsonNode ref = ReferencePython.call(LinearMetricsTest.class, "/reference/linear/sklearn_metrics.py", Map.of(
        "binary", Map.of("scores", bs, "labels", by, "threshold", 0.42, "beta", 0.5),
        "multiclass", Map.of("probabilities", rows, "labels", my, "k", 2, "beta", 2.0),
        "regression", Map.of("predictions", rp, "labels", ry)));
    assertThat(ref.size()).isEqualTo(14);
    ref.fields().forEachRemaining(e -> assertThat(kiln.get("validation:" + e.getKey())).as(e.getKey())
        .isCloseTo(e.getValue().asDouble(), within(1e-9)));
    // the names are SageMaker's, for each predictor type
    assertThat(LinearMetrics.names("regressor", "test")).containsExactly("objective_loss", "mse", "absolute_loss");
    assertThat(LinearMetrics.names("regressor", "validation")).contains("rmse");
  }

  @Test
  void eachCriterionCalibratesItsThreshold() {
    double[] s = {0.9, 0.8, 0.7, 0.6, 0.55, 0.4, 0.3, 0.2, 0.1, 0.05};
    double[] y = {1, 1, 0, 1, 1, 0, 1, 0, 0, 0};
    LinearMetrics.Calibrated acc = LinearMetrics.calibrate(
        LinearLearnerHyperparameters.parse(Map.of("predictor_type", "binary_classifier")), s, y, 0.5, 0.4);
    // >= 0.55 predicts 4 of the 5 ones and 1 zero: 8 of 10 right, no threshold does better
    assertThat(acc.threshold()).isEqualTo(0.55);
    assertThat(acc.value()).isEqualTo(0.8);
    LinearMetrics.Calibrated p = LinearMetrics.calibrate(LinearLearnerHyperparameters.parse(Map.of("predictor_type",
        "binary_classifier", "binary_classifier_model_selection_criteria", "precision_at_target_recall",
        "target_recall", "0.9")), s, y, 0.5, 0.4);
    // recall 1 needs threshold 0.3: 5 of 7 predicted are ones
    assertThat(p.threshold()).isEqualTo(0.3);
    assertThat(p.value()).isCloseTo(5 / 7.0, within(1e-12));
    LinearMetrics.Calibrated rc = LinearMetrics.calibrate(LinearLearnerHyperparameters.parse(Map.of("predictor_type",
        "binary_classifier", "binary_classifier_model_selection_criteria", "recall_at_target_precision",
        "target_precision", "0.99")), s, y, 0.5, 0.4);
    assertThat(rc.threshold()).isEqualTo(0.8);
    assertThat(rc.value()).isEqualTo(0.4);
    LinearMetrics.Calibrated loss = LinearMetrics.calibrate(LinearLearnerHyperparameters.parse(Map.of(
        "predictor_type", "binary_classifier", "binary_classifier_model_selection_criteria", "loss_function")),
        s, y, 0.5, 0.4);
    assertThat(loss.threshold()).isEqualTo(0.5);
    assertThat(loss.value()).isEqualTo(-0.4);
    assertThat(List.of(acc, p, rc, loss)).hasSize(4);
  }
}
