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
 * @param evalMetrics metrics to evaluate each round, XGBoost names; empty means the objective's default
 * @param earlyStoppingRounds stop when the last metric of the last eval set has not improved for this many
 *     rounds (0: off)
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

  /** XGBoost's own metrics, plus those SageMaker's container computes itself. */
  static final Set<String> METRICS = Set.of("rmse", "rmsle", "mae", "mape", "mphe", "logloss", "error", "merror",
      "mlogloss", "auc", "aucpr", "ndcg", "map", "pre", "poisson-nloglik", "gamma-nloglik", "cox-nloglik",
      "gamma-deviance", "tweedie-nloglik", "aft-nloglik", "interval-regression-accuracy",
      "accuracy", "f1", "mse", "r2");

  /** Metrics Kiln computes itself (XGBoost has none of these names). */
  static final Set<String> COMPUTED_METRICS = Set.of("accuracy", "f1", "mse", "r2");

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
      if (key.startsWith("sagemaker_") || key.startsWith("_")) {
        continue; // reserved keys the SDK and the tuner add (_tuning_objective_metric ...)
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
      v.put(name, rule.check(key, e.getValue()));
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
    List<String> metrics = new ArrayList<>();
    if (v.containsKey("eval_metric")) {
      for (String m : v.get("eval_metric").split(",")) {
        String metric = m.trim();
        if (metric.isEmpty()) {
          continue;
        }
        String base = metric.toLowerCase(Locale.ROOT).replaceAll("[@-].*$", "");
        if (metric.startsWith("poisson-") || metric.startsWith("gamma-") || metric.startsWith("cox-")
            || metric.startsWith("tweedie-") || metric.startsWith("aft-") || metric.startsWith("interval-")) {
          base = metric.replaceAll("@.*$", "");
        }
        if (!METRICS.contains(base)) {
          throw KilnException.user("Hyperparameter eval_metric=" + v.get("eval_metric") + " names '" + metric
              + "', which is not a metric" + Names.suggestion(metric, METRICS) + "; accepted: "
              + String.join(", ", METRICS.stream().sorted().toList()));
        }
        metrics.add(metric);
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
    return new XGBoostHyperparameters(Integer.parseInt(v.get("num_round")), objective, numClass, metrics,
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

  /** The metrics XGBoost itself evaluates (Kiln computes the others). */
  List<String> nativeMetrics() {
    return evalMetrics.stream().filter(m -> !COMPUTED_METRICS.contains(m)).toList();
  }

  List<String> computedMetrics() {
    return evalMetrics.stream().filter(COMPUTED_METRICS::contains).toList();
  }

  /** The metric XGBoost evaluates when eval_metric is not given, by objective. */
  String defaultMetric() {
    return switch (objective) {
      case "binary:logistic", "binary:logitraw" -> "logloss";
      case "binary:hinge" -> "error";
      case "multi:softmax" -> "mlogloss";
      case "multi:softprob" -> "mlogloss";
      case "count:poisson" -> "poisson-nloglik";
      case "reg:gamma" -> "gamma-nloglik";
      case "reg:tweedie" -> "tweedie-nloglik@" + boosterParams.getOrDefault("tweedie_variance_power", "1.5");
      case "survival:cox" -> "cox-nloglik";
      case "survival:aft" -> "aft-nloglik";
      case "rank:pairwise", "rank:ndcg" -> "ndcg";
      case "rank:map" -> "map";
      case "reg:absoluteerror" -> "mae";
      case "reg:squaredlogerror" -> "rmsle";
      case "reg:pseudohubererror" -> "mphe";
      case "reg:quantileerror" -> "quantile";
      default -> "rmse";
    };
  }

  /** The metrics each round reports, in order: those asked for, or the objective's default. */
  List<String> reportedMetrics() {
    return evalMetrics.isEmpty() ? List.of(defaultMetric()) : evalMetrics;
  }

  static boolean maximize(String metric) {
    String m = metric.toLowerCase(Locale.ROOT);
    return m.startsWith("auc") || m.startsWith("map") || m.startsWith("ndcg") || m.startsWith("pre")
        || m.equals("accuracy") || m.equals("f1") || m.equals("r2") || m.equals("interval-regression-accuracy");
  }
}
