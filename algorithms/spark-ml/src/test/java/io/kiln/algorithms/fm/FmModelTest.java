package io.kiln.algorithms.fm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.LabeledData;
import io.kiln.spi.Predictions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model without Spark: Rendle's O(kn) output equals the pairwise sum it stands for; the worker's
 * gradient equals the loss's numeric derivative for every parameter (both predictor types, dense and
 * sparse rows); the JSON round trip, the checkpoint state's round trip and model, the predictor's
 * numbers and its refusals.
 */
class FmModelTest {
  private static final int D = 5;
  private static final int K = 3;

  private static FmModel randomModel(String type, long seed) {
    Random r = new Random(seed);
    double[] w = new double[D];
    double[] v = new double[D * K];
    for (int i = 0; i < D; i++) {
      w[i] = r.nextGaussian();
    }
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextGaussian() * 0.5;
    }
    return new FmModel(type, D, K, r.nextGaussian(), w, v);
  }

  @Test
  void theLinearTimeOutputIsThePairwiseSum() {
    FmModel m = randomModel(FmHyperparameters.REGRESSOR, 1);
    float[] x = {0.5f, -1.25f, 0f, 2f, 0.75f};
    double naive = m.bias();
    for (int i = 0; i < D; i++) {
      naive += m.linear()[i] * x[i];
      for (int j = i + 1; j < D; j++) {
        double dot = 0;
        for (int f = 0; f < K; f++) {
          dot += m.factors()[i * K + f] * m.factors()[j * K + f];
        }
        naive += dot * x[i] * x[j];
      }
    }
    assertThat(m.output(x)).isCloseTo(naive, within(1e-12));
    assertThatThrownBy(() -> m.output(new float[4])).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4 features; the model takes 5");
  }

  private static FmState state(String type) {
    FmModel m = randomModel(type, 7);
    FmState s = new FmState(type, D, K);
    s.params[0] = m.bias();
    System.arraycopy(m.linear(), 0, s.params, 1, D);
    System.arraycopy(m.factors(), 0, s.params, 1 + D, D * K);
    return s;
  }

  private static FmHyperparameters hp(String type) {
    return FmHyperparameters.parse(Map.of("predictor_type", type, "feature_dim", "" + D, "num_factors", "" + K));
  }

  @Test
  void theGradientIsTheLossDerivative() {
    float[] x = {0.5f, -1.25f, 0f, 2f, 0.75f};
    LabeledData dense = new LabeledData(1, D, new float[] {1}, null, x, null, null, null);
    LabeledData sparse = new LabeledData(1, D, new float[] {1}, null, null, new long[] {0, 4},
        new int[] {0, 1, 3, 4}, new float[] {0.5f, -1.25f, 2f, 0.75f});
    for (String type : List.of(FmHyperparameters.BINARY, FmHyperparameters.REGRESSOR)) {
      FmWorker worker = new FmWorker(hp(type), false);
      for (LabeledData data : List.of(dense, sparse)) {
        FmState s = state(type);
        float[] buffer = new float[s.size() + 3];
        worker.gradient(s, data, 0, buffer, new double[K]);
        for (int p = 0; p < s.size(); p++) {
          double keep = s.params[p];
          double h = 1e-6;
          s.params[p] = keep + h;
          double up = worker.loss(s.model().output(x), 1);
          s.params[p] = keep - h;
          double down = worker.loss(s.model().output(x), 1);
          s.params[p] = keep;
          assertThat((double) buffer[p]).as("%s %s parameter %d", type, data.isDense() ? "dense" : "sparse", p)
              .isCloseTo((up - down) / (2 * h), within(1e-4 * Math.max(1, Math.abs((up - down) / (2 * h)))));
        }
        assertThat(buffer[s.size()]).isCloseTo((float) worker.loss(s.model().output(x), 1), within(1e-5f));
      }
    }
  }

  @Test
  void jsonAndCheckpointRoundTrips(@TempDir Path dir) throws Exception {
    FmModel m = randomModel(FmHyperparameters.BINARY, 3);
    FmModel back = FmModel.read(m.toJson());
    float[] x = {1, 2, 3, 4, 5};
    assertThat(back.output(x)).isEqualTo(m.output(x));
    assertThat(back.predictorType()).isEqualTo(FmHyperparameters.BINARY);

    FmState s = state(FmHyperparameters.REGRESSOR);
    s.epoch = 3;
    s.step = 17;
    s.moment1[4] = 0.25;
    s.writer().write(dir);
    FmState read = FmState.read(dir);
    assertThat(read.epoch).isEqualTo(3);
    assertThat(read.step).isEqualTo(17);
    assertThat(read.moment1[4]).isEqualTo(0.25);
    assertThat(read.params).containsExactly(s.params);
    Path model = Files.createDirectories(dir.resolve("model"));
    assertThat(new FactorizationMachinesAlgorithm().modelFromCheckpoint(dir, model)).isTrue();
    assertThat(FmModel.read(Files.readAllBytes(model.resolve(FmModel.FILE))).output(x))
        .isEqualTo(s.model().output(x));
    assertThat(new FactorizationMachinesAlgorithm().modelFromCheckpoint(model, dir.resolve("x"))).isFalse();
  }

  @Test
  void thePredictorGivesTheLoadersNumbersAndRefusesMissingValuesAndOtherFiles(@TempDir Path dir) throws Exception {
    FactorizationMachinesAlgorithm fm = new FactorizationMachinesAlgorithm();
    for (String type : List.of(FmHyperparameters.BINARY, FmHyperparameters.REGRESSOR)) {
      Path m = Files.createDirectories(dir.resolve(type));
      FmModel model = randomModel(type, 11);
      Files.write(m.resolve(FmModel.FILE), model.toJson());
      assertThat(fm.recognizes(m)).isTrue();
      float[][] rows = {{1, 0, -1, 0.5f, 2}, {0, 0, 0, 0, 0}};
      List<Map<String, Object>> expected = model.predict(rows);
      try (var p = fm.predictor(m)) {
        assertThat(p.featureCount()).hasValue(D);
        float[] flat = new float[2 * D];
        System.arraycopy(rows[0], 0, flat, 0, D);
        System.arraycopy(rows[1], 0, flat, D, D);
        Predictions out = p.predict(flat, 2, D);
        Predictions.Numbers score = (Predictions.Numbers) out.outputs().get(0);
        assertThat(score.name()).isEqualTo("score");
        for (int r = 0; r < 2; r++) {
          assertThat(score.values()[r]).isEqualTo(expected.get(r).get("score"));
        }
        if (type.equals(FmHyperparameters.BINARY)) {
          Predictions.Integers label = (Predictions.Integers) out.outputs().get(1);
          assertThat(label.name()).isEqualTo("predicted_label");
          assertThat(label.values()[0]).isEqualTo(((Integer) expected.get(0).get("predicted_label")).longValue());
        } else {
          assertThat(out.outputs()).hasSize(1);
        }
        flat[3] = Float.NaN;
        assertThatThrownBy(() -> p.predict(flat, 2, D)).isInstanceOfSatisfying(KilnException.class,
            e -> assertThat(e.getMessage()).contains("Row 0: feature 4 is missing"));
      }
    }
    Path other = Files.createDirectories(dir.resolve("other"));
    assertThat(fm.recognizes(other)).isFalse();
    assertThatThrownBy(() -> fm.predictor(other)).isInstanceOfSatisfying(KilnException.class, e -> {
      assertThat(e.type()).isEqualTo(ErrorType.USER);
      assertThat(e.getMessage()).contains(FmModel.FILE);
    });
    Files.writeString(other.resolve(FmModel.FILE), "{\"format\":\"kiln-linear-learner/1\"}");
    assertThatThrownBy(() -> fm.predictor(other)).isInstanceOfSatisfying(KilnException.class,
        e -> assertThat(e.getMessage()).contains("format is not kiln-factorization-machines/1"));
  }
}
