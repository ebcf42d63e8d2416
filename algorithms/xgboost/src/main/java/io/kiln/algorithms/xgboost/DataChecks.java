package io.kiln.algorithms.xgboost;

import io.kiln.spi.LabeledData;
import java.util.List;
import java.util.Optional;

/**
 * What native XGBoost (xgboost4j 3.1, and Debian's 1.7.4 where it agrees) refuses about a channel's
 * labels and weights, and what scikit-learn refuses for the container's own metrics, checked on the
 * rows Kiln has already parsed, before training starts: a bad row becomes a user error naming its
 * value and the fix (the caller adds the channel, object and line), never a native failure.
 *
 * <p>Per objective: logistic and hinge labels in [0, 1]; multi:* labels whole class indices 0 to
 * num_class - 1; count:poisson and reg:tweedie labels >= 0; reg:gamma labels > 0;
 * reg:squaredlogerror labels > -1; rank:pairwise and rank:ndcg labels whole relevance degrees >= 0
 * (rank:ndcg at most 31, XGBoost's exponential gain); rank:map labels 0 or 1. Per metric: ndcg
 * labels whole degrees 0 to 31, map and pre labels 0 or 1, the container's classification metrics
 * with a binary objective labels 0 or 1. Every label finite; every weight finite and >= 0.
 */
final class DataChecks {
  private DataChecks() {}

  /** Ends a {@link Rule#label} message whose fix depends on every label ({@link #fix}). */
  private static final String NEEDS_FIX = "\u0000fix";

  /** The feature count to train with, or (count -1) why the channels' columns do not fit together. */
  record Features(int count, String problem) {}

  /**
   * A refused row: its index among the worker's rows of the channel, and what is wrong with it.
   * With {@code needsFix}, the message ends before the fix, which depends on every label of the
   * job ({@link #fix}): the caller adds it once the workers agreed on their {@link LabelStats}.
   */
  record RowProblem(int row, String message, boolean needsFix) {
    RowProblem(int row, String message) {
      this(row, message, false);
    }
  }

  /**
   * The range of a job's finite labels, and whether every one is a whole number; what the fix for a
   * label the objective refuses depends on. Workers add theirs up with {@link #merge}.
   *
   * @param min the smallest finite label ({@code +inf} for none)
   * @param max the largest finite label ({@code -inf} for none)
   * @param whole whether every finite label is a whole number
   */
  record LabelStats(double min, double max, boolean whole) {
    static final LabelStats NONE = new LabelStats(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, true);

    static LabelStats of(LabeledData... channels) {
      LabelStats out = NONE;
      for (LabeledData d : channels) {
        if (d == null || d.labels() == null) {
          continue;
        }
        double min = out.min;
        double max = out.max;
        boolean whole = out.whole;
        float[] y = d.labels();
        for (int i = 0; i < d.rows(); i++) {
          float v = y[i];
          if (Float.isFinite(v)) {
            min = Math.min(min, v);
            max = Math.max(max, v);
            whole &= v == Math.rint(v);
          }
        }
        out = new LabelStats(min, max, whole);
      }
      return out;
    }

    LabelStats merge(LabelStats o) {
      return new LabelStats(Math.min(min, o.min), Math.max(max, o.max), whole && o.whole);
    }

    /** {@code min,max,whole}, for {@link #parse}. */
    String encode() {
      return min + "," + max + "," + whole;
    }

    static LabelStats parse(String s) {
      String[] p = s.split(",");
      return new LabelStats(Double.parseDouble(p[0]), Double.parseDouble(p[1]), Boolean.parseBoolean(p[2]));
    }
  }

  /**
   * The fix for a label {@code objective} refuses, from every label of the job: labels that look
   * like classes 0 to K-1 (whole numbers >= 0, more than two of them) point to multi:softprob with
   * num_class=K; labels that can be negative or are not classes point to the objective that takes
   * them. Starts with "; ".
   */
  static String fix(String objective, LabelStats s) {
    boolean classes = s.whole() && s.min() >= 0 && s.max() >= 2 && s.max() < 10_000;
    String multi = null;
    if (classes && s.min() == 0) {
      multi = "; the labels look like classes 0 to " + text((float) s.max()) + ": for " + text((float) s.max() + 1)
          + " classes use objective=multi:softprob (or multi:softmax) with num_class=" + text((float) s.max() + 1);
    } else if (classes) {
      multi = "; the labels look like classes " + text((float) s.min()) + " to " + text((float) s.max()) + ": number "
          + "the classes from 0 (0 to " + text((float) (s.max() - s.min())) + ") and use objective=multi:softprob (or "
          + "multi:softmax) with num_class=" + text((float) (s.max() - s.min() + 1));
    }
    switch (objective) {
      case "binary:logistic", "binary:logitraw", "binary:hinge" -> {
        if (multi != null) {
          return multi;
        }
        if (s.whole() && s.min() == -1 && s.max() == 1) {
          return "; use 0 and 1 for the two classes (-1 becomes 0)";
        }
        return s.whole() ? "; use 0 and 1 for the two classes"
            : "; use 0 and 1 for the two classes, or objective=reg:squarederror to predict a number";
      }
      case "reg:logistic" -> {
        if (multi != null) {
          return multi;
        }
        return "; scale the labels into [0, 1], or use objective=reg:squarederror for values outside it";
      }
      case "count:poisson", "reg:tweedie" -> {
        return "; use objective=reg:squarederror (or reg:pseudohubererror) for labels that can be negative";
      }
      case "reg:gamma" -> {
        return s.min() >= 0 ? "; use objective=reg:tweedie, which takes labels >= 0, or add a constant to the labels"
            : "; use objective=reg:squarederror for labels that can be negative or 0";
      }
      default -> {
        return "";
      }
    }
  }

