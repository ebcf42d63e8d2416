package io.kiln.algorithms.kmeans;

import static io.kiln.algorithms.pca.SageMakerJobs.hp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MetricDescriptor;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every kind of K-Means hyperparameter rule, with its message; the metrics a job can emit (no Spark). */
class KMeansHyperparametersTest {

  private static void refused(Map<String, String> raw, String... fragments) {
    assertThatThrownBy(() -> KMeansHyperparameters.parse(raw)).isInstanceOfSatisfying(KilnException.class, e -> {
      assertThat(e.type()).isEqualTo(ErrorType.USER);
      assertThat(e.getMessage()).contains(fragments);
    });
  }

  @Test
  void defaultsAreSageMakers() {
    KMeansHyperparameters p = KMeansHyperparameters.parse(hp("k", "10", "feature_dim", "64", "force_dense", "True",
        "_tuning_objective_metric", "test:msd"));
    assertThat(p.epochs()).isEqualTo(1);
    assertThat(p.miniBatchSize()).isEqualTo(5000);
    assertThat(p.initKMeansPlusPlus()).isFalse();
    assertThat(p.localLloydKMeansPlusPlus()).isTrue();
    assertThat(p.localLloydMaxIter()).isEqualTo(300);
    assertThat(p.localLloydTol()).isEqualTo(1e-4);
    assertThat(p.halfLifeTimeSize()).isZero();
    assertThat(p.centers()).isEqualTo(10 * KMeansHyperparameters.AUTO_EXTRA_CENTER_FACTOR);
    assertThat(p.trials()).isEqualTo(KMeansHyperparameters.AUTO_NUM_TRIALS);
    assertThat(p.msd()).isTrue();
    assertThat(p.ssd()).isFalse();
    KMeansHyperparameters q = KMeansHyperparameters.parse(hp("k", "2", "feature_dim", "3", "extra_center_factor", "7",
        "local_lloyd_num_trials", "3", "eval_metrics", "['msd', 'ssd']"));
    assertThat(q.centers()).isEqualTo(14);
    assertThat(q.trials()).isEqualTo(3);
    assertThat(q.msd()).isTrue();
    assertThat(q.ssd()).isTrue();
    assertThat(KMeansHyperparameters.parse(hp("k", "2", "feature_dim", "3", "eval_metrics", "[\"ssd\"]")).msd())
        .isFalse();
  }

  @Test
  void eachRuleKindIsRefusedWithItsMessage() {
    refused(hp("feature_dim", "4"), "Missing required hyperparameter k");
    refused(hp("k", "4"), "Missing required hyperparameter feature_dim");
    refused(hp("k", "0", "feature_dim", "4"), "Hyperparameter k=0 is not valid: expected a whole number >= 1");
    refused(hp("k", "2", "feature_dim", "4", "epochs", "1.5"), "epochs=1.5");
    refused(hp("k", "2", "feature_dim", "4", "local_lloyd_tol", "2"),
        "local_lloyd_tol=2 is not valid: expected a number in [0, 1]");
    refused(hp("k", "2", "feature_dim", "4", "init_method", "k-means++"),
        "init_method=k-means++ is not valid: expected one of random, kmeans++", "kmeans++");
    refused(hp("k", "2", "feature_dim", "4", "extra_center_factor", "0"),
        "extra_center_factor=0 is not valid: expected a whole number >= 1 or auto");
    refused(hp("k", "2", "feature_dim", "4", "local_lloyd_num_trials", "many"), "local_lloyd_num_trials=many");
    refused(hp("k", "2", "feature_dim", "4", "half_life_time_size", "-1"), "half_life_time_size=-1");
    refused(hp("k", "2", "feature_dim", "4", "eval_metrics", "[\"mse\"]"), "eval_metrics=[\"mse\"] is not valid",
        "[\"msd\",\"ssd\"]");
    refused(hp("k", "2", "feature_dim", "4", "eval_metrics", "[]"), "eval_metrics=[] is not valid");
    refused(hp("k", "2", "feature_dim", "4", "num_clusters", "3"), "num_clusters=3 is not a K-Means hyperparameter");
    refused(hp("k", "2", "feature_dim", "4", "epoch", "3"), "epoch=3 is not a K-Means hyperparameter", "epochs");
  }

  @Test
  void metricsAreWhatTheJobReports() {
    KMeansAlgorithm a = new KMeansAlgorithm();
    assertThat(a.metrics(hp("k", "2"), Set.of("train")).stream().map(MetricDescriptor::name))
        .containsExactly("train:msd");
    assertThat(a.metrics(hp("k", "2"), Set.of("train", "test")).stream().map(MetricDescriptor::name))
        .containsExactly("test:msd", "train:msd");
    assertThat(a.metrics(hp("eval_metrics", "[\"msd\",\"ssd\"]"), Set.of("train", "test")).stream()
        .map(MetricDescriptor::name)).containsExactly("test:msd", "test:ssd", "train:msd");
    assertThat(a.metrics(hp(), Set.of("train", "test"))).allSatisfy(m -> assertThat(m.maximize()).isFalse());
  }
}
