package io.kiln.algorithms.kmeans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.algorithms.pca.PcaAlgorithm;
import io.kiln.algorithms.pca.PcaModel;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.Predictions;
import io.kiln.spi.Predictor;
import io.kiln.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The K-Means and PCA batch predictors through the SPI (no Spark): each algorithm recognises only its
 * own model directory, the predictor gives its loader's numbers under SageMaker's names, and refuses
 * a missing value (naming row and feature) and a directory without its model file as USER errors.
 */
class KMeansPcaPredictorTest {
  private static final float[] ROWS = {0f, 0f, 4f, 4f, 1f, 0.5f};

  private static Path dir(String prefix) {
    return TestSpark.tempDir(prefix);
  }

  @Test
  void kmeansPredictsTheLoadersClusterAndDistance() throws Exception {
    KMeansModel model = new KMeansModel(2, 2, new double[][] {{0, 0}, {4, 4}});
    Path d = dir("kiln-km-predictor-");
    model.write(d);
    KMeansAlgorithm a = new KMeansAlgorithm();
    assertThat(a.recognizes(d)).isTrue();
    assertThat(new PcaAlgorithm().recognizes(d)).isFalse();
    try (Predictor p = a.predictor(d)) {
      assertThat(p.featureCount()).hasValue(2);
      Predictions out = p.predict(ROWS, 3, 2);
      assertThat(out.outputs()).extracting(Predictions.Output::name).containsExactly("closest_cluster",
          "distance_to_cluster");
      List<Map<String, Object>> expected = model.predict(new float[][] {{0f, 0f}, {4f, 4f}, {1f, 0.5f}});
      for (int r = 0; r < 3; r++) {
        assertThat(((Predictions.Numbers) out.outputs().get(0)).values()[r])
            .isEqualTo((double) (Float) expected.get(r).get("closest_cluster"));
        assertThat(((Predictions.Numbers) out.outputs().get(1)).values()[r])
            .isEqualTo((double) (Float) expected.get(r).get("distance_to_cluster"));
      }
      assertThat(((Predictions.Numbers) out.outputs().get(0)).values()).containsExactly(0, 1, 0);
      assertThatThrownBy(() -> p.predict(new float[] {1f, Float.NaN}, 1, 2))
          .isInstanceOfSatisfying(KilnException.class, e -> {
            assertThat(e.type()).isEqualTo(ErrorType.USER);
            assertThat(e.getMessage()).contains("Row 0: feature 2 is missing");
          });
    }
  }

  @Test
  void pcaPredictsTheLoadersProjection() throws Exception {
    PcaModel model = new PcaModel(2, 1, true, "regular", 3, new double[] {1, 0.5}, new double[][] {{0.6}, {0.8}},
        new double[] {2}, new double[] {2});
    Path d = dir("kiln-pca-predictor-");
    model.write(d);
    PcaAlgorithm a = new PcaAlgorithm();
    assertThat(a.recognizes(d)).isTrue();
    assertThat(new KMeansAlgorithm().recognizes(d)).isFalse();
    try (Predictor p = a.predictor(d)) {
      assertThat(p.featureCount()).hasValue(2);
      Predictions out = p.predict(ROWS, 3, 2);
      assertThat(out.outputs()).hasSize(1);
      Predictions.Vectors v = (Predictions.Vectors) out.outputs().get(0);
      assertThat(v.name()).isEqualTo("projection");
      List<Map<String, Object>> expected = model.predict(new float[][] {{0f, 0f}, {4f, 4f}, {1f, 0.5f}});
      for (int r = 0; r < 3; r++) {
        assertThat(v.values()[r]).containsExactly((double) ((float[]) expected.get(r).get("projection"))[0]);
      }
      assertThat(v.values()[2][0]).isZero(); // the mean projects to 0
      assertThatThrownBy(() -> p.predict(new float[] {Float.NaN, 1f}, 1, 2))
          .isInstanceOfSatisfying(KilnException.class, e -> {
            assertThat(e.type()).isEqualTo(ErrorType.USER);
            assertThat(e.getMessage()).contains("Row 0: feature 1 is missing");
          });
    }
  }

  @Test
  void aDirectoryWithoutTheModelFileOrWithABrokenOneIsAUserError() throws Exception {
    Path empty = dir("kiln-unsupervised-empty-");
    assertThatThrownBy(() -> new KMeansAlgorithm().predictor(empty)).isInstanceOfSatisfying(KilnException.class,
        e -> {
          assertThat(e.type()).isEqualTo(ErrorType.USER);
          assertThat(e.getMessage()).contains("holds no kmeans-model.json");
        });
    assertThatThrownBy(() -> new PcaAlgorithm().predictor(empty)).isInstanceOfSatisfying(KilnException.class,
        e -> {
          assertThat(e.type()).isEqualTo(ErrorType.USER);
          assertThat(e.getMessage()).contains("holds no pca-model.json");
        });
    Path broken = dir("kiln-unsupervised-broken-");
    Files.writeString(broken.resolve(KMeansModel.FILE), "{\"format\": \"something-else\"}");
    assertThatThrownBy(() -> new KMeansAlgorithm().predictor(broken)).isInstanceOfSatisfying(KilnException.class,
        e -> {
          assertThat(e.type()).isEqualTo(ErrorType.USER);
          assertThat(e.getMessage()).contains("kmeans-model.json", "kiln-kmeans/1");
        });
  }
}
