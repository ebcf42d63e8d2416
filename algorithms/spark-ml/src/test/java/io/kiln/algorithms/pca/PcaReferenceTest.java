package io.kiln.algorithms.pca;

import static io.kiln.algorithms.pca.SageMakerJobs.hp;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.record.JobRecord;
import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import io.kiln.testing.ReferencePython;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * PCA trained through SageMaker CreateTrainingJob requests (image {@code pca}, 2 workers, the S3
 * server) against scikit-learn's PCA (Debian's, at /usr/bin/python3; svd_solver="full") on the
 * same rows: regular mode's explained variance to 1e-6 relative and its components equal up to
 * sign; with subtract_mean=false, numpy's SVD of the uncentred rows (singular values to 1e-6 relative);
 * randomized mode within the tolerance docs/built-ins.md states; RecordIO-protobuf (dense and
 * sparse) trains the same model as the CSV of the same rows.
 */
@Tag("spark")
@Tag("s3")
@Tag("reference")
class PcaReferenceTest {
  static final String IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/pca:1";
  static SageMakerJobs jobs;
  /** Randomized mode's documented tolerance (docs/built-ins.md): explained variance, relative. */
  static final double RANDOMIZED_VARIANCE_TOLERANCE = 0.02;
  /** And the least |cosine| between a component and scikit-learn's. */
  static final double RANDOMIZED_MIN_COSINE = 0.99;

  @BeforeAll
  static void start() {
    ReferencePython.require("sklearn", "numpy");
    jobs = SageMakerJobs.get();
  }

  /** scikit-learn's PCA of the features of label-first {@code lines}. */
  static JsonNode sklearn(List<String> lines, int k) throws Exception {
    Path dir = TestSpark.tempDir("kiln-pca-ref-");
    Path data = dir.resolve("x.csv");
    List<String> features = new ArrayList<>();
    for (String line : lines) {
      features.add(line.substring(line.indexOf(',') + 1));
    }
    Files.write(data, features);
    return ReferencePython.call(PcaReferenceTest.class, "/reference/unsupervised_reference.py",
        Map.of("op", "pca", "data", data.toString(), "k", k));
  }

  PcaModel train(String name, Map<String, String> hyperparameters, Map<String, SageMakerJobs.Channel> channels)
      throws Exception {
    JobResult r = jobs.run(name, IMAGE, hyperparameters, channels);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    Map<String, byte[]> files = jobs.model(r);
    assertThat(files).containsOnlyKeys(PcaModel.FILE);
    return PcaModel.read(files.get(PcaModel.FILE));
  }

  /** Kiln's model against scikit-learn's: variances to {@code tolerance} relative, components to it up to sign. */
  static void assertMatches(PcaModel model, JsonNode ref, int k, double tolerance, double componentTolerance) {
    int d = model.featureDim();
    for (int j = 0; j < k; j++) {
      int col = k - 1 - j; // Kiln (as SageMaker) keeps the largest last
      double expected = ref.get("explained_variance").get(j).asDouble();
      assertThat(model.explainedVariance()[col]).as("explained variance of component %d", j)
          .isCloseTo(expected, org.assertj.core.data.Offset.offset(Math.abs(expected) * tolerance));
      double dot = 0;
      for (int i = 0; i < d; i++) {
        dot += model.v()[i][col] * ref.get("components").get(j).get(i).asDouble();
      }
      double sign = Math.signum(dot);
      for (int i = 0; i < d; i++) {
        assertThat(sign * model.v()[i][col]).as("component %d feature %d", j, i)
            .isCloseTo(ref.get("components").get(j).get(i).asDouble(),
                org.assertj.core.data.Offset.offset(componentTolerance));
      }
    }
    for (int i = 0; i < d; i++) {
      assertThat(model.mean()[i]).isCloseTo(ref.get("mean").get(i).asDouble(),
          org.assertj.core.data.Offset.offset(1e-9 * (1 + Math.abs(model.mean()[i]))));
    }
  }

