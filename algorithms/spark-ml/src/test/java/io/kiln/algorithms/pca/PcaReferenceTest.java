package io.kiln.algorithms.pca;

import static io.kiln.algorithms.pca.SageMakerJobs.hp;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.record.JobRecord;
import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import io.kiln.testing.ReferencePython;
import io.kiln.testing.SharedData;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * PCA trained through SageMaker CreateTrainingJob requests (image {@code pca}, 2 workers, the S3
 * server) against scikit-learn's PCA (Debian's, at /usr/bin/python3; svd_solver="full") on the
 * same rows: regular mode's explained variance to 1e-6 relative and its components equal up to
 * sign; with subtract_mean=false, numpy's SVD of the uncentred rows (singular values to 1e-6 relative);
 * randomized mode within the tolerance docs/built-ins.md states; RecordIO-protobuf (dense and
 * sparse) reads the rows the CSV of the same rows gives; {@code kiln predict} writes the loader's
 * projections. scikit-learn runs in one Python process beside the Kiln jobs.
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

  /**
   * scikit-learn's answers, computed in one Python process beside the Kiln jobs: PCA of digits (k=10),
   * PCA of wine (k=5), numpy's SVD of the uncentred wine rows (k=3).
   */
  static CompletableFuture<List<JsonNode>> reference;
  /** The pca-wine job's model, trained once by whichever test needs it first. */
  static PcaModel wineModel;

  @BeforeAll
  static void start() {
    ReferencePython.require("sklearn", "numpy");
    String digits = SageMakerJobs.tempCsv(withoutLabels(SharedData.digits()));
    String wine = SageMakerJobs.tempCsv(withoutLabels(SharedData.wine()));
    reference = SageMakerJobs.reference(List.of(Map.of("op", "pca", "data", digits, "k", 10),
        Map.of("op", "pca", "data", wine, "k", 5), Map.of("op", "svd", "data", wine, "k", 3)));
    jobs = SageMakerJobs.get();
  }

  static List<String> withoutLabels(List<String> lines) {
    return lines.stream().map(l -> l.substring(l.indexOf(',') + 1)).toList();
  }

  static JsonNode sklearnDigits() {
    return reference.join().get(0);
  }

  /** The hyperparameters of the pca-wine job (and of the RecordIO job beside it). */
  static Map<String, String> wineHyperparameters() {
    return hp("feature_dim", "13", "num_components", "5", "mini_batch_size", "40", "algorithm_mode", "regular",
        "subtract_mean", "True");
  }

  /** Job pca-wine: every wine row, plain (labelled) text/csv, as the train and the test channel. */
  synchronized PcaModel wine() throws Exception {
    if (wineModel == null) {
      SageMakerJobs.Channel csv = SageMakerJobs.csv("text/csv", SharedData.wine());
      wineModel = train("pca-wine", wineHyperparameters(), Map.of("train", csv, "test", csv));
    }
    return wineModel;
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
    // plain text/csv: the label column first, ignored (SageMaker's label_size=1 default)
    PcaModel model = train("pca-digits", hp("feature_dim", "64", "num_components", "10", "mini_batch_size", "500"),
        Map.of("train", SageMakerJobs.csv("text/csv", digits)));
    assertThat(model.rows()).isEqualTo(digits.size());
    assertMatches(model, sklearnDigits(), 10, 1e-6, 1e-6);
    JobRecord record = jobs.runner.store().load("pca-digits").orElseThrow();
    assertThat(record.finalMetricDataList()).anySatisfy(m ->
        assertThat(m.metricName()).isEqualTo("train:explained_variance_ratio"));

    List<String> wine = SharedData.wine();
    PcaModel w = wine();
    assertMatches(w, reference.join().get(1), 5, 1e-6, 1e-6);
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
    JsonNode ref = reference.join().get(2);
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
    JsonNode ref = sklearnDigits();
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
  void recordIoDenseAndSparseReadTheRowsTheCsvOfTheSameRowsGives() throws Exception {
    // one job: the pca-wine job's rows and hyperparameters, train as dense records, test as sparse ones
    // (zeros left out): the CSV job's model to the bit, and its test metric
    List<String> wine = SharedData.wine();
    PcaModel fromCsv = wine();
    PcaModel m = train("pca-wine-rec", wineHyperparameters(), Map.of("train", SageMakerJobs.recordIo(wine, false),
        "test", SageMakerJobs.recordIo(wine, true)));
    assertThat(m.mean()).containsExactly(fromCsv.mean());
    assertThat(m.s()).containsExactly(fromCsv.s());
    for (int i = 0; i < 13; i++) {
      assertThat(m.v()[i]).containsExactly(fromCsv.v()[i]);
    }
    // the test channel's sparse records give the CSV test channel's metric (exact sums: the same bits)
    Map<String, Double> fromRec = jobs.finalMetrics("pca-wine-rec");
    Map<String, Double> fromCsvJob = jobs.finalMetrics("pca-wine");
    assertThat(fromRec).containsOnlyKeys("train:explained_variance_ratio", "test:explained_variance_ratio");
    fromRec.forEach((metric, value) -> assertThat(value).as(metric).isEqualTo(fromCsvJob.get(metric)));
  }

  @Test
  void kilnPredictOfTheWineModelWritesTheLoadersProjections() throws Exception {
    // --model of the pca-wine job's model.tar.gz (recognised by pca-model.json), JSON Lines: per line
    // {"projection": [...]}, SageMaker's JSONLINES response, the loader's float32 values exactly
    PcaModel model = wine();
    List<String> rows = withoutLabels(SharedData.wine());
    jobs.put("pca-predict-in/wine.csv", rows);
    String artifact = "s3://" + jobs.bucket + "/output/pca-wine/output/model.tar.gz";
    jobs.kiln("predict", "--model", artifact, "--input", "s3://" + jobs.bucket + "/pca-predict-in/",
        "--output", "s3://" + jobs.bucket + "/pca-predict-out/", "--accept", "application/jsonlines");
    List<String> out = jobs.lines("s3://" + jobs.bucket + "/pca-predict-out/wine.csv.out");
    float[][] x = new float[rows.size()][];
    for (int i = 0; i < rows.size(); i++) {
      x[i] = SageMakerJobs.features("0," + rows.get(i));
    }
    List<Map<String, Object>> expected = model.predict(x);
    assertThat(out).hasSize(expected.size());
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    for (int i = 0; i < out.size(); i++) {
      JsonNode line = json.readTree(out.get(i));
      assertThat(line.size()).as("line %d: %s", i + 1, out.get(i)).isEqualTo(1);
      float[] p = (float[]) expected.get(i).get("projection");
      JsonNode got = line.get("projection");
      assertThat(got.size()).as("line %d", i + 1).isEqualTo(5);
      for (int j = 0; j < 5; j++) {
        assertThat(got.get(j).asDouble()).as("projection[%d], line %d", j, i + 1).isEqualTo((double) p[j]);
      }
    }
  }
}
