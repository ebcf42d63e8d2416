package io.kiln.algorithms.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kiln.testing.TestSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The pieces of Linear Learner that need no Spark: each loss's derivative, the checkpoint state's
 * round trip, the normalisation folded into the artifact's raw-feature weights, the model made from a
 * checkpoint alone, and the loader's refusals.
 */
class LinearLearnerModelTest {

  @Test
  void everyLossDerivativeIsItsSlope() {
    for (String name : List.of("logistic", "hinge_loss", "squared_loss", "absolute_loss",
        "eps_insensitive_squared_loss", "eps_insensitive_absolute_loss", "quantile_loss", "huber_loss")) {
      Loss loss = new Loss(name, 1.0, 0.7, 0.2, 0.3);
      for (double y : name.equals("logistic") || name.equals("hinge_loss") ? new double[] {0, 1}
          : new double[] {-1.3, 0.4, 2}) {
        for (double m = -3.05; m < 3; m += 0.37) {
          double h = 1e-6;
          double slope = (loss.value(m + h, y) - loss.value(m - h, y)) / (2 * h);
          assertThat(loss.derivative(m, y)).as("%s at m=%s, y=%s", name, m, y).isCloseTo(slope, within(1e-4));
        }
      }
    }
    assertThat(new Loss("logistic", 1, 1, 1, 0.5).value(800, 0)).isCloseTo(800, within(1e-9)); // no overflow
  }

  private static TrainingState state(String type, int outputs) {
    Random r = new Random(3);
    TrainingState s = new TrainingState(3, 4, outputs);
    s.predictorType = type;
    s.numClasses = type.equals(LinearLearnerHyperparameters.MULTICLASS) ? outputs : type.equals("regressor") ? 1 : 2;
    s.loss = type.equals("regressor") ? "squared_loss" : type.equals("binary_classifier") ? "logistic" : "softmax_loss";
    for (int j = 0; j < 4; j++) {
      s.shift[j] = r.nextGaussian() * 5;
      s.invScale[j] = 0.1 + r.nextDouble();
    }
    s.labelShift = 150;
    s.labelScale = 75;
    for (int m = 0; m < 3; m++) {
      for (int p = 0; p < s.params[m].length; p++) {
        s.params[m][p] = r.nextGaussian();
        s.moment1[m][p] = r.nextGaussian();
        s.moment2[m][p] = r.nextDouble();
      }
      s.lastLoss[m] = 3 - m * 0.5 + (m == 2 ? 2 : 0);
    }
    s.epoch = 7;
    s.step = 91;
    s.lrFactor = 0.93;
    s.bestLoss = 0.25;
    s.badEpochs = 1;
    return s;
  }

  @Test
  void theStateRoundTripsAndTheModelFoldsTheNormalisationIn() throws Exception {
    Path dir = TestSpark.tempDir("kiln-linear-state-");
    for (String type : List.of("binary_classifier", "regressor", "multiclass_classifier")) {
      int outputs = type.equals("multiclass_classifier") ? 3 : 1;
      TrainingState s = state(type, outputs);
      s.writer().write(dir);
      TrainingState back = TrainingState.read(dir);
      assertThat(back.toBytes()).isEqualTo(s.toBytes());
      assertThat(back.epoch).isEqualTo(7);
      // the artifact's raw-feature outputs equal the normalised-space outputs training computes
      LinearLearnerModel model = back.model(1, type, s.numClasses, s.loss, 0.5);
      float[] x = {1.5f, -2f, 0.25f, 10f};
      double[] out = model.outputs(x);
      for (int k = 0; k < outputs; k++) {
        int o = k * 5;
        double v = s.params[1][o + 4];
        for (int j = 0; j < 4; j++) {
          v += s.params[1][o + j] * (x[j] - s.shift[j]) * s.invScale[j];
        }
        if (type.equals("regressor")) {
          v = v * s.labelScale + s.labelShift;
        }
        assertThat(out[k]).isCloseTo(v, within(1e-9 * Math.max(1, Math.abs(v))));
      }
      // through JSON and back: the same predictions, SageMaker's fields
      LinearLearnerModel read = LinearLearnerModel.read(model.toJson());
      Map<String, Object> p = read.predict(new float[][] {x}).get(0);
      switch (type) {
        case "binary_classifier" -> {
          assertThat(p).containsOnlyKeys("score", "predicted_label");
          assertThat((Double) p.get("score")).isCloseTo(Loss.sigmoid(out[0]), within(1e-12));
        }
        case "regressor" -> assertThat(p).containsOnlyKeys("score");
        default -> {
          assertThat(p).containsOnlyKeys("score", "predicted_label");
          assertThat((double[]) p.get("score")).hasSize(3);
        }
      }
      // a model from the checkpoint alone: the lowest last-epoch loss (model 1 here)
      Path modelDir = Files.createDirectories(dir.resolve("model-" + type));
      assertThat(new LinearLearnerAlgorithm().modelFromCheckpoint(dir, modelDir)).isTrue();
      LinearLearnerModel fromCheckpoint = LinearLearnerModel.read(modelDir);
      assertThat(fromCheckpoint.outputs(x)).containsExactly(out, within(1e-12));
    }
    assertThat(new LinearLearnerAlgorithm().modelFromCheckpoint(Files.createDirectories(dir.resolve("empty")),
        dir)).isFalse();
  }

