package io.kiln.algorithms.knn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * k-NN's hyperparameters: SageMaker's defaults, and one refusal per rule kind (a whole number out of
 * range, a number that is not one, a category, a missing required key, an unknown key, the rules
 * between keys), each a USER error naming the key and value.
 */
class KnnHyperparametersTest {
  private static Map<String, String> base() {
    Map<String, String> m = new HashMap<>(Map.of("predictor_type", "classifier", "k", "5", "feature_dim", "4",
        "sample_size", "100"));
    return m;
  }

  private static void refused(Map<String, String> hp, String... fragments) {
    assertThatThrownBy(() -> new KnnAlgorithm().hyperparameters(hp)).isInstanceOfSatisfying(KilnException.class, e -> {
      assertThat(e.type()).isEqualTo(ErrorType.USER);
      assertThat(e.getMessage()).contains(fragments);
    });
  }

  private static Map<String, String> with(String... kv) {
    Map<String, String> m = base();
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] == null) {
        m.remove(kv[i]);
      } else {
        m.put(kv[i], kv[i + 1]);
      }
    }
    return m;
  }

  @Test
  void sageMakersDefaults() {
    Map<String, String> raw = with("_tuning_objective_metric", "test:accuracy", "sagemaker_program", "x");
    KnnHyperparameters hp = new KnnAlgorithm().hyperparameters(raw);
    assertThat(hp.indexType()).isEqualTo("faiss.Flat");
    assertThat(hp.indexMetric()).isEqualTo("L2");
    assertThat(hp.miniBatchSize()).isEqualTo(5000);
    assertThat(hp.dimensionReductionType()).isNull();
    assertThat(hp.ivfNlists()).isZero();
    assertThat(hp.classifier()).isTrue();
    assertThat(hp.quota(0, 3) + hp.quota(1, 3) + hp.quota(2, 3)).isEqualTo(100);
    assertThat(hp.quota(0, 3)).isEqualTo(34);
    assertThat(KnnHyperparameters.parse(with("index_type", "FAISS.IVFPQ", "faiss_index_pq_m", "2",
        "faiss_index_ivf_nlists", "auto")).indexType()).isEqualTo("faiss.IVFPQ");
  }

  @Test
  void aWholeNumberOutOfRange() {
    refused(with("k", "0"), "Hyperparameter k=0 is not valid: expected a whole number >= 1");
    refused(with("mini_batch_size", "2.5"), "mini_batch_size=2.5", "whole number");
  }

  @Test
  void aCategory() {
    refused(with("predictor_type", "regresor"), "predictor_type=regresor", "classifier, regressor", "regressor");
    refused(with("faiss_index_pq_m", "5"), "faiss_index_pq_m=5", "1, 2, 3, 4, 8");
    refused(with("index_metric", "L1"), "index_metric=L1", "L2, INNER_PRODUCT, COSINE");
  }

  @Test
  void aMissingRequiredKey() {
    refused(with("sample_size", null), "Missing required hyperparameter sample_size");
    refused(with("dimension_reduction_type", "sign"), "dimension_reduction_target is required");
  }

  @Test
  void anUnknownKey() {
    refused(with("n_neighbors", "5"), "n_neighbors=5 is not a k-NN hyperparameter", "extraneous");
  }

  @Test
  void rulesBetweenKeys() {
    refused(with("k", "101"), "k=101 is larger than sample_size=100");
    refused(with("dimension_reduction_type", "fjlt", "dimension_reduction_target", "4"),
        "dimension_reduction_target=4", "less than feature_dim=4");
    refused(with("dimension_reduction_target", "2"), "without dimension_reduction_type");
    refused(with("index_type", "faiss.IVFPQ", "index_metric", "COSINE"), "index_metric=COSINE",
        "faiss.IVFPQ");
  }
}