  @Test
  void regularModeMatchesScikitLearnOnDigitsAndWine() throws Exception {
    List<String> digits = SharedData.digits();
    JsonNode ref = sklearn(digits, 10);
    // plain text/csv: the label column first, ignored (SageMaker's label_size=1 default)
    PcaModel model = train("pca-digits", hp("feature_dim", "64", "num_components", "10", "mini_batch_size", "500"),
        Map.of("train", SageMakerJobs.csv("text/csv", digits)));
    assertThat(model.rows()).isEqualTo(digits.size());
    assertMatches(model, ref, 10, 1e-6, 1e-6);
    JobRecord record = jobs.runner.store().load("pca-digits").orElseThrow();
    assertThat(record.finalMetricDataList()).anySatisfy(m ->
        assertThat(m.metricName()).isEqualTo("train:explained_variance_ratio"));

    List<String> wine = SharedData.wine();
    PcaModel w = train("pca-wine", hp("feature_dim", "13", "num_components", "5", "mini_batch_size", "40",
        "algorithm_mode", "regular", "subtract_mean", "True"), Map.of("train", SageMakerJobs.csv("text/csv", wine)));
    assertMatches(w, sklearn(wine, 5), 5, 1e-6, 1e-6);
    // SageMaker's inference: projection = (x - mean) . v, the largest component last
    float[] x = SageMakerJobs.features(wine.get(0));
    float[] p = (float[]) w.predict(new float[][] {x}).get(0).get("projection");
    assertThat(p).hasSize(5);
    double first = 0;
    for (int i = 0; i < 13; i++) {
      first += (x[i] - w.mean()[i]) * w.v()[i][4];
    }
    assertThat((double) p[4]).isCloseTo(first, org.assertj.core.data.Offset.offset(1e-3 * (1 + Math.abs(first))));
  }

  @Test
  void withoutSubtractMeanTheComponentsAreTheUncentredRowsSingularVectors() throws Exception {
    List<String> wine = SharedData.wine();
    PcaModel model = train("pca-wine-uncentred", hp("feature_dim", "13", "num_components", "3", "mini_batch_size",
        "100", "subtract_mean", "false"), Map.of("train", SageMakerJobs.csv("text/csv", wine)));
    Path data = TestSpark.tempDir("kiln-pca-svd-").resolve("x.csv");
    Files.write(data, wine.stream().map(l -> l.substring(l.indexOf(',') + 1)).toList());
    JsonNode ref = ReferencePython.call(PcaReferenceTest.class, "/reference/unsupervised_reference.py",
        Map.of("op", "svd", "data", data.toString(), "k", 3));
    assertThat(model.mean()).containsOnly(0.0);
    for (int j = 0; j < 3; j++) {
      int col = 2 - j;
      double expected = ref.get("singular_values").get(j).asDouble();
      assertThat(model.s()[col]).isCloseTo(expected, org.assertj.core.data.Offset.offset(expected * 1e-6));
      double dot = 0;
      for (int i = 0; i < 13; i++) {
        dot += model.v()[i][col] * ref.get("components").get(j).get(i).asDouble();
      }
      assertThat(Math.abs(dot)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
    }
  }

  @Test
  void randomizedModeIsWithinItsDocumentedTolerance() throws Exception {
    List<String> digits = SharedData.digits();
    PcaModel model = train("pca-digits-randomized", hp("feature_dim", "64", "num_components", "10",
        "mini_batch_size", "500", "algorithm_mode", "randomized"), Map.of("train", SageMakerJobs.csv("text/csv",
        digits)));
    JsonNode ref = sklearn(digits, 10);
    // docs/built-ins.md states the tolerance measured here (default extra_components: a sketch of 20 columns)
    double worstVariance = 0;
    double worstCosine = 1;
    for (int j = 0; j < 10; j++) {
      int col = 9 - j;
      double expected = ref.get("explained_variance").get(j).asDouble();
      worstVariance = Math.max(worstVariance, Math.abs(model.explainedVariance()[col] - expected) / expected);
      double dot = 0;
      for (int i = 0; i < 64; i++) {
        dot += model.v()[i][col] * ref.get("components").get(j).get(i).asDouble();
      }
      worstCosine = Math.min(worstCosine, Math.abs(dot));
    }
    System.out.printf("randomized PCA on digits, k=10: worst relative variance error %.3g, worst |cos| %.6f%n",
        worstVariance, worstCosine);
    assertThat(worstVariance).isLessThan(RANDOMIZED_VARIANCE_TOLERANCE);
    assertThat(worstCosine).isGreaterThan(RANDOMIZED_MIN_COSINE);
  }

  @Test
  void recordIoDenseAndSparseTrainTheModelTheCsvOfTheSameRowsTrains() throws Exception {
    List<String> wine = SharedData.wine();
    Map<String, String> hp = hp("feature_dim", "13", "num_components", "4", "mini_batch_size", "50");
    PcaModel fromCsv = train("pca-wine-csv0", hp, Map.of("train", SageMakerJobs.csv("text/csv;label_size=0",
        wine.stream().map(l -> l.substring(l.indexOf(',') + 1)).toList())));
    PcaModel dense = train("pca-wine-rec", hp, Map.of("train", SageMakerJobs.recordIo(wine, false)));
    PcaModel sparse = train("pca-wine-rec-sparse", hp, Map.of("train", SageMakerJobs.recordIo(wine, true)));
    for (PcaModel m : List.of(dense, sparse)) {
      assertThat(m.mean()).containsExactly(fromCsv.mean());
      assertThat(m.s()).containsExactly(fromCsv.s());
      for (int i = 0; i < 13; i++) {
        assertThat(m.v()[i]).containsExactly(fromCsv.v()[i]);
      }
    }
  }
}