  /**
   * The first row of {@code data} (in the order read) that XGBoost or the metrics would refuse.
   *
   * @param metrics the metrics evaluated each round ({@link XGBoostHyperparameters#reportedMetrics()})
   * @param weightColumn whether weights come from a CSV column (csv_weights=1), for the message
   */
  static Optional<RowProblem> firstBadRow(XGBoostHyperparameters hp, List<String> metrics, LabeledData data,
      boolean weightColumn) {
    Rule rule = Rule.of(hp, metrics);
    float[] labels = data.labels();
    float[] weights = data.weights();
    for (int i = 0; i < data.rows(); i++) {
      String problem = rule.label(labels[i]);
      if (problem == null && weights != null) {
        problem = weight(weights[i], weightColumn);
      }
      if (problem != null) {
        boolean needsFix = problem.endsWith(NEEDS_FIX);
        return Optional.of(new RowProblem(i, needsFix ? problem.substring(0, problem.length() - NEEDS_FIX.length())
            : problem, needsFix));
      }
    }
    return Optional.empty();
  }

  /**
   * The feature count both channels are trained and evaluated with, or a message saying why they
   * cannot be. Dense channels (CSV, Parquet) must have the same columns; with LIBSVM on either side a
   * feature index the other channel never uses is simply absent there, so the wider count is used,
   * unless the validation rows are wider than dense training rows.
   *
   * @return the count, or a message saying why there is none
   */
  static Features featureCount(int trainColumns, boolean trainSparse, int validationColumns,
      boolean validationSparse, boolean csvWeights) {
    if (trainColumns == validationColumns) {
      return new Features(trainColumns, null);
    }
    if (!trainSparse && !validationSparse) {
      return new Features(-1, "Channel 'validation' has " + validationColumns + " feature column(s), but channel 'train' has "
          + trainColumns + ": every channel needs the same features in the same columns (the label first"
          + (csvWeights ? ", then the instance weight, which csv_weights=1 reads from the second column of every "
              + "channel, validation included" : "") + ")");
    }
    if (!trainSparse && validationColumns > trainColumns) {
      return new Features(-1, "Channel 'validation' uses feature index " + (validationColumns - 1) + ", but channel 'train' has "
          + trainColumns + " feature column(s) (indices 0 to " + (trainColumns - 1) + "): the validation features "
          + "must be the training features");
    }
    return new Features(Math.max(trainColumns, validationColumns), null);
  }

  /**
   * The hyperparameters that name features, against the feature count: XGBoost refuses more
   * monotone constraints than features, and silently ignores an interaction constraint's index past
   * the last feature; either is a user mistake.
   */
  static Optional<String> constraints(XGBoostHyperparameters hp, int features) {
    String monotone = hp.boosterParams().get("monotone_constraints");
    if (monotone != null) {
      int n = XGBoostHyperparameters.monotoneConstraints(monotone).length;
      if (n > features) {
        return Optional.of("Hyperparameter monotone_constraints=" + monotone + " gives " + n + " constraints, but "
            + "the training data has " + features + " feature(s): give at most one per feature, in column order");
      }
    }
    String interaction = hp.boosterParams().get("interaction_constraints");
    if (interaction != null) {
      for (int[] group : XGBoostHyperparameters.interactionConstraints(interaction)) {
        for (int f : group) {
          if (f >= features) {
            return Optional.of("Hyperparameter interaction_constraints=" + interaction + " names feature " + f
                + ", but the training data has " + features + " feature(s), indices 0 to " + (features - 1)
                + ": feature indices are 0-based and count the features only (not the label)");
          }
        }
      }
    }
    return Optional.empty();
  }

  private static String weight(float w, boolean column) {
    if (!Float.isFinite(w) || w < 0) {
      return "the instance weight" + (column ? " (column 2, csv_weights=1)" : "") + " is " + text(w)
          + "; XGBoost needs weights that are numbers >= 0";
    }
    return null;
  }

