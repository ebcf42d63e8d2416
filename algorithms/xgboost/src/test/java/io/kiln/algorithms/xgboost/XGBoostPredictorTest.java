package io.kiln.algorithms.xgboost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.Predictions;
import io.kiln.spi.Predictor;
import io.kiln.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The XGBoost predictor without Spark: which model directories it recognises and refuses, and its
 * outputs' shapes. (Its scores against native XGBoost: XGBoostReferenceTest's kiln predict test.)
 */
class XGBoostPredictorTest {
  final XGBoostAlgorithm xgboost = new XGBoostAlgorithm();

  @Test
  void modelsOfOtherFormatsAreRefusedWithTheConversion() throws Exception {
    Path binary = TestSpark.tempDir("kiln-xgb-binf-");
    Files.write(binary.resolve("xgboost-model"), new byte[] {'b', 'i', 'n', 'f', 0, 0, 0, 0x3f});
    assertThat(xgboost.recognizes(binary)).isTrue();
    assertThatThrownBy(() -> xgboost.predictor(binary)).isInstanceOf(KilnException.class)
        .hasMessageStartingWith("xgboost-model is in XGBoost's old binary format (as SageMaker's XGBoost 1.x "
            + "containers save it), which XGBoost 3 cannot load; convert it with native XGBoost")
        .satisfies(e -> assertThat(((KilnException) e).type()).isEqualTo(ErrorType.USER));
    Path pickle = TestSpark.tempDir("kiln-xgb-pickle-");
    Files.write(pickle.resolve("xgboost-model"), new byte[] {(byte) 0x80, 4, (byte) 0x95});
    assertThatThrownBy(() -> xgboost.predictor(pickle)).hasMessageStartingWith("xgboost-model is a Python pickle");
    Path garbage = TestSpark.tempDir("kiln-xgb-garbage-");
    Files.writeString(garbage.resolve("xgboost-model"), "{not json");
    assertThatThrownBy(() -> xgboost.predictor(garbage)).isInstanceOf(KilnException.class)
        .hasMessageStartingWith("XGBoost cannot load xgboost-model: ")
        .hasMessageNotContaining("Stack trace");
    Path empty = TestSpark.tempDir("kiln-xgb-none-");
    assertThat(xgboost.recognizes(empty)).isFalse();
    assertThatThrownBy(() -> xgboost.predictor(empty)).hasMessageStartingWith("The model directory holds no "
        + "xgboost-model file");
  }

  @Test
  void scoresAreANumberPerRowOrAProbabilityVectorForSoftprob() throws Exception {
    float[] x = {0, 1, 1, 0, 0, 0, 1, 1, 0.5f, Float.NaN};
    float[] y = {0, 1, 2, 0, 1};
    Path dir = TestSpark.tempDir("kiln-xgb-pred-");
    ml.dmlc.xgboost4j.java.DMatrix train = new ml.dmlc.xgboost4j.java.DMatrix(x, 5, 2, Float.NaN);
    train.setLabel(y);
    ml.dmlc.xgboost4j.java.Booster b = ml.dmlc.xgboost4j.java.XGBoost.train(train, java.util.Map.of("objective",
        "multi:softprob", "num_class", 3, "base_score", 0.5), 2, java.util.Map.of(), null, null);
    Files.write(dir.resolve("xgboost-model"), b.toByteArray("json"));
    float[][] expected = b.predict(new ml.dmlc.xgboost4j.java.DMatrix(x, 5, 2, Float.NaN));
    b.dispose();
    try (Predictor p = xgboost.predictor(dir)) {
      assertThat(p.featureCount()).hasValue(2);
      Predictions out = p.predict(x, 5, 2);
      assertThat(out.outputs()).hasSize(1);
      Predictions.Vectors score = (Predictions.Vectors) out.outputs().get(0);
      assertThat(score.name()).isEqualTo("score");
      for (int r = 0; r < 5; r++) {
        assertThat(score.values()[r]).hasSize(3);
        for (int k = 0; k < 3; k++) {
          assertThat(score.values()[r][k]).isEqualTo((double) expected[r][k]);
        }
      }
    }
  }
}
