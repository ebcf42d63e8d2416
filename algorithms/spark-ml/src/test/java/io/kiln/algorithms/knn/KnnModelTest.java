package io.kiln.algorithms.knn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kiln.spi.KilnException;
import io.kiln.spi.Predictions;
import io.kiln.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The k-NN loader and predictor without Spark: the vote's tie rule, the regressor's mean, each
 * metric's ranking against a direct computation, the files' round trip, the predictor giving the
 * loader's labels, and refusals of damaged model directories.
 */
class KnnModelTest {
  // four rows on a line, labels 0, 1, 1, 0
  private static final float[] ROWS = {0, 0, 1, 0, 2, 0, 10, 0};
  private static final float[] LABELS = {0, 1, 1, 0};

  private static KnnModel model(int k, String type, String metric) {
    return new KnnModel(k, type, "faiss.Flat", metric, 2, 2, ROWS.clone(), LABELS.clone());
  }

  @Test
  void theVoteGoesToTheMostFrequentLabelAndATieToTheSmallest() {
    assertThat(KnnModel.predict(new float[] {2, 1, 1}, true)).isEqualTo(1.0);
    assertThat(KnnModel.predict(new float[] {2, 1, 2, 1}, true)).isEqualTo(1.0);
    assertThat(KnnModel.predict(new float[] {3, 0}, true)).isEqualTo(0.0);
    assertThat(KnnModel.predict(new float[] {1, 2, 6}, false)).isCloseTo(3.0, within(1e-12));
  }

  @Test
  void l2RanksBySquaredDistanceAndEqualDistancesByIndexRow() {
    KnnModel m = model(2, "classifier", "L2");
    KnnModel.Neighbours n = m.search(new float[][] {{1, 0}, {1.5f, 0}}, 2);
    // from 1: row 1 (0), then rows 0 and 2 tie at 1: the lower row first
    assertThat(n.indices()[0]).containsExactly(1, 0);
    assertThat(n.distances()[0]).containsExactly(0.0, 1.0);
    assertThat(n.indices()[1]).containsExactly(1, 2);
    assertThat(n.distances()[1]).containsExactly(0.25, 0.25);
    assertThat(m.predict(new float[][] {{1, 0}})).containsExactly(Map.of("predicted_label", 0.0));
    assertThat(model(3, "regressor", "L2").predict(new float[][] {{9, 0}}).get(0).get("predicted_label"))
        .isEqualTo((1 + 1 + 0) / 3.0);
  }

  @Test
  void innerProductAndCosineRankByTheLargestSimilarity() {
    float[] rows = {1, 0, 0, 1, 3, 3, -1, 0};
    KnnModel ip = new KnnModel(2, "classifier", "faiss.Flat", "INNER_PRODUCT", 2, 2, rows, LABELS.clone());
    KnnModel.Neighbours n = ip.search(new float[][] {{1, 0.5f}}, 2);
    assertThat(n.indices()[0]).containsExactly(2, 0);
    assertThat(n.distances()[0]).containsExactly(4.5, 1.0);
    KnnModel cos = new KnnModel(2, "classifier", "faiss.Flat", "COSINE", 2, 2, rows, LABELS.clone());
    n = cos.search(new float[][] {{1, 0.1f}}, 2);
    assertThat(n.indices()[0]).containsExactly(0, 2);
    assertThat(n.distances()[0][0]).isCloseTo(1 / Math.sqrt(1.01), within(1e-8));
  }

