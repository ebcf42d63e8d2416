package io.kiln.algorithms.pca;

import io.kiln.spec.Names;
import io.kiln.spi.HyperparameterRule;
import io.kiln.spi.KilnException;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SageMaker PCA's hyperparameters, validated: names, defaults, required keys and ranges as its
 * documentation's table (https://docs.aws.amazon.com/sagemaker/latest/dg/PCA-reference.html) and
 * the SageMaker Python SDK's {@code sagemaker.PCA} checks give them.
 *
 * @param featureDim {@code feature_dim}: the input dimension (required, >= 1)
 * @param numComponents {@code num_components}: the principal components to compute (required,
 *     1 ..= feature_dim)
 * @param miniBatchSize {@code mini_batch_size}: rows in a mini-batch (required, as SageMaker's table
 *     marks it; the SDK always sends it). A training step ("round") is one mini-batch on every worker
 * @param randomized {@code algorithm_mode}: {@code regular} (default; exact) or {@code randomized}
 * @param subtractMean {@code subtract_mean}: centre the data in training and inference (default true)
 * @param extraComponents {@code extra_components}: the randomized sketch's extra columns; -1
 *     (default) means max(10, num_components). Valid for randomized mode only (ignored in regular,
 *     as SageMaker ignores it)
 */
public record PcaHyperparameters(int featureDim, int numComponents, int miniBatchSize, boolean randomized,
    boolean subtractMean, int extraComponents) implements Serializable {

  private static final Map<String, HyperparameterRule> RULES = new LinkedHashMap<>();

  static {
    RULES.put("feature_dim", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("num_components", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("mini_batch_size", HyperparameterRule.integer(1, Integer.MAX_VALUE));
    RULES.put("algorithm_mode", HyperparameterRule.oneOf("regular", "randomized"));
    RULES.put("subtract_mean", HyperparameterRule.oneOf("true", "false"));
    RULES.put("extra_components", HyperparameterRule.integer(-1, Integer.MAX_VALUE));
  }

  /** The sketch width of randomized mode: num_components + extra_components, at most feature_dim. */
  public int sketchColumns() {
    int extra = extraComponents < 0 ? Math.max(10, numComponents) : extraComponents;
    return (int) Math.min((long) featureDim, (long) numComponents + extra);
  }

  /**
   * Checks every hyperparameter; throws a USER {@link KilnException} naming the first bad key, its
   * value and what is accepted (an unknown key gets the closest known name).
   */
  public static PcaHyperparameters parse(Map<String, String> raw) {
    Map<String, String> v = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String key = e.getKey();
      if (HyperparameterRule.reserved(key)) {
        continue;
      }
      HyperparameterRule rule = RULES.get(key);
      if (rule == null) {
        throw KilnException.user("Hyperparameter " + key + "=" + io.kiln.spi.Messages.echo(e.getValue())
            + " is not a PCA hyperparameter" + Names.suggestion(key, RULES.keySet()) + " (extraneous hyperparameter)");
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
    for (String required : new String[] {"feature_dim", "num_components", "mini_batch_size"}) {
      if (!v.containsKey(required)) {
        throw KilnException.user("Missing required hyperparameter " + required + ": "
            + switch (required) {
              case "feature_dim" -> "the number of features in a row";
              case "num_components" -> "the number of principal components to compute";
              default -> "the number of rows in a mini-batch";
            } + ", a whole number >= 1");
      }
    }
    int featureDim = Integer.parseInt(v.get("feature_dim"));
    int numComponents = Integer.parseInt(v.get("num_components"));
    if (numComponents > featureDim) {
      throw KilnException.user("Hyperparameter num_components=" + numComponents + " is not valid: expected at most "
          + "feature_dim=" + featureDim + " (a row of " + featureDim + " features has at most " + featureDim
          + " principal components)");
    }
    return new PcaHyperparameters(featureDim, numComponents, Integer.parseInt(v.get("mini_batch_size")),
        v.getOrDefault("algorithm_mode", "regular").equals("randomized"),
        v.getOrDefault("subtract_mean", "true").equals("true"),
        Integer.parseInt(v.getOrDefault("extra_components", "-1")));
  }
}
