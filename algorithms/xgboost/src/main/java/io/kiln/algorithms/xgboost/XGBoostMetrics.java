package io.kiln.algorithms.xgboost;

import io.kiln.spec.Names;
import io.kiln.spi.KilnException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code eval_metric} names SageMaker's XGBoost 1.7-1 container accepts, their directions and
 * who computes them, after the container's {@code constants/xgb_constants.py} (the two metric
 * lists), {@code algorithm_mode/hyperparameter_validation.py} (the {@code @} thresholds and the
 * objective rules) and {@code metrics/custom_metrics.py} (the metrics it computes itself).
 *
 * <p>Native metrics are XGBoost's own ({@code evalSet}). Container metrics are the ones the
 * container computes with scikit-learn from XGBoost's raw margins, unweighted: the classification
 * ones from the class a margin picks ({@code margin > 0} for one output, the largest margin for
 * several), {@code rmse}, {@code mae}, {@code mse} and {@code r2} from the margin itself (the
 * prediction for identity-link objectives such as {@code reg:squarederror}). An objective's
 * default metric (no {@code eval_metric}) is always XGBoost's own.
 *
 * <p>Beyond the container, Kiln accepts XGBoost's {@code pre}, {@code pre@k}, the {@code -}
 * variants of {@code ndcg} and {@code map} and {@code tweedie-nloglik@rho}, and {@code quantile}
 * for {@code reg:quantileerror}. It refuses {@code aft-nloglik} and
 * {@code interval-regression-accuracy}: they need each row's label bounds, which no content type
 * carries (the container accepts the names and then fails in XGBoost).
 */
final class XGBoostMetrics {
  private XGBoostMetrics() {}

  /** The container's {@code XGB_MAXIMIZE_METRICS}, in its order. */
  static final List<String> CONTAINER_MAXIMIZE = List.of("accuracy", "auc", "aucpr", "balanced_accuracy", "f1",
      "f1_binary", "f1_macro", "map", "ndcg", "precision", "r2", "recall", "precision_macro", "precision_micro",
      "recall_macro", "recall_micro");

  /** The container's {@code XGB_MINIMIZE_METRICS}, in its order. */
  static final List<String> CONTAINER_MINIMIZE = List.of("aft-nloglik", "cox-nloglik", "error", "gamma-deviance",
      "gamma-nloglik", "interval-regression-accuracy", "logloss", "mae", "mape", "merror", "mlogloss", "mphe", "mse",
      "poisson-nloglik", "rmse", "rmsle", "tweedie-nloglik");

  /** The metrics the container computes itself ({@code CUSTOM_METRICS}), and so does Kiln. */
  static final Set<String> CONTAINER_COMPUTED = Set.of("accuracy", "balanced_accuracy", "f1", "f1_binary",
      "f1_macro", "mse", "rmse", "mae", "precision", "precision_macro", "precision_micro", "r2", "recall",
      "recall_macro", "recall_micro");

  /** Classification metrics of the container that take a multiclass target. */
  static final Set<String> CLASSIFICATION = Set.of("accuracy", "balanced_accuracy", "f1", "f1_macro",
      "precision_macro", "precision_micro", "recall_macro", "recall_micro");

  /** Classification metrics with scikit-learn's {@code average='binary'}: class 1 of a binary target. */
  static final Set<String> BINARY_ONLY = Set.of("f1_binary", "precision", "recall");

  /** XGBoost metrics Kiln accepts that the container does not. */
  static final List<String> KILN_EXTRA = List.of("pre", "quantile");

  /** Metrics that need label bounds (survival:aft), which no content type carries. */
  static final Set<String> NEED_BOUNDS = Set.of("aft-nloglik", "interval-regression-accuracy");

  /** Every accepted base name (without an {@code @} or {@code -} suffix), sorted. */
  static List<String> names() {
    Set<String> all = new java.util.TreeSet<>(CONTAINER_MAXIMIZE);
    all.addAll(CONTAINER_MINIMIZE);
    all.addAll(KILN_EXTRA);
    all.removeAll(NEED_BOUNDS);
    return List.copyOf(all);
  }

