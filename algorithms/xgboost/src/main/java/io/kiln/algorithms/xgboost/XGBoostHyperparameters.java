package io.kiln.algorithms.xgboost;

import io.kiln.spec.Names;
import io.kiln.spi.HyperparameterRule;
import io.kiln.spi.KilnException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * SageMaker XGBoost's hyperparameters, validated: names, defaults and accepted ranges as the
 * SageMaker XGBoost container documents them. {@link #boosterParams()} is what reaches XGBoost.
 *
 * @param numRound boosting rounds (required)
 * @param objective the learning objective
 * @param numClass classes, for multi:* objectives (else 0)
 * @param evalMetrics metrics to evaluate each round, as XGBoost names them (see {@link XGBoostMetrics}): the
 *     user's {@code eval_metric} in the user's order, then the tuning objective's metric when it is not among
 *     them; empty means the objective's default
 * @param tuningMetric the metric of {@code _tuning_objective_metric} (what SageMaker's tuner adds to a trial's
 *     hyperparameters, e.g. {@code validation:auc} → {@code auc}), or null
 * @param earlyStoppingRounds stop when the early-stopping metric ({@link #earlyStoppingMetric()}) on the
 *     validation channel has not improved for this many rounds (0: off)
 * @param seed the random seed
 * @param csvWeights CSV rows carry an instance weight in the second column
 * @param sampling whether any row or column sampling is on (then each round is reseeded)
 * @param boosterParams every native XGBoost parameter, normalised
 */
public record XGBoostHyperparameters(
    int numRound,
    String objective,
    int numClass,
    List<String> evalMetrics,
    String tuningMetric,
    int earlyStoppingRounds,
    long seed,
    boolean csvWeights,
    boolean sampling,
    Map<String, String> boosterParams) implements Serializable {

  public XGBoostHyperparameters {
    evalMetrics = List.copyOf(evalMetrics);
    boosterParams = Map.copyOf(boosterParams);
  }

  static final List<String> OBJECTIVES = List.of("reg:squarederror", "reg:squaredlogerror", "reg:logistic",
      "reg:pseudohubererror", "reg:absoluteerror", "reg:quantileerror", "reg:gamma", "reg:tweedie", "reg:linear",
      "binary:logistic", "binary:logitraw", "binary:hinge", "count:poisson", "survival:cox", "survival:aft",
      "multi:softmax", "multi:softprob", "rank:pairwise", "rank:ndcg", "rank:map");

  /** Objectives whose margin is the log of the prediction: base_score must be above 0. */
  private static final Set<String> LOG_LINK = Set.of("count:poisson", "reg:gamma", "reg:tweedie", "survival:cox");

  /** Objectives of XGBoost's logistic loss: base_score must be a probability in (0, 1). */
  private static final Set<String> LOGISTIC = Set.of("binary:logistic", "binary:logitraw", "reg:logistic");

  private static final Map<String, HyperparameterRule> RULES = new LinkedHashMap<>();
  /** Hyperparameters SageMaker's container takes that are not booster parameters. */
  private static final Set<String> NOT_BOOSTER = Set.of("num_round", "early_stopping_rounds", "csv_weights",
      "save_model_on_termination", "use_dask_gpu_training", "eval_metric", "nthread");
  /** Accepted spellings that XGBoost itself also accepts. */
  private static final Map<String, String> ALIASES = Map.of("learning_rate", "eta", "reg_lambda", "lambda",
      "reg_alpha", "alpha", "min_split_loss", "gamma", "random_state", "seed");

  static {
    double inf = Double.POSITIVE_INFINITY;
    RULES.put("num_round", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("objective", HyperparameterRule.oneOf(OBJECTIVES.toArray(String[]::new)));
    RULES.put("num_class", HyperparameterRule.integer(2, Integer.MAX_VALUE));
    RULES.put("booster", HyperparameterRule.oneOf("gbtree", "gblinear", "dart"));
    RULES.put("eta", HyperparameterRule.number(0, false, 1, false));
    RULES.put("gamma", HyperparameterRule.number(0, false, inf, false));
    RULES.put("max_depth", HyperparameterRule.integer(0, Integer.MAX_VALUE));
    RULES.put("min_child_weight", HyperparameterRule.number(0, false, inf, false));
    RULES.put("max_delta_step", HyperparameterRule.number(0, false, inf, false));
    RULES.put("subsample", HyperparameterRule.number(0, true, 1, false));
    RULES.put("sampling_method", HyperparameterRule.oneOf("uniform", "gradient_based"));
    RULES.put("colsample_bytree", HyperparameterRule.number(0, true, 1, false));
    RULES.put("colsample_bylevel", HyperparameterRule.number(0, true, 1, false));
    RULES.put("colsample_bynode", HyperparameterRule.number(0, true, 1, false));
    RULES.put("lambda", HyperparameterRule.number(0, false, inf, false));
    RULES.put("alpha", HyperparameterRule.number(0, false, inf, false));
    RULES.put("tree_method", HyperparameterRule.oneOf("auto", "exact", "approx", "hist", "gpu_hist"));
    RULES.put("sketch_eps", HyperparameterRule.number(0, true, 1, true));
    RULES.put("scale_pos_weight", HyperparameterRule.number(0, true, inf, false));
    RULES.put("updater", HyperparameterRule.text());
    RULES.put("refresh_leaf", HyperparameterRule.oneOf("0", "1"));
    RULES.put("process_type", HyperparameterRule.oneOf("default", "update"));
    RULES.put("grow_policy", HyperparameterRule.oneOf("depthwise", "lossguide"));
    RULES.put("max_leaves", HyperparameterRule.integer(0, Integer.MAX_VALUE));
    RULES.put("max_bin", HyperparameterRule.integer(2, Integer.MAX_VALUE));
    RULES.put("num_parallel_tree", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("monotone_constraints", HyperparameterRule.text());
    RULES.put("interaction_constraints", HyperparameterRule.text());
    RULES.put("sample_type", HyperparameterRule.oneOf("uniform", "weighted"));
    RULES.put("normalize_type", HyperparameterRule.oneOf("tree", "forest"));
    RULES.put("rate_drop", HyperparameterRule.number(0, false, 1, false));
    RULES.put("one_drop", HyperparameterRule.oneOf("0", "1"));
    RULES.put("skip_drop", HyperparameterRule.number(0, false, 1, false));
    RULES.put("lambda_bias", HyperparameterRule.number(0, false, 1, false));
    RULES.put("feature_selector", HyperparameterRule.oneOf("cyclic", "shuffle", "random", "greedy", "thrifty"));
    RULES.put("top_k", HyperparameterRule.integer(0, Integer.MAX_VALUE));
    RULES.put("tweedie_variance_power", HyperparameterRule.number(1, true, 2, true));
    RULES.put("huber_slope", HyperparameterRule.number(0, true, inf, false));
    RULES.put("quantile_alpha", HyperparameterRule.text());
    RULES.put("aft_loss_distribution", HyperparameterRule.oneOf("normal", "logistic", "extreme"));
    RULES.put("aft_loss_distribution_scale", HyperparameterRule.number(0, true, inf, false));
    RULES.put("base_score", HyperparameterRule.number(Double.NEGATIVE_INFINITY, true, inf, true));
    RULES.put("eval_metric", HyperparameterRule.text());
    RULES.put("seed", HyperparameterRule.integer(Integer.MIN_VALUE, Integer.MAX_VALUE));
    RULES.put("seed_per_iteration", HyperparameterRule.oneOf("true", "false"));
    RULES.put("csv_weights", HyperparameterRule.oneOf("0", "1"));
    RULES.put("early_stopping_rounds", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("verbosity", HyperparameterRule.integer(0, 3));
    RULES.put("nthread", HyperparameterRule.integer(1, 4096));
    RULES.put("deterministic_histogram", HyperparameterRule.oneOf("true", "false"));
    RULES.put("single_precision_histogram", HyperparameterRule.oneOf("true", "false"));
    RULES.put("max_cat_to_onehot", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("max_cached_hist_node", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("save_model_on_termination", HyperparameterRule.oneOf("true", "false"));
    RULES.put("use_dask_gpu_training", HyperparameterRule.oneOf("true", "false"));
    RULES.put("device", HyperparameterRule.oneOf("cpu", "cuda", "gpu"));
  }

  /** Checks every hyperparameter; throws naming the first bad key, its value and the accepted range. */
  public static XGBoostHyperparameters parse(Map<String, String> raw) {
    Map<String, String> v = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String key = e.getKey();
      if (HyperparameterRule.reserved(key)) {
        continue; // keys the SDK and the tuner add (_tuning_objective_metric ...)
      }
      String name = ALIASES.getOrDefault(key, key);
      HyperparameterRule rule = RULES.get(name);
      if (rule == null) {
        List<String> known = new ArrayList<>(RULES.keySet());
        known.addAll(ALIASES.keySet());
        throw KilnException.user("Hyperparameter " + key + "=" + e.getValue() + " is not an XGBoost hyperparameter"
            + Names.suggestion(key, known) + " (extraneous hyperparameter)");
      }
      if (v.containsKey(name)) {
        throw KilnException.user("Hyperparameter " + key + " is given twice (also as " + name + ")");
      }
      try {
        v.put(name, rule.check(key, e.getValue()));
      } catch (KilnException bad) {
        // a misspelt choice (objective=binary:logstic): the closest one, as for misspelt names
        if (rule instanceof HyperparameterRule.Categorical c) {
          String suggestion = Names.suggestion(e.getValue().trim(), c.values());
          if (!suggestion.isEmpty()) {
            throw KilnException.user(bad.getMessage() + suggestion);
          }
        }
        throw bad;
      }
    }
    if (!v.containsKey("num_round")) {
      throw KilnException.user("Missing required hyperparameter num_round: the number of boosting rounds, "
          + "a whole number >= 1");
    }
    String objective = v.getOrDefault("objective", "reg:squarederror");
    if (objective.equals("reg:linear")) {
      objective = "reg:squarederror"; // XGBoost's deprecated name for it
    }
    int numClass = 0;
    if (objective.startsWith("multi:")) {
      if (!v.containsKey("num_class")) {
        throw KilnException.user("Hyperparameter num_class is required with objective=" + objective
            + ": set it to the number of classes (>= 2)");
      }
      numClass = Integer.parseInt(v.get("num_class"));
    }
    if (v.containsKey("num_class") && !objective.startsWith("multi:")) {
      // the container refuses it only without an objective; XGBoost then fails on the label/prediction shapes
      throw KilnException.user("Hyperparameter num_class=" + v.get("num_class") + " is only for multi-classification "
          + "(objective multi:softmax or multi:softprob), but objective=" + objective + " predicts one value per row"
          + ": remove num_class" + (objective.startsWith("binary:") ? " (binary:* objectives need none)" : ""));
    }
    if (objective.equals("survival:aft")) {
      throw KilnException.user("Hyperparameter objective=survival:aft needs each row's lower and upper label bounds, "
          + "which no content type SageMaker's XGBoost reads carries (its container accepts the objective, then "
          + "XGBoost fails for want of the bounds); use survival:cox (negative labels for censored rows)");
    }
    checkBaseScore(v, objective);
    checkQuantiles(v, objective);
    checkConstraints(v);
    List<String> metrics = new ArrayList<>();
    if (v.containsKey("eval_metric")) {
      metrics.addAll(XGBoostMetrics.parseList(v.get("eval_metric"), objective));
    }
    String tuningMetric = null;
    String tuningObjective = raw.get("_tuning_objective_metric");
    if (tuningObjective != null && !tuningObjective.isBlank()) {
      // SageMaker's tuner names the objective "<channel>:<metric>"; the container evaluates the metric
      // (MetricNameComponents.decode) besides eval_metric, and stops early on it
      String metric = tuningObjective.contains(":") ? tuningObjective.substring(tuningObjective.indexOf(':') + 1)
          : tuningObjective;
      tuningMetric = XGBoostMetrics.check(metric, "The tuning objective " + tuningObjective
          + " (_tuning_objective_metric)", objective).trim();
      if (!metrics.contains(tuningMetric)) {
        metrics.add(tuningMetric);
      }
    }
    String treeMethod = v.getOrDefault("tree_method", "auto");
    if (treeMethod.equals("gpu_hist") || v.getOrDefault("device", "cpu").matches("cuda|gpu")) {
      throw KilnException.user("Hyperparameter " + (treeMethod.equals("gpu_hist") ? "tree_method=gpu_hist"
          : "device=" + v.get("device")) + " asks for GPU training, which needs Kiln's gpu build (-Pgpu) and "
          + "GPU executors; use tree_method=hist on CPUs");
    }
    boolean sampling = parse(v, "subsample", 1) < 1 || parse(v, "colsample_bytree", 1) < 1
        || parse(v, "colsample_bylevel", 1) < 1 || parse(v, "colsample_bynode", 1) < 1
        || v.getOrDefault("sampling_method", "uniform").equals("gradient_based")
        || v.getOrDefault("booster", "gbtree").equals("dart")
        || v.getOrDefault("feature_selector", "cyclic").matches("shuffle|random");
    Map<String, String> booster = new LinkedHashMap<>();
    v.forEach((k, val) -> {
      if (!NOT_BOOSTER.contains(k)) {
        booster.put(k, val);
      }
    });
    booster.put("objective", objective);
    // SageMaker XGBoost's documented default; stated explicitly, older native XGBoost reads the model the same
    booster.putIfAbsent("base_score", "0.5");
    booster.putIfAbsent("tree_method", "hist");
    if (booster.get("tree_method").equals("auto")) {
      booster.put("tree_method", "hist");
    }
    booster.putIfAbsent("seed", "0");
    booster.putIfAbsent("verbosity", "1");
    return new XGBoostHyperparameters(Integer.parseInt(v.get("num_round")), objective, numClass, metrics, tuningMetric,
        Integer.parseInt(v.getOrDefault("early_stopping_rounds", "0")), Long.parseLong(booster.get("seed")),
        v.getOrDefault("csv_weights", "0").equals("1"), sampling, booster);
  }

  /** Refuses settings that cannot train on {@code workers} workers. */
  void checkWorkers(int workers) {
    if (workers > 1 && boosterParams.get("tree_method").equals("exact")) {
      throw KilnException.user("Hyperparameter tree_method=exact cannot train on " + workers
          + " workers (XGBoost's exact method is single-machine only); use hist or approx, or one worker");
    }
  }

  private static double parse(Map<String, String> v, String key, double fallback) {
    return v.containsKey(key) ? Double.parseDouble(v.get(key)) : fallback;
  }

  /**
   * base_score is the prediction XGBoost starts from, turned into a margin through the objective's link:
   * XGBoost refuses one outside (0, 1) for the logistic loss, and with a log link 0 or less makes every
   * margin -inf (NaN predictions, silently).
   */
  private static void checkBaseScore(Map<String, String> v, String objective) {
    if (!v.containsKey("base_score")) {
      return;
    }
    double b = Double.parseDouble(v.get("base_score"));
    if (LOGISTIC.contains(objective) && !(b > 0 && b < 1)) {
      throw KilnException.user("Hyperparameter base_score=" + v.get("base_score") + " is not valid with objective="
          + objective + ": base_score must be in (0,1) for the logistic loss (it is the starting probability); use "
          + "e.g. 0.5");
    }
    if (LOG_LINK.contains(objective) && !(b > 0)) {
      throw KilnException.user("Hyperparameter base_score=" + v.get("base_score") + " is not valid with objective="
          + objective + ", whose margin is log(prediction): base_score must be > 0 (log(" + v.get("base_score")
          + ") makes every prediction NaN); use e.g. the mean label");
    }
  }

  private static void checkQuantiles(Map<String, String> v, String objective) {
    if (objective.equals("reg:quantileerror") && !v.containsKey("quantile_alpha")) {
      throw KilnException.user("Hyperparameter quantile_alpha is required with objective=reg:quantileerror: the "
          + "quantile to fit, a number in [0, 1] (or a list such as [0.1,0.5,0.9])");
    }
    if (!v.containsKey("quantile_alpha")) {
      return;
    }
    String text = v.get("quantile_alpha").trim();
    String inner = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    for (String part : inner.split(",")) {
      double q;
      try {
        q = Double.parseDouble(part.trim());
      } catch (NumberFormatException e) {
        q = Double.NaN;
      }
      if (!(q >= 0 && q <= 1)) {
        throw KilnException.user("Hyperparameter quantile_alpha=" + text + " is not valid: expected a number in "
            + "[0, 1] or a list of them such as [0.1,0.5,0.9]");
      }
    }
  }

  /** monotone_constraints: a tuple of -1, 0, 1; interaction_constraints: a nested list of feature indices. */
  private static void checkConstraints(Map<String, String> v) {
    if (v.containsKey("monotone_constraints")) {
      monotoneConstraints(v.get("monotone_constraints"));
    }
    if (v.containsKey("interaction_constraints")) {
      interactionConstraints(v.get("interaction_constraints"));
    }
  }

  /** The constraints of {@code monotone_constraints} ({@code (1,-1,0)}), checked. */
  static int[] monotoneConstraints(String value) {
    String t = value.trim();
    String inner = (t.startsWith("(") && t.endsWith(")")) || (t.startsWith("[") && t.endsWith("]"))
        ? t.substring(1, t.length() - 1) : t;
    List<Integer> out = new ArrayList<>();
    for (String part : inner.split(",")) {
      String p = part.trim();
      if (p.isEmpty() && inner.isBlank()) {
        break;
      }
      if (!p.matches("[-+]?[01]")) {
        throw KilnException.user("Hyperparameter monotone_constraints=" + value + " is not valid: expected one of "
            + "-1, 0, 1 per feature, e.g. (1,0,-1)");
      }
      out.add(Integer.parseInt(p.replace("+", "")));
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  /** The feature indices of {@code interaction_constraints} ({@code [[0,1],[2,3]]}), checked. */
  static List<int[]> interactionConstraints(String value) {
    String t = value.replaceAll("\\s", "");
    if (!t.matches("\\[(\\[\\d+(,\\d+)*\\](,\\[\\d+(,\\d+)*\\])*)?\\]")) {
      throw KilnException.user("Hyperparameter interaction_constraints=" + value + " is not valid: expected a list "
          + "of lists of feature indices (0-based), e.g. [[0,1],[2,3,4]]");
    }
    List<int[]> out = new ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\[([\\d,]+)\\]").matcher(t);
    while (m.find()) {
      out.add(java.util.Arrays.stream(m.group(1).split(",")).mapToInt(Integer::parseInt).toArray());
    }
    return out;
  }

  /** The metrics XGBoost itself evaluates each round (Kiln computes the others). */
  List<String> nativeMetrics() {
    return evalMetrics.stream().filter(m -> !XGBoostMetrics.computed(m)).toList();
  }

  /** The container's own metrics among those asked for, which Kiln computes from the margins. */
  List<String> computedMetrics() {
    return evalMetrics.stream().filter(XGBoostMetrics::computed).toList();
  }

  /**
   * The metric XGBoost evaluates when eval_metric is not given, by objective, as xgboost4j 3.1 names
   * it in its evaluation line.
   */
  String defaultMetric() {
    return switch (objective) {
      case "binary:logistic", "binary:logitraw" -> "logloss";
      case "binary:hinge" -> "error";
      case "multi:softmax", "multi:softprob" -> "mlogloss";
      case "count:poisson" -> "poisson-nloglik";
      case "reg:gamma" -> "gamma-nloglik";
      case "reg:tweedie" -> "tweedie-nloglik@" + boosterParams.getOrDefault("tweedie_variance_power", "1.5");
      case "survival:cox" -> "cox-nloglik";
      case "rank:pairwise", "rank:ndcg" -> "ndcg@32";
      case "rank:map" -> "map@32";
      case "reg:absoluteerror" -> "mae";
      case "reg:squaredlogerror" -> "rmsle";
      case "reg:pseudohubererror" -> "mphe";
      case "reg:quantileerror" -> "quantile";
      default -> "rmse";
    };
  }

  /**
   * The metrics each round reports, in order: those asked for, in the order asked (as native XGBoost
   * and the container log them), preceded by the objective's default when none of them is XGBoost's
   * own and the default is not among them (the container then leaves eval_metric unset, so XGBoost
   * evaluates its default beside the container's metrics).
   */
  List<String> reportedMetrics() {
    if (!nativeMetrics().isEmpty() || evalMetrics.contains(defaultMetric())) {
      // the default among the container's own metrics (eval_metric=mae,rmse,r2): reported where it was asked for
      return evalMetrics;
    }
    List<String> out = new ArrayList<>(List.of(defaultMetric()));
    out.addAll(evalMetrics);
    return out;
  }

  /**
   * The metric early stopping watches on the validation channel, as SageMaker's container chooses it:
   * the tuning objective's metric, else the last eval_metric; null when neither is given (the container
   * then does not stop early at all) or early_stopping_rounds is not set.
   */
  String earlyStoppingMetric() {
    if (earlyStoppingRounds <= 0) {
      return null;
    }
    if (tuningMetric != null) {
      return tuningMetric;
    }
    List<String> asked = evalMetrics;
    return asked.isEmpty() ? null : asked.get(asked.size() - 1);
  }
}