  /** A label as the user wrote it: whole numbers without ".0". */
  static String text(float v) {
    if (Float.isNaN(v)) {
      return "missing (NaN)";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e9) {
      return Long.toString((long) v);
    }
    return Float.toString(v);
  }

  /** The label rules of one job: its objective's and its metrics'. */
  private record Rule(String objective, int numClass, boolean ndcg, boolean binaryMetric, String binaryMetricName,
      boolean classMetric, String classMetricName) {

    static Rule of(XGBoostHyperparameters hp, List<String> metrics) {
      boolean ndcg = false;
      String binaryName = null;
      String className = null;
      for (String m : metrics) {
        String b = XGBoostMetrics.base(m);
        if (b.equals("ndcg")) {
          ndcg = true;
        } else if ((b.equals("map") || b.equals("pre")) && binaryName == null) {
          binaryName = m;
        } else if ((XGBoostMetrics.CLASSIFICATION.contains(b) || XGBoostMetrics.BINARY_ONLY.contains(b))
            && className == null && hp.objective().startsWith("binary:")) {
          className = m;
        }
      }
      return new Rule(hp.objective(), hp.numClass(), ndcg, binaryName != null, binaryName, className != null,
          className);
    }

    String label(float y) {
      if (!Float.isFinite(y)) {
        return "the label is " + (Float.isNaN(y) ? "missing (NaN)" : text(y)) + "; XGBoost needs a finite number "
            + "as every row's label";
      }
      String v = "label " + text(y);
      switch (objective) {
        case "binary:logistic", "binary:logitraw", "reg:logistic" -> {
          if (y < 0 || y > 1) {
            return v + " is outside [0, 1]: objective=" + objective + " learns a probability (label must be in "
                + "[0,1] for logistic regression)" + NEEDS_FIX;
          }
        }
        case "binary:hinge" -> {
          if (y < 0 || y > 1) {
            return v + " is outside [0, 1]: objective=binary:hinge classifies rows as 0 or 1" + NEEDS_FIX;
          }
        }
        case "multi:softmax", "multi:softprob" -> {
          if (y != Math.rint(y) || y < 0 || y >= numClass) {
            return v + " is not a class of objective=" + objective + " with num_class=" + numClass + ": labels are "
                + "0-based class indices, whole numbers 0 to " + (numClass - 1) + (y == numClass
                    ? "; number the classes from 0 (labels 1 to " + numClass + " become 0 to " + (numClass - 1) + ")"
                    : y == Math.rint(y) && y > numClass ? "; set num_class to the number of classes" : "");
          }
        }
        case "count:poisson", "reg:tweedie" -> {
          if (y < 0) {
            return v + " is negative: objective=" + objective + " models counts or amounts, so labels must be >= 0"
                + NEEDS_FIX;
          }
        }
        case "reg:gamma" -> {
          if (y <= 0) {
            return v + " is not positive: objective=reg:gamma needs labels > 0 (label must be positive for gamma "
                + "regression)" + NEEDS_FIX;
          }
        }
        case "reg:squaredlogerror" -> {
          if (y <= -1) {
            return v + " is not greater than -1: objective=reg:squaredlogerror takes log(label + 1), so labels "
                + "must be > -1";
          }
        }
        case "rank:pairwise", "rank:ndcg" -> {
          if (y < 0 || y != Math.rint(y)) {
            return v + " is not a relevance degree: objective=" + objective + " needs labels that are 0 or a "
                + "positive whole number";
          }
          if (objective.equals("rank:ndcg") && y > 31) {
            return v + " is above 31: objective=rank:ndcg uses the exponential gain 2^label - 1, for relevance "
                + "degrees 0 to 31";
          }
        }
        case "rank:map" -> {
          if (y != 0 && y != 1) {
            return v + " is not 0 or 1: objective=rank:map needs binary relevance labels (XGBoost 3 refuses graded "
                + "ones; SageMaker's 1.7 container counted every label > 0 as relevant); give 1 for relevant rows and 0 "
                + "for the others, or use objective=rank:ndcg, which takes graded relevance";
          }
        }
        default -> {
          // the regression objectives take any finite label
        }
      }
      if (ndcg && (y < 0 || y > 31 || y != Math.rint(y))) {
        return v + " is not a relevance degree: eval_metric ndcg needs labels that are whole numbers 0 to 31";
      }
      if (binaryMetric && y != 0 && y != 1) {
        return v + " is not 0 or 1: eval_metric " + binaryMetricName + " needs binary relevance labels (XGBoost 3 "
            + "refuses graded ones; SageMaker's 1.7 container counted every label > 0 as relevant); give 1 for relevant "
            + "rows and 0 for the others, or use eval_metric ndcg, which takes graded relevance";
      }
      if (classMetric && y != 0 && y != 1) {
        return v + " is not a class: eval_metric " + classMetricName + " compares predicted classes with labels 0 "
            + "and 1";
      }
      return null;
    }
  }
}
