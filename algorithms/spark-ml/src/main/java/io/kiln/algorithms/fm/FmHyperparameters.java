package io.kiln.algorithms.fm;

import io.kiln.spec.Names;
import io.kiln.spi.HyperparameterRule;
import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * SageMaker Factorization Machines' hyperparameters, validated: the names, required keys, defaults
 * and valid values of SageMaker's "Factorization Machines Hyperparameters" table
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/fact-machines-hyperparameters.html) and of the
 * SageMaker Python SDK's {@code FactorizationMachines} estimator (non-negative rates, decays, scales
 * and sigmas; any float for clip_gradient, eps, rescale_grad and the {@code _value}s).
 *
 * <p>Where the table's default is "None", Kiln resolves: {@code clip_gradient} none (no clipping),
 * {@code eps} 1e-8, {@code rescale_grad} 1 / (the rows of the step, all workers), i.e. the mean
 * gradient. A negative {@code clip_gradient} clips nothing (as MXNet's optimizers, which SageMaker's
 * container uses); {@code eps} must be positive (Adam divides by it where a gradient is 0). An init method of {@code uniform} needs its {@code _scale} and {@code constant} its
 * {@code _value} (their defaults are None): a USER error names the missing key.
 *
 * @param predictorType {@code binary_classifier} or {@code regressor} (required)
 * @param numFactors the factorization's dimension k (required, positive)
 * @param featureDim the input's feature count (required, positive)
 * @param epochs passes over the train channel (default 1)
 * @param miniBatchSize rows per step on each worker (default 1000)
 * @param lr learning rates of the bias, linear and factor terms (defaults 0.1, 0.001, 0.0001)
 * @param wd weight decays (L2) of the bias, linear and factor terms (defaults 0.01, 0.001, 0.00001)
 * @param init initialisations of the bias, linear and factor terms (default normal with sigma 0.01,
 *     0.01 and 0.001)
 * @param clipGradient clip each gradient component to [-c, c], or NaN for none
 * @param eps Adam's epsilon
 * @param rescaleGrad the factor of the summed gradient, or NaN for 1 / rows of the step
 * @param tuningObjective {@code _tuning_objective_metric} when SageMaker's tuner runs the job, or null
 */
