package io.kiln.algorithms.kmeans;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.spec.Names;
import io.kiln.spi.HyperparameterRule;
import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SageMaker K-Means' hyperparameters, validated: names, defaults, required keys and ranges from its
 * documentation's table (https://docs.aws.amazon.com/sagemaker/latest/dg/k-means-api-config.html), with
 * the SageMaker Python SDK's {@code sagemaker.KMeans} checks where the table is silent
 * ({@code local_lloyd_tol} in [0, 1]). {@code force_dense}, which the SDK always sends, is accepted and
 * has no effect (Kiln reads every row dense).
 *
 * @param featureDim {@code feature_dim} (required, >= 1)
 * @param k {@code k}: clusters (required, >= 1)
 * @param epochs passes over the training data (default 1)
 * @param miniBatchSize rows of each worker in one mini-batch step (default 5000)
 * @param initKMeansPlusPlus {@code init_method}: {@code random} (default) or {@code kmeans++}
 * @param extraCenterFactor {@code extra_center_factor}: training keeps k x this centers; 0 for
 *     {@code auto} (the default, see {@link #centers})
 * @param localLloydMaxIter {@code local_lloyd_max_iter} (default 300)
 * @param localLloydTol {@code local_lloyd_tol} (default 0.0001)
 * @param localLloydKMeansPlusPlus {@code local_lloyd_init_method}: {@code kmeans++} (default) or {@code random}
 * @param localLloydNumTrials {@code local_lloyd_num_trials}; 0 for {@code auto} (the default, see
 *     {@link #trials})
 * @param halfLifeTimeSize {@code half_life_time_size} (default 0: no decay)
 * @param msd whether {@code eval_metrics} asks for msd (the default {@code ["msd"]})
 * @param ssd whether it asks for ssd
 */
public record KMeansHyperparameters(int featureDim, int k, int epochs, int miniBatchSize, boolean initKMeansPlusPlus,
    int extraCenterFactor, int localLloydMaxIter, double localLloydTol, boolean localLloydKMeansPlusPlus,
    int localLloydNumTrials, long halfLifeTimeSize, boolean msd, boolean ssd) implements Serializable {

  /** What {@code extra_center_factor=auto} means in Kiln (SageMaker does not document it; docs/built-ins.md). */
  public static final int AUTO_EXTRA_CENTER_FACTOR = 4;
  /** What {@code local_lloyd_num_trials=auto} means in Kiln (likewise). */
  public static final int AUTO_NUM_TRIALS = 10;

  private static final Map<String, HyperparameterRule> RULES = new LinkedHashMap<>();
  private static final ObjectMapper JSON = new ObjectMapper();

  static {
    RULES.put("feature_dim", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("k", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("epochs", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("mini_batch_size", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("init_method", HyperparameterRule.oneOf("random", "kmeans++"));
    RULES.put("extra_center_factor", HyperparameterRule.text());
    RULES.put("local_lloyd_max_iter", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("local_lloyd_tol", HyperparameterRule.number(0, false, 1, false));
    RULES.put("local_lloyd_init_method", HyperparameterRule.oneOf("random", "kmeans++"));
    RULES.put("local_lloyd_num_trials", HyperparameterRule.text());
    RULES.put("half_life_time_size", HyperparameterRule.integer(0, Integer.MAX_VALUE));
    RULES.put("eval_metrics", HyperparameterRule.text());
    RULES.put("force_dense", HyperparameterRule.oneOf("true", "false"));
  }

  /** The centers training keeps: k x extra_center_factor (auto: {@value #AUTO_EXTRA_CENTER_FACTOR}). */
  public int centers() {
    return Math.toIntExact((long) k * (extraCenterFactor == 0 ? AUTO_EXTRA_CENTER_FACTOR : extraCenterFactor));
  }

  /** The local Lloyd trials (auto: {@value #AUTO_NUM_TRIALS}). */
  public int trials() {
    return localLloydNumTrials == 0 ? AUTO_NUM_TRIALS : localLloydNumTrials;
  }

  /**
   * Checks every hyperparameter; throws a USER {@link KilnException} naming the first bad key, its
   * value and what is accepted (an unknown key gets the closest known name).
   */
  public static KMeansHyperparameters parse(Map<String, String> raw) {
    Map<String, String> v = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String key = e.getKey();
      if (HyperparameterRule.reserved(key)) {
        continue;
      }
      HyperparameterRule rule = RULES.get(key);
      if (rule == null) {
        throw KilnException.user("Hyperparameter " + key + "=" + Messages.echo(e.getValue())
            + " is not a K-Means hyperparameter" + Names.suggestion(key, RULES.keySet()) + " (extraneous hyperparameter)");
      }
      try {
        v.put(key, rule.check(key, e.getValue()));
      } catch (KilnException bad) {
        if (rule instanceof HyperparameterRule.Categorical c) {
          throw KilnException.user(bad.getMessage() + Names.suggestion(e.getValue().trim(), c.values()));
        }
        throw bad;
      }
    }
    for (String required : new String[] {"feature_dim", "k"}) {
      if (!v.containsKey(required)) {
        throw KilnException.user("Missing required hyperparameter " + required + ": " + (required.equals("k")
            ? "the number of clusters" : "the number of features in a row") + ", a whole number >= 1");
      }
    }
    boolean[] metrics = evalMetrics(v.getOrDefault("eval_metrics", "[\"msd\"]"));
    return new KMeansHyperparameters(Integer.parseInt(v.get("feature_dim")), Integer.parseInt(v.get("k")),
        Integer.parseInt(v.getOrDefault("epochs", "1")), Integer.parseInt(v.getOrDefault("mini_batch_size", "5000")),
        v.getOrDefault("init_method", "random").equals("kmeans++"),
        positiveOrAuto("extra_center_factor", v.getOrDefault("extra_center_factor", "auto")),
        Integer.parseInt(v.getOrDefault("local_lloyd_max_iter", "300")),
        Double.parseDouble(v.getOrDefault("local_lloyd_tol", "0.0001")),
        v.getOrDefault("local_lloyd_init_method", "kmeans++").equals("kmeans++"),
        positiveOrAuto("local_lloyd_num_trials", v.getOrDefault("local_lloyd_num_trials", "auto")),
        Long.parseLong(v.getOrDefault("half_life_time_size", "0")), metrics[0], metrics[1]);
  }

  /** A positive whole number, or {@code auto} (0). */
  private static int positiveOrAuto(String key, String value) {
    if (value.equalsIgnoreCase("auto")) {
      return 0;
    }
    try {
      return Integer.parseInt(HyperparameterRule.integer(1, Integer.MAX_VALUE).check(key, value));
    } catch (KilnException e) {
      throw KilnException.user("Hyperparameter " + key + "=" + Messages.echo(value)
          + " is not valid: expected a whole number >= 1 or auto");
    }
  }

  /**
   * {@code eval_metrics}: SageMaker's JSON list ({@code ["msd","ssd"]}); the Python list the SDK may
   * write ({@code ['msd', 'ssd']}) and a bare comma-separated list are read alike. Returns {msd, ssd}.
   */
  static boolean[] evalMetrics(String value) {
    String text = value.trim();
    List<String> names = new ArrayList<>();
    try {
      if (text.startsWith("[")) {
        JsonNode list = JSON.readTree(text.replace('\'', '"'));
        if (list == null || !list.isArray()) {
          throw new IllegalArgumentException();
        }
        for (JsonNode n : list) {
          if (!n.isTextual()) {
            throw new IllegalArgumentException();
          }
          names.add(n.asText().trim());
        }
      } else {
        for (String n : text.split(",")) {
          names.add(n.trim().replace("\"", ""));
        }
      }
    } catch (Exception e) {
      names = List.of("?");
    }
    boolean msd = false;
    boolean ssd = false;
    for (String n : names) {
      switch (n.toLowerCase(java.util.Locale.ROOT)) {
        case "msd" -> msd = true;
        case "ssd" -> ssd = true;
        default -> throw KilnException.user("Hyperparameter eval_metrics=" + Messages.echo(value) + " is not valid: "
            + "expected a JSON list of msd and/or ssd: [\"msd\"], [\"ssd\"] or [\"msd\",\"ssd\"]");
      }
    }
    if (!msd && !ssd) {
      throw KilnException.user("Hyperparameter eval_metrics=" + Messages.echo(value) + " is not valid: expected a "
          + "JSON list of msd and/or ssd: [\"msd\"], [\"ssd\"] or [\"msd\",\"ssd\"]");
    }
    return new boolean[] {msd, ssd};
  }
}