  @Test
  void theFilesRoundTripAndThePredictorGivesTheLoadersLabels() throws Exception {
    Path dir = TestSpark.tempDir("kiln-knn-model-test-");
    model(3, "classifier", "L2").write(dir);
    assertThat(new KnnAlgorithm().recognizes(dir)).isTrue();
    KnnModel back = KnnModel.read(dir);
    assertThat(back.size()).isEqualTo(4);
    assertThat(back.row(3)).containsExactly(10, 0);
    float[] q = {0.2f, 0, 9, 0, 1.6f, 0};
    List<Map<String, Object>> expected = back.predict(new float[][] {{0.2f, 0}, {9, 0}, {1.6f, 0}});
    try (var p = new KnnAlgorithm().predictor(dir)) {
      assertThat(p.featureCount()).hasValue(2);
      Predictions out = p.predict(q, 3, 2);
      double[] labels = ((Predictions.Numbers) out.outputs().get(0)).values();
      assertThat(out.outputs().get(0).name()).isEqualTo("predicted_label");
      for (int i = 0; i < 3; i++) {
        assertThat(labels[i]).isEqualTo(expected.get(i).get("predicted_label"));
      }
      assertThatThrownBy(() -> p.predict(new float[] {Float.NaN, 0}, 1, 2)).isInstanceOf(KilnException.class)
          .hasMessageContaining("Row 0: feature 1 is missing");
    }
    // edited k and predictor_type change how predictions are computed, as SageMaker allows
    Files.writeString(dir.resolve(KnnModel.META), Files.readString(dir.resolve(KnnModel.META))
        .replace("\"classifier\"", "\"regressor\""));
    assertThat(KnnModel.read(dir).predict(new float[][] {{9, 0}}).get(0).get("predicted_label"))
        .isEqualTo(2 / 3.0);
  }

  @Test
  void damagedModelDirectoriesAreRefusedNamingTheFile() throws Exception {
    Path dir = TestSpark.tempDir("kiln-knn-model-bad-");
    assertThatThrownBy(() -> KnnModel.read(dir)).isInstanceOf(KilnException.class)
        .hasMessageContaining(KnnModel.META + " is missing");
    model(1, "classifier", "L2").write(dir);
    Files.write(dir.resolve(KnnModel.INDEX), new byte[12]);
    assertThatThrownBy(() -> KnnModel.read(dir)).isInstanceOf(KilnException.class)
        .hasMessageContaining(KnnModel.INDEX + " has 12 bytes");
    Files.delete(dir.resolve(KnnModel.LABELS));
    assertThatThrownBy(() -> KnnModel.read(dir)).isInstanceOf(KilnException.class)
        .hasMessageContaining(KnnModel.LABELS + " is missing");
  }

  @Test
  void theGraphRoundTripsAndAFileHoldingOtherClassesIsRefusedBeforeAnyIsMade() throws Exception {
    float[] rows = new float[40 * 3];
    java.util.Random random = new java.util.Random(5);
    for (int i = 0; i < rows.length; i++) {
      rows[i] = random.nextFloat();
    }
    for (String metric : List.of("L2", "INNER_PRODUCT", "COSINE")) {
      HnswGraph graph = HnswGraph.build(rows, 40, 3, metric);
      java.io.ByteArrayOutputStream saved = new java.io.ByteArrayOutputStream();
      graph.save(saved);
      HnswGraph back = HnswGraph.load(new java.io.ByteArrayInputStream(saved.toByteArray()), "graph");
      float[] query = {0.5f, 0.5f, 0.5f};
      assertThat(back.candidates(query, 5)).as(metric).containsExactly(graph.candidates(query, 5));
    }
    // any other serialised class (here a JDK collection; a gadget chain alike) is refused by name
    java.io.ByteArrayOutputStream other = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(other)) {
      out.writeObject(new java.util.HashMap<>(Map.of("a", 1)));
    }
    assertThatThrownBy(() -> HnswGraph.load(new java.io.ByteArrayInputStream(other.toByteArray()), "knn-graph.bin"))
        .isInstanceOf(KilnException.class).hasMessageContaining("knn-graph.bin").hasMessageContaining("REJECTED")
        .satisfies(e -> assertThat(((KilnException) e).type()).isEqualTo(io.kiln.spi.ErrorType.USER));
  }
}
