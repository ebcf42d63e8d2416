package io.kiln.algorithms.xgboost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.testing.SharedData;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import org.junit.jupiter.api.Test;

/**
 * The first n rounds of a model are the model n rounds of training make: training is deterministic
 * here (no sampling), so a booster trained 7 rounds predicts exactly as the first 7 rounds cut from
 * one trained 20, for one output (regression), several (multi-class), and dart's weighted trees.
 */
class ModelSlicerTest {

  static DMatrix iris() throws Exception {
    List<String> rows = SharedData.iris();
    float[] x = new float[rows.size() * 4];
    float[] y = new float[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      String[] c = rows.get(i).split(",");
      y[i] = Float.parseFloat(c[0]);
      for (int j = 0; j < 4; j++) {
        x[i * 4 + j] = Float.parseFloat(c[j + 1]);
      }
    }
    DMatrix m = new DMatrix(x, rows.size(), 4, Float.NaN);
    m.setLabel(y);
    return m;
  }

  static void sameAsTrainedShort(Map<String, Object> params) throws Exception {
    DMatrix data = iris();
    Map<String, Object> p = new HashMap<>(params);
    p.put("base_score", 0.5);
    p.put("max_depth", 2);
    p.put("nthread", 1);
    Booster full = XGBoost.train(data, p, 20, new HashMap<>(), null, null);
    Booster shortOne = XGBoost.train(data, p, 7, new HashMap<>(), null, null);
    Booster sliced = XGBoost.loadModel(ModelSlicer.firstRounds(full.toByteArray("json"), 7));
    assertThat(sliced.getNumBoostedRound()).isEqualTo(7);
    float[][] expected = shortOne.predict(data);
    float[][] actual = sliced.predict(data);
    assertThat(actual).isDeepEqualTo(expected);
    assertThat(full.predict(data)).isNotEqualTo(expected);
    for (Booster b : List.of(full, shortOne, sliced)) {
      b.dispose();
    }
    data.dispose();
  }

  @Test
  void theFirstRoundsOfAOneOutputModelAreTheShorterModel() throws Exception {
    sameAsTrainedShort(Map.of("objective", "reg:squarederror"));
  }

  @Test
  void theFirstRoundsOfAMultiClassModelKeepEveryClassTree() throws Exception {
    sameAsTrainedShort(Map.of("objective", "multi:softprob", "num_class", 3, "num_parallel_tree", 2));
  }

  @Test
  void theFirstRoundsOfADartModelKeepTheirWeights() throws Exception {
    sameAsTrainedShort(Map.of("objective", "multi:softprob", "num_class", 3, "booster", "dart", "rate_drop", 0.0));
  }

  @Test
  void aLinearModelHasNoRoundsToCut() throws Exception {
    DMatrix data = iris();
    Booster linear = XGBoost.train(data, new HashMap<>(Map.of("booster", "gblinear", "base_score", 0.5)), 3,
        new HashMap<>(), null, null);
    assertThatThrownBy(() -> ModelSlicer.firstRounds(linear.toByteArray("json"), 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gblinear booster has no rounds");
    linear.dispose();
    data.dispose();
  }
}
