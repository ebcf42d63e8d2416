package io.kiln.algorithms.knn;

import io.kiln.spec.Names;
import io.kiln.spi.HyperparameterRule;
import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SageMaker k-NN's hyperparameters, validated: the names, defaults and accepted values of SageMaker's
 * "k-NN Hyperparameters" table (https://docs.aws.amazon.com/sagemaker/latest/dg/kNN_hyperparameters.html).
 *
 * @param featureDim the feature count the data must have (required, >= 1)
 * @param k neighbours per query (required, >= 1, at most sample_size)
 * @param predictorType {@code classifier} or {@code regressor} (required)
 * @param sampleSize rows sampled from the training data over all workers (required, >= 1); each worker
 *     samples its share (sample_size / workers, the first sample_size mod workers workers one more)
 * @param dimensionReductionType {@code sign} or {@code fjlt}, or null for none (the default)
 * @param dimensionReductionTarget the reduced dimension (required with a reduction type; 1 to
 *     feature_dim - 1), or 0 without reduction
 * @param indexType {@code faiss.Flat} (default), {@code faiss.IVFFlat} or {@code faiss.IVFPQ}
 * @param indexMetric {@code L2} (default), {@code INNER_PRODUCT} or {@code COSINE}
 * @param ivfNlists {@code faiss_index_ivf_nlists}, or 0 for {@code auto} (sqrt(sample_size))
 * @param pqM {@code faiss_index_pq_m}, or 0 when not given
 * @param miniBatchSize rows per mini-batch of the data iterator (default 5000): Kiln samples (and
 *     checkpoints) one mini-batch of each worker's share per round
 */
public record KnnHyperparameters(
    int featureDim,
    int k,
    String predictorType,
    long sampleSize,
    String dimensionReductionType,
    int dimensionReductionTarget,
    String indexType,
    String indexMetric,
    int ivfNlists,
    int pqM,
    int miniBatchSize) implements Serializable {

  public static final String CLASSIFIER = "classifier";
  public static final String REGRESSOR = "regressor";
  public static final String FLAT = "faiss.Flat";
  public static final String IVF_FLAT = "faiss.IVFFlat";
  public static final String IVF_PQ = "faiss.IVFPQ";

  private static final Map<String, HyperparameterRule> RULES = new LinkedHashMap<>();
  private static final List<String> REQUIRED = List.of("feature_dim", "k", "predictor_type", "sample_size");

  static {
    int max = Integer.MAX_VALUE;
    RULES.put("feature_dim", HyperparameterRule.integer(1, max));
    RULES.put("k", HyperparameterRule.integer(1, max));
    RULES.put("predictor_type", HyperparameterRule.oneOf(CLASSIFIER, REGRESSOR));
    RULES.put("sample_size", HyperparameterRule.integer(1, Long.MAX_VALUE));
    RULES.put("dimension_reduction_target", HyperparameterRule.integer(1, max));
    RULES.put("dimension_reduction_type", HyperparameterRule.oneOf("sign", "fjlt"));
    RULES.put("faiss_index_ivf_nlists", HyperparameterRule.integer(1, max));
    RULES.put("faiss_index_pq_m", HyperparameterRule.oneOf("1", "2", "3", "4", "8", "12", "16", "20", "24", "28",
        "32", "40", "48", "56", "64", "96"));
    RULES.put("index_metric", HyperparameterRule.oneOf("L2", "INNER_PRODUCT", "COSINE"));
    RULES.put("index_type", HyperparameterRule.oneOf(FLAT, IVF_FLAT, IVF_PQ));
    RULES.put("mini_batch_size", HyperparameterRule.integer(1, max));
  }

  /** Every hyperparameter SageMaker's k-NN takes, in the documentation's order. */
  public static Set<String> names() {
    return RULES.keySet();
  }

  /**
   * Checks every hyperparameter; throws a USER {@link KilnException} naming the first bad key, its
   * value and what is accepted (index_type and index_metric are matched case-insensitively, as
   * SageMaker's own check lower-cases them).
   */
  public static KnnHyperparameters parse(Map<String, String> raw) {
    Map<String, String> v = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String key = e.getKey();
      if (HyperparameterRule.reserved(key)) {
        continue;
      }
      HyperparameterRule rule = RULES.get(key);
      if (rule == null) {
        throw KilnException.user("Hyperparameter " + key + "=" + Messages.echo(e.getValue())
            + " is not a k-NN hyperparameter" + Names.suggestion(key, RULES.keySet()) + " (extraneous hyperparameter)");
      }
      String value = e.getValue() == null ? "" : e.getValue().trim();
      if (key.equals("faiss_index_ivf_nlists") && value.equalsIgnoreCase("auto")) {
        continue;
      }
      if (rule instanceof HyperparameterRule.Categorical c) {
        for (String known : c.values()) {
          if (known.equalsIgnoreCase(value)) {
            value = known;
          }
        }
      }
      try {
        v.put(key, rule.check(key, value));
      } catch (KilnException bad) {
        String suggestion = rule instanceof HyperparameterRule.Categorical c ? Names.suggestion(value, c.values()) : "";
        String also = key.equals("faiss_index_ivf_nlists") ? " or auto" : "";
        throw KilnException.user(bad.getMessage() + also + suggestion);
      }
    }
    for (String key : REQUIRED) {
      if (!v.containsKey(key)) {
        throw KilnException.user("Missing required hyperparameter " + key + ": SageMaker's k-NN requires "
            + String.join(", ", REQUIRED) + " (predictor_type classifier or regressor, the others whole numbers >= 1)");
      }
    }
    int featureDim = Integer.parseInt(v.get("feature_dim"));
    int k = Integer.parseInt(v.get("k"));
    long sampleSize = Long.parseLong(v.get("sample_size"));
    if (k > sampleSize) {
      throw KilnException.user("Hyperparameter k=" + k + " is larger than sample_size=" + sampleSize
          + ": the index cannot hold k neighbours; set k <= sample_size");
    }
    String reduction = v.get("dimension_reduction_type");
    int target = 0;
    if (reduction != null) {
      if (!v.containsKey("dimension_reduction_target")) {
        throw KilnException.user("Hyperparameter dimension_reduction_target is required with dimension_reduction_type="
            + reduction + ": set it to a whole number from 1 to feature_dim - 1 (" + (featureDim - 1) + ")");
      }
      target = Integer.parseInt(v.get("dimension_reduction_target"));
      if (target >= featureDim) {
        throw KilnException.user("Hyperparameter dimension_reduction_target=" + target + " is not valid: expected a "
            + "whole number greater than 0 and less than feature_dim=" + featureDim);
      }
    } else if (v.containsKey("dimension_reduction_target")) {
      throw KilnException.user("Hyperparameter dimension_reduction_target=" + v.get("dimension_reduction_target")
          + " is given without dimension_reduction_type: set dimension_reduction_type to sign or fjlt, or remove it");
    }
    String indexType = v.getOrDefault("index_type", FLAT);
    String metric = v.getOrDefault("index_metric", "L2");
    if (indexType.equals(IVF_PQ) && !metric.equals("L2")) {
      throw KilnException.user("Hyperparameter index_metric=" + metric + " is not supported with index_type="
          + IVF_PQ + " (as SageMaker's k-NN documents): use index_metric=L2 or another index_type");
    }
    return new KnnHyperparameters(featureDim, k, v.get("predictor_type"), sampleSize, reduction, target, indexType,
        metric, Integer.parseInt(v.getOrDefault("faiss_index_ivf_nlists", "0")),
        Integer.parseInt(v.getOrDefault("faiss_index_pq_m", "0")),
        Integer.parseInt(v.getOrDefault("mini_batch_size", "5000")));
  }

  /** True for {@code predictor_type=classifier}. */
  public boolean classifier() {
    return predictorType.equals(CLASSIFIER);
  }

  /** The rows worker {@code rank} of {@code workers} samples: its share of sample_size. */
  public long quota(int rank, int workers) {
    return sampleSize / workers + (rank < sampleSize % workers ? 1 : 0);
  }
}