  /**
   * The parameterised forms, as listed in "accepted": {@code error@t} (a threshold), {@code ndcg@k},
   * {@code map@k}, {@code pre@k} (a cut-off), the {@code -} forms (a group without relevant rows
   * scores 0 instead of 1) and {@code tweedie-nloglik@rho}.
   */
  static final List<String> PARAMETERISED = List.of("error@t", "ndcg@k", "map@k", "pre@k", "ndcg-", "map-", "pre-",
      "ndcg@k-", "map@k-", "pre@k-", "tweedie-nloglik@rho");

  /** What the "accepted" part of a message lists: every base name, then the parameterised forms. */
  static String accepted() {
    return String.join(", ", names()) + "; and the parameterised forms " + String.join(", ", PARAMETERISED)
        + " (t a threshold such as 0.7, k a cut-off such as 10, rho a variance power such as 1.5)";
  }

  /**
   * "; did you mean 'x'?" for a name that is not a metric: the closest accepted name
   * ({@link Names#suggestion}), else the accepted name the text starts with ({@code auc_macro} →
   * {@code auc}); nothing when neither is close.
   */
  static String suggestion(String metric) {
    String m = metric.trim().toLowerCase(Locale.ROOT);
    String c = Names.closest(m, names());
    if (c.isEmpty()) {
      for (int i = 1; i < m.length(); i++) {
        char ch = m.charAt(i);
        if ((ch == '_' || ch == '-' || ch == '@' || ch == ':' || ch == '.') && names().contains(m.substring(0, i))) {
          c = m.substring(0, i);
        }
      }
    }
    return c.isEmpty() ? "" : "; did you mean '" + c + "'?";
  }

  /** The base name of a metric: {@code ndcg@5-} → {@code ndcg}, {@code error@0.7} → {@code error}. */
  static String base(String metric) {
    String m = metric.trim();
    int at = m.indexOf('@');
    if (at >= 0) {
      m = m.substring(0, at);
    }
    if ((m.equals("ndcg-") || m.equals("map-") || m.equals("pre-"))) {
      m = m.substring(0, m.length() - 1);
    }
    return m;
  }

  /**
   * Whether larger is better. The container's lists decide for their names; a suffixed name
   * ({@code ndcg@5}, {@code error@0.7}) takes its base name's direction (the container's early
   * stopping would minimise {@code ndcg@5}, which is not in its list; Kiln maximises it, as XGBoost
   * does).
   */
  static boolean maximize(String metric) {
    String b = base(metric.toLowerCase(Locale.ROOT));
    return CONTAINER_MAXIMIZE.contains(b) || b.equals("pre");
  }

  /** True for metrics Kiln computes itself (the container's own); false for XGBoost's. */
  static boolean computed(String metric) {
    return CONTAINER_COMPUTED.contains(metric);
  }