public record FmHyperparameters(String predictorType, int numFactors, int featureDim, int epochs, int miniBatchSize,
    double[] lr, double[] wd, Init[] init, double clipGradient, double eps, double rescaleGrad,
    String tuningObjective) implements Serializable {

  /**
   * One term's initialisation.
   *
   * @param method {@code normal}, {@code uniform} or {@code constant}
   * @param parameter sigma (normal), scale (uniform: values in [-scale, scale]) or value (constant)
   */
  public record Init(String method, double parameter) implements Serializable {}

  public static final String BINARY = "binary_classifier";
  public static final String REGRESSOR = "regressor";
  /** The three terms, in the order of {@link #lr()}, {@link #wd()} and {@link #init()}. */
  static final String[] TERMS = {"bias", "linear", "factors"};
  private static final double[] LR = {0.1, 0.001, 0.0001};
  private static final double[] WD = {0.01, 0.001, 0.00001};
  private static final double[] SIGMA = {0.01, 0.01, 0.001};

  private static final Map<String, HyperparameterRule> RULES = new LinkedHashMap<>();

  static {
    double inf = Double.POSITIVE_INFINITY;
    double ninf = Double.NEGATIVE_INFINITY;
    RULES.put("feature_dim", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("num_factors", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("predictor_type", HyperparameterRule.oneOf(BINARY, REGRESSOR));
    for (String t : TERMS) {
      RULES.put(t + "_init_method", HyperparameterRule.oneOf("normal", "uniform", "constant"));
      RULES.put(t + "_init_scale", HyperparameterRule.number(0, false, inf, true));
      RULES.put(t + "_init_sigma", HyperparameterRule.number(0, false, inf, true));
      RULES.put(t + "_init_value", HyperparameterRule.number(ninf, true, inf, true));
      RULES.put(t + "_lr", HyperparameterRule.number(0, false, inf, true));
      RULES.put(t + "_wd", HyperparameterRule.number(0, false, inf, true));
    }
    RULES.put("clip_gradient", HyperparameterRule.number(ninf, true, inf, true));
    RULES.put("epochs", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("eps", HyperparameterRule.number(0, true, inf, true));
    RULES.put("mini_batch_size", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("rescale_grad", HyperparameterRule.number(ninf, true, inf, true));
  }

  /** Every hyperparameter SageMaker's Factorization Machines takes. */
  public static Set<String> names() {
    return RULES.keySet();
  }

  /**
   * Checks every hyperparameter; throws a USER {@link KilnException} naming the first bad or missing
   * key, its value and what is accepted.
   */
  public static FmHyperparameters parse(Map<String, String> raw) {
    Map<String, String> v = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String key = e.getKey();
      if (HyperparameterRule.reserved(key)) {
        continue; // the tuner's _tuning_objective_metric, the SDK's sagemaker_* keys
      }
      HyperparameterRule rule = RULES.get(key);
      if (rule == null) {
        throw KilnException.user("Hyperparameter " + key + "=" + Messages.echo(e.getValue())
            + " is not a Factorization Machines hyperparameter" + Names.suggestion(key, RULES.keySet())
            + " (extraneous hyperparameter)");
      }
      String value = e.getValue() == null ? "" : e.getValue().trim();
      try {
        v.put(key, rule.check(key, value));
      } catch (KilnException bad) {
        String suggestion = rule instanceof HyperparameterRule.Categorical c ? Names.suggestion(value, c.values()) : "";
        throw KilnException.user(bad.getMessage() + suggestion);
      }
    }
    for (String required : new String[] {"feature_dim", "num_factors", "predictor_type"}) {
      if (!v.containsKey(required)) {
        throw KilnException.user("Missing required hyperparameter " + required + ": "
            + switch (required) {
              case "feature_dim" -> "set it to the number of features of the input (a positive integer)";
              case "num_factors" -> "set the factorization's dimension (a positive integer; SageMaker suggests 64)";
              default -> "one of " + BINARY + ", " + REGRESSOR;
            });
      }
    }
    double[] lr = new double[3];
    double[] wd = new double[3];
    Init[] init = new Init[3];
    for (int t = 0; t < 3; t++) {
      String term = TERMS[t];
      lr[t] = d(v, term + "_lr", LR[t]);
      wd[t] = d(v, term + "_wd", WD[t]);
      String method = v.getOrDefault(term + "_init_method", "normal");
      String key = term + "_init_" + switch (method) {
        case "uniform" -> "scale";
        case "constant" -> "value";
        default -> "sigma";
      };
      if (!method.equals("normal") && !v.containsKey(key)) {
        throw KilnException.user("Hyperparameter " + term + "_init_method=" + method + " needs " + key
            + ", which has no default: set " + key + " (" + (method.equals("uniform")
                ? "values are drawn from [-" + key + ", +" + key + "]" : "every " + term + " weight starts at it")
            + ") or use " + term + "_init_method=normal");
      }
      init[t] = new Init(method, d(v, key, SIGMA[t]));
    }
    String tuning = raw.get("_tuning_objective_metric");
    if (tuning != null && tuning.isBlank()) {
      tuning = null;
    }
    return new FmHyperparameters(v.get("predictor_type"), Integer.parseInt(v.get("num_factors")),
        Integer.parseInt(v.get("feature_dim")), Integer.parseInt(v.getOrDefault("epochs", "1")),
        Integer.parseInt(v.getOrDefault("mini_batch_size", "1000")), lr, wd, init,
        d(v, "clip_gradient", Double.NaN), d(v, "eps", 1e-8), d(v, "rescale_grad", Double.NaN), tuning);
  }

  private static double d(Map<String, String> v, String key, double def) {
    return v.containsKey(key) ? Double.parseDouble(v.get(key)) : def;
  }

  /** True for {@code binary_classifier}. */
  public boolean classifier() {
    return predictorType.equals(BINARY);
  }
}
