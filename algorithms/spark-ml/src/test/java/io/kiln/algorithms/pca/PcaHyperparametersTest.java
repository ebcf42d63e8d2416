package io.kiln.algorithms.pca;

import static io.kiln.algorithms.pca.SageMakerJobs.hp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every kind of PCA hyperparameter rule, with its message (no Spark). */
class PcaHyperparametersTest {

  private static void refused(Map<String, String> raw, String... fragments) {
    assertThatThrownBy(() -> PcaHyperparameters.parse(raw)).isInstanceOfSatisfying(KilnException.class, e -> {
      assertThat(e.type()).isEqualTo(ErrorType.USER);
      assertThat(e.getMessage()).contains(fragments);
    });
  }

  @Test
  void defaultsAreSageMakers() {
    PcaHyperparameters p = PcaHyperparameters.parse(hp("feature_dim", "64", "num_components", "10",
        "mini_batch_size", "500", "_tuning_objective_metric", "x", "sagemaker_container_log_level", "20"));
    assertThat(p.randomized()).isFalse();
    assertThat(p.subtractMean()).isTrue();
    assertThat(p.extraComponents()).isEqualTo(-1);
    assertThat(p.sketchColumns()).isEqualTo(20); // num_components + max(10, num_components)
    assertThat(PcaHyperparameters.parse(hp("feature_dim", "64", "num_components", "30", "mini_batch_size", "5",
        "algorithm_mode", "randomized", "subtract_mean", "False")).sketchColumns()).isEqualTo(60);
    assertThat(PcaHyperparameters.parse(hp("feature_dim", "64", "num_components", "60", "mini_batch_size", "5",
        "extra_components", "0")).sketchColumns()).isEqualTo(60);
  }

  @Test
  void eachRuleKindIsRefusedWithItsMessage() {
    refused(hp("num_components", "10", "mini_batch_size", "500"), "Missing required hyperparameter feature_dim");
    refused(hp("feature_dim", "4", "mini_batch_size", "500"), "Missing required hyperparameter num_components");
    refused(hp("feature_dim", "4", "num_components", "2"), "Missing required hyperparameter mini_batch_size");
    refused(hp("feature_dim", "4", "num_components", "0", "mini_batch_size", "5"),
        "Hyperparameter num_components=0 is not valid: expected a whole number >= 1");
    refused(hp("feature_dim", "4.5", "num_components", "1", "mini_batch_size", "5"), "feature_dim=4.5");
    refused(hp("feature_dim", "4", "num_components", "5", "mini_batch_size", "5"),
        "num_components=5 is not valid: expected at most feature_dim=4");
    refused(hp("feature_dim", "4", "num_components", "2", "mini_batch_size", "5", "algorithm_mode", "randomised"),
        "algorithm_mode=randomised is not valid: expected one of regular, randomized", "randomized");
    refused(hp("feature_dim", "4", "num_components", "2", "mini_batch_size", "5", "subtract_mean", "yes"),
        "subtract_mean=yes", "one of true, false");
    refused(hp("feature_dim", "4", "num_components", "2", "mini_batch_size", "5", "extra_components", "-2"),
        "extra_components=-2 is not valid: expected a whole number >= -1");
    refused(hp("feature_dim", "4", "num_components", "2", "mini_batch_size", "5", "num_component", "2"),
        "num_component=2 is not a PCA hyperparameter", "num_components");
  }
}
