package io.kiln.algorithms.xgboost;

import io.kiln.runner.FailureText;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.util.List;
import java.util.Locale;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Turns a native XGBoost failure into a Kiln error a user can read. Kiln checks the data and the
 * hyperparameters before training ({@link DataChecks}, {@link XGBoostHyperparameters}), so these are
 * the checks that still get through: as SageMaker's container does with its {@code CUSTOMER_ERRORS},
 * a message XGBoost gives about the user's data or parameters is a user error (ClientError), anything
 * else an AlgorithmError; either way without the native backtrace, the log prefix or the path of the
 * temporary native library.
 */
final class NativeErrors {
  private NativeErrors() {}

  /**
   * Phrases of XGBoost's refusals of data or parameters: the container's {@code CUSTOMER_ERRORS}
   * (for XGBoost 1.7) and their wording in xgboost4j 3.1, lower case.
   */
  static final List<String> USER_ERRORS = List.of(
      "label must be in [0,1] for logistic regression",
      "label must be in [0, num_class)",
      "label must be discrete values in the range of [0, num_class)",
      "feature_names mismatch",
      "preds.size() == info.labels_.size()",
      "invalid shape of labels",
      "label and prediction size not match",
      "auc: the dataset only contains pos or neg samples",
      "base_score must be in (0,1)",
      "label must be nonnegative",
      "label must be positive",
      "label must be greater than -1",
      "label contains nan, infinity or a value too large",
      "weights must be positive values",
      "number of columns does not match number of features in booster",
      "the size of monotone constraint should be less or equal to the number of features",
      "when using relevance degree as target",
      "can only be used with binary labels",
      "relevance degress must be lesser than or equal to 31",
      "quantile alpha must be in the range",
      "labels_lower_bound",
      "reg_lambda should be greater equal to 0");

  /** The Kiln error for a native failure (USER when it is one of {@link #USER_ERRORS}). */
  static KilnException translate(XGBoostError e) {
    String text = message(e.getMessage());
    String lower = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    boolean user = USER_ERRORS.stream().anyMatch(lower::contains);
    return user
        ? new KilnException(ErrorType.USER, "XGBoost refused the training data or hyperparameters: " + text, e)
        : new KilnException(ErrorType.ALGORITHM, "XGBoost failed: " + text, e);
  }

  /**
   * The reason in a native message: its first line without the time stamp and source location
   * ({@link FailureText}), and without the {@code Check failed: <condition>:} that precedes XGBoost's
   * own words when it has any.
   */
  static String message(String nativeMessage) {
    String cleaned = FailureText.clean(nativeMessage);
    String first = cleaned == null || cleaned.isBlank() ? "no message" : cleaned.lines().findFirst().orElse("");
    int check = first.indexOf("Check failed: ");
    if (check >= 0) {
      String rest = first.substring(check + "Check failed: ".length());
      int colon = rest.lastIndexOf(": ");
      String words = colon >= 0 ? rest.substring(colon + 2).strip() : "";
      first = first.substring(0, check) + (words.isEmpty() ? "check failed: " + rest.replaceAll("\\s*:\\s*$", "")
          : words);
    }
    return first.strip();
  }
}