  /**
   * Checks one {@code eval_metric} entry as the container does, and against the objective where
   * XGBoost or scikit-learn would fail on the first evaluation; returns the metric as XGBoost
   * names it.
   *
   * @param source where the metric was named, for the message ({@code Hyperparameter eval_metric=auc,f1})
   * @throws KilnException USER naming the metric, why, and what to use instead
   */
  static String check(String metric, String source, String objective) {
    String m = metric.trim();
    String b = base(m);
    String where = source + " names '" + m + "'";
    if (m.contains("@")) {
      String threshold = m.substring(m.indexOf('@') + 1);
      if (threshold.endsWith("-")) {
        threshold = threshold.substring(0, threshold.length() - 1);
      }
      if (!List.of("error", "ndcg", "map", "pre", "tweedie-nloglik").contains(b)) {
        throw KilnException.user(where + ": only error@t, ndcg@k, map@k (as in SageMaker's container), pre@k and "
            + "tweedie-nloglik@rho take a value after '@'");
      }
      try {
        double t = Double.parseDouble(threshold);
        if (!Double.isFinite(t)) {
          throw new NumberFormatException();
        }
        if (!b.equals("error") && !b.equals("tweedie-nloglik") && (t < 1 || t != Math.rint(t))) {
          throw KilnException.user(where + ": the cut-off after '@' must be a whole number >= 1, e.g. " + b + "@10");
        }
      } catch (NumberFormatException e) {
        throw KilnException.user(where + ": the value after '@' must be a number, e.g. " + b
            + (b.equals("error") ? "@0.7" : "@10"));
      }
    } else if (m.endsWith("-") && !List.of("ndcg-", "map-", "pre-").contains(m)) {
      throw KilnException.user(where + ", which is not a metric" + suggestion(m) + "; accepted: " + accepted());
    }
    if (NEED_BOUNDS.contains(b)) {
      throw KilnException.user(where + ", which needs each row's lower and upper label bounds (survival:aft); no "
          + "content type SageMaker's XGBoost reads carries them (its container accepts the name, then XGBoost "
          + "fails). Use another eval_metric");
    }
    if (!names().contains(b)) {
      throw KilnException.user(where + ", which is not a metric" + suggestion(m) + "; accepted: " + accepted());
    }
    boolean multi = objective.startsWith("multi:");
    boolean binary = objective.startsWith("binary:");
    if (b.equals("auc") && !binary && !objective.startsWith("rank:")) {
      // the container's eval_metric_dep_validator
      throw KilnException.user(where + ": metric 'auc' can only be applied for classification and ranking problems"
          + " (objective binary:* or rank:*), not objective=" + objective
          + (multi ? "; use merror, mlogloss or aucpr" : "; use rmse, mae or r2"));
    }
    if (multi && (b.equals("error") || b.equals("logloss"))) {
      throw KilnException.user(where + ", a binary metric, but objective=" + objective + " predicts "
          + "one score per class; use merror or mlogloss for multi-class classification");
    }
    if (!multi && (b.equals("merror") || b.equals("mlogloss"))) {
      throw KilnException.user(where + ", a multi-class metric, but objective=" + objective + " predicts one value "
          + "per row; use " + (binary ? "error or logloss" : "rmse or mae") + ", or objective multi:softprob with "
          + "num_class");
    }
    if (BINARY_ONLY.contains(b) && !binary) {
      String instead = switch (b) {
        case "f1_binary" -> "f1 or f1_macro";
        case "precision" -> "precision_macro or precision_micro";
        default -> "recall_macro or recall_micro";
      };
      throw KilnException.user(where + ", which scores class 1 of a binary target (scikit-learn's average='binary'"
          + "), but objective=" + objective + (multi ? " is multi-class (the container fails with \"Target is "
              + "multiclass but average='binary'\"); use " + instead
              : " is not a binary classification; use a binary:* objective"));
    }
    if (CLASSIFICATION.contains(b) && !binary && !multi) {
      throw KilnException.user(where + ", a classification metric, but objective=" + objective + " is not a "
          + "classification (binary:* or multi:*); use rmse, mae, mse or r2");
    }
    if (multi && Set.of("rmse", "mae", "mse", "r2").contains(b)) {
      throw KilnException.user(where + ", a regression metric, but objective=" + objective + " predicts one "
          + "score per class; use merror, mlogloss, accuracy or f1");
    }
    return m;
  }

  /** Parses an {@code eval_metric} list (comma-separated, in the user's order, without repeats). */
  static List<String> parseList(String value, String objective) {
    Set<String> out = new LinkedHashSet<>();
    for (String part : value.split(",")) {
      if (!part.isBlank()) {
        out.add(check(part, "Hyperparameter eval_metric=" + value, objective));
      }
    }
    return new ArrayList<>(out);
  }
}