  @Test
  void theLoaderRefusesWhatIsNotItsModel() {
    assertThatThrownBy(() -> LinearLearnerModel.read("{\"format\": \"xgboost\"}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("format is not kiln-linear-learner/1");
    assertThatThrownBy(() -> LinearLearnerModel.read(("{\"format\": \"kiln-linear-learner/1\", \"feature_dim\": 2, "
        + "\"weights\": [[1, 2, 3]], \"bias\": [0]}").getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("weights[0] has 3 numbers, not feature_dim 2");
    LinearLearnerModel m = new LinearLearnerModel("regressor", 2, 1, "squared_loss", new double[][] {{1, 2}},
        new double[] {3}, 0.5);
    assertThat(m.predict(new float[][] {{1, 1}}).get(0).get("score")).isEqualTo(6.0);
    assertThatThrownBy(() -> m.predict(new float[][] {{1, 1, 1}})).hasMessage("a row of 3 features; the model takes 2");
  }

  @Test
  void thePredictorGivesTheLoadersNumbersAndRefusesMissingValuesAndOtherFiles() throws Exception {
    Path dir = TestSpark.tempDir("kiln-linear-predictor-");
    LinearLearnerAlgorithm algorithm = new LinearLearnerAlgorithm();
    assertThat(algorithm.recognizes(dir)).isFalse();
    assertThatThrownBy(() -> algorithm.predictor(dir)).isInstanceOfSatisfying(io.kiln.spi.KilnException.class,
        e -> {
          assertThat(e.type()).isEqualTo(io.kiln.spi.ErrorType.USER);
          assertThat(e.getMessage()).contains("holds no linear-learner-model.json");
        });
    Files.writeString(dir.resolve(LinearLearnerModel.FILE), "{\"format\": \"other\"}");
    assertThat(algorithm.recognizes(dir)).isTrue();
    assertThatThrownBy(() -> algorithm.predictor(dir)).isInstanceOfSatisfying(io.kiln.spi.KilnException.class,
        e -> assertThat(e.getMessage()).contains("linear-learner-model.json: Not a Linear Learner model document"));

    float[] rows = {1.5f, -2f, 0.25f, 3f};
    float[][] asRows = {{1.5f, -2f}, {0.25f, 3f}};
    LinearLearnerModel regressor = new LinearLearnerModel("regressor", 2, 1, "squared_loss",
        new double[][] {{0.5, -1}}, new double[] {0.1}, 0.5);
    LinearLearnerModel binary = new LinearLearnerModel("binary_classifier", 2, 2, "logistic",
        new double[][] {{0.5, -1}}, new double[] {0.1}, 0.3);
    LinearLearnerModel multiclass = new LinearLearnerModel("multiclass_classifier", 2, 3, "softmax_loss",
        new double[][] {{0.5, -1}, {0, 0.2}, {-1, 1}}, new double[] {0.1, 0, -0.3}, 0.5);
    for (LinearLearnerModel model : List.of(regressor, binary, multiclass)) {
      model.write(dir);
      List<Map<String, Object>> expected = model.predict(asRows);
      try (io.kiln.spi.Predictor p = algorithm.predictor(dir)) {
        assertThat(p.featureCount()).hasValue(2);
        io.kiln.spi.Predictions out = p.predict(rows, 2, 2);
        assertThat(out.outputs()).extracting(io.kiln.spi.Predictions.Output::name)
            .containsExactlyElementsOf(expected.get(0).keySet());
        for (int r = 0; r < 2; r++) {
          for (io.kiln.spi.Predictions.Output o : out.outputs()) {
            Object want = expected.get(r).get(o.name());
            Object got = o instanceof io.kiln.spi.Predictions.Numbers n ? (Object) n.values()[r]
                : o instanceof io.kiln.spi.Predictions.Integers i ? (Object) (int) i.values()[r]
                : ((io.kiln.spi.Predictions.Vectors) o).values()[r];
            assertThat(got).as("%s %s row %d", model.predictorType(), o.name(), r).isEqualTo(want);
          }
        }
        assertThatThrownBy(() -> p.predict(new float[] {1, 2, 3, Float.NaN}, 2, 2))
            .isInstanceOfSatisfying(io.kiln.spi.KilnException.class, e -> {
              assertThat(e.type()).isEqualTo(io.kiln.spi.ErrorType.USER);
              assertThat(e.getMessage()).startsWith("Row 1: feature 2 is missing; Linear Learner takes no missing");
            });
      }
    }
  }
}
