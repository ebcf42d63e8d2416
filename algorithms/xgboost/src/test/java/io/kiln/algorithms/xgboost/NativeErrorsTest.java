package io.kiln.algorithms.xgboost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.util.HashMap;
import java.util.Map;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;
import org.junit.jupiter.api.Test;

/**
 * Native XGBoost's own refusals, raised by xgboost4j itself (its message carries the source
 * location and a backtrace through the temporary native library), become Kiln errors a user can
 * read: user errors for data and parameters, algorithm errors otherwise, never with the backtrace.
 */
class NativeErrorsTest {

  static XGBoostError nativeFailure(Map<String, Object> params, float[] labels) throws Exception {
    DMatrix m = new DMatrix(new float[] {1, 2, 3, 4, 5, 6}, 6, 1, Float.NaN);
    m.setLabel(labels);
    try {
      Map<String, Object> p = new HashMap<>(params);
      p.put("base_score", 0.5);
      XGBoost.train(m, p, 1, new HashMap<>(), null, null);
      throw new AssertionError("XGBoost accepted " + params);
    } catch (XGBoostError e) {
      return e;
    } finally {
      m.dispose();
    }
  }

  @Test
  void aLabelXGBoostRefusesIsAUserErrorWithoutTheBacktrace() throws Exception {
    XGBoostError e = nativeFailure(Map.of("objective", "multi:softmax", "num_class", 3),
        new float[] {1, 2, 3, 1, 2, 3});
    // what xgboost4j 3.1 says: source location, the check, a backtrace through /tmp/libxgboost4j*.so
    assertThat(e.getMessage()).contains("Stack trace", "[bt]", "/tmp/libxgboost4j");
    KilnException k = NativeErrors.translate(e);
    assertThat(k.type()).isEqualTo(ErrorType.USER);
    assertThat(k.getMessage()).isEqualTo("XGBoost refused the training data or hyperparameters: "
        + "label must be discrete values in the range of [0, num_class).");
  }

  @Test
  void aCheckWithoutWordsKeepsItsConditionAndAnUnknownFailureIsTheAlgorithms() throws Exception {
    XGBoostError e = nativeFailure(Map.of("objective", "binary:logistic", "num_class", 2),
        new float[] {0, 1, 1, 0, 1, 0});
    KilnException k = NativeErrors.translate(e);
    assertThat(k.type()).isEqualTo(ErrorType.USER);
    assertThat(k.getMessage()).isEqualTo("XGBoost refused the training data or hyperparameters: Invalid shape of "
        + "labels.");
    KilnException other = NativeErrors.translate(new XGBoostError("[10:16:08] /workspace/src/c_api/c_api.cc:1234: "
        + "Something new.\nStack trace:\n  [bt] (0) /tmp/libxgboost4j123.so(foo+0x6e) [0x7f6a1142265e]"));
    assertThat(other.type()).isEqualTo(ErrorType.ALGORITHM);
    assertThat(other.getMessage()).isEqualTo("XGBoost failed: Something new.");
  }

  @Test
  void everyRefusalOfTheContainersCustomerErrorListIsAUserError() {
    // the container's CUSTOMER_ERRORS (constants/xgb_constants.py, branch 1.7-1), as XGBoost 1.7 words them
    for (String message : new String[] {"label must be in [0,1] for logistic regression",
        "SoftmaxMultiClassObj: label must be in [0, num_class).", "feature_names mismatch: ['a'] ['b']",
        "Check failed: preds.size() == info.labels_.size() (12 vs. 6)",
        "Check failed: !auc_error AUC: the dataset only contains pos or neg samples",
        "Check failed: base_score > 0.0f && base_score < 1.0f base_score must be in (0,1) for logistic loss",
        "Check failed: label_correct PoissonRegression: label must be nonnegative",
        "Check failed: label_correct TweedieRegression: label must be nonnegative",
        "Parameter reg_lambda should be greater equal to 0"}) {
      KilnException k = catchThrowableOfType(() -> {
        throw NativeErrors.translate(new XGBoostError("[10:15:39] ./src/objective/x.cu:1: " + message));
      }, KilnException.class);
      assertThat(k.type()).as(message).isEqualTo(ErrorType.USER);
      assertThat(k.getMessage()).as(message).doesNotContain("./src/", "[10:15:39]");
    }
  }
}
