package io.kiln.algorithms.linear;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.runner.JobResult;
import io.kiln.record.TrainingJobStatus;
import io.kiln.testing.ReferencePython;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Linear Learner against scikit-learn on the shared data sets, through SageMaker requests for the
 * linear-learner image on 2 workers: every fifth row is the test channel, the rest train (split over
 * two objects); scikit-learn's LogisticRegression (C=1) or Ridge (alpha=1) is fitted on the same train
 * rows after the same standardisation (StandardScaler on train), in Debian's Python in the same test.
 * Kiln's test:* metrics (and the artifact's own predictions) may be no worse than scikit-learn's by
 * more than 1 point of accuracy or AUC, or 2 % of RMSE.
 */
@Tag("spark")
@Tag("s3")
@Tag("reference")
class LinearLearnerReferenceTest {

  @BeforeAll
  static void start() {
    ReferencePython.requireFrom("python3-sklearn python3-numpy", "sklearn", "numpy");
    LinearJobs.spark();
  }

  /** Train and test rows of a data set: every fifth row is a test row. */
  record Split(List<String> train, List<String> test) {
    static Split of(List<String> rows) {
      List<String> train = new ArrayList<>();
      List<String> test = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        (i % 5 == 4 ? test : train).add(rows.get(i));
      }
      return new Split(train, test);
    }

    Map<String, LinearJobs.Channel> upload(String prefix) {
      int half = train.size() / 2;
      LinearJobs.put(prefix + "/train/part-0.csv", train.subList(0, half));
      LinearJobs.put(prefix + "/train/part-1.csv", train.subList(half, train.size()));
      LinearJobs.put(prefix + "/test/part-0.csv", test);
      Map<String, LinearJobs.Channel> channels = new LinkedHashMap<>();
      channels.put("train", new LinearJobs.Channel("s3://" + LinearJobs.BUCKET + "/" + prefix + "/train/", "text/csv"));
      channels.put("test", new LinearJobs.Channel("s3://" + LinearJobs.BUCKET + "/" + prefix + "/test/", "text/csv"));
      return channels;
    }

    /**
     * scikit-learn's fit of {@link #sklearn(String)}, started now in Python beside the Kiln job the
     * test runs next (both mostly wait on I/O and process starts on a 2-core machine).
     */
    java.util.concurrent.CompletableFuture<JsonNode> sklearnAsync(String task) {
      return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return sklearn(task);
        } catch (Exception e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      });
    }

    JsonNode sklearn(String task) throws Exception {
      Path dir = TestSpark.tempDir("kiln-linear-ref-");
      Files.writeString(dir.resolve("train.csv"), String.join("\n", train) + "\n");
      Files.writeString(dir.resolve("test.csv"), String.join("\n", test) + "\n");
      return ReferencePython.call(LinearLearnerReferenceTest.class, "/reference/linear/sklearn_linear.py",
          Map.of("task", task, "train", dir.resolve("train.csv").toString(), "test",
              dir.resolve("test.csv").toString()));
    }
  }

  private static JobResult completed(String name, Map<String, String> hp, Map<String, LinearJobs.Channel> channels) {
    JobResult r = LinearJobs.run(name, hp, channels);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    return r;
  }

  @Test
  void binaryClassifierOnBreastCancerIsAsGoodAsScikitLearn() throws Exception {
    Split split = Split.of(SharedData.breastCancer());
    Map<String, String> hp = Map.of("predictor_type", "binary_classifier", "mini_batch_size", "32",
        "epochs", "30");
    java.util.concurrent.CompletableFuture<JsonNode> reference = split.sklearnAsync("binary");
    JobResult r = completed("ref-binary", hp, split.upload("bc"));
    Map<String, Double> kiln = LinearJobs.finalMetrics("ref-binary");
    JsonNode ref = reference.join();
    System.out.printf("Linear Learner breast_cancer: accuracy %.4f (sklearn %.4f), AUC %.4f (sklearn %.4f)%n",
        kiln.get("test:binary_classification_accuracy"), ref.get("accuracy").asDouble(),
        kiln.get("test:roc_auc_score"), ref.get("auc").asDouble());
    assertThat(kiln.get("test:binary_classification_accuracy")).isGreaterThanOrEqualTo(
        ref.get("accuracy").asDouble() - 0.01);
    assertThat(kiln.get("test:roc_auc_score")).isGreaterThanOrEqualTo(ref.get("auc").asDouble() - 0.01);
    // the artifact's own predictions give the same accuracy as the job's metric
    LinearLearnerModel model = LinearJobs.model(r);
    List<Map<String, Object>> predictions = model.predict(LinearJobs.features(split.test()));
    long correct = 0;
    for (int i = 0; i < predictions.size(); i++) {
      int label = (int) Double.parseDouble(split.test().get(i).split(",")[0]);
      assertThat(predictions.get(i)).containsOnlyKeys("score", "predicted_label");
      assertThat((Double) predictions.get(i).get("score")).isBetween(0.0, 1.0);
      if ((Integer) predictions.get(i).get("predicted_label") == label) {
        correct++;
      }
    }
    assertThat((double) correct / predictions.size())
        .isCloseTo(kiln.get("test:binary_classification_accuracy"), org.assertj.core.api.Assertions.within(1e-9));

    // kiln predict by job name (text/csv): per test row "score,predicted_label", the loader's numbers
    // exactly (Python's repr round-trips), and the job's test accuracy recomputed from the .out file
    LinearJobs.put("predict-in/bc/test.csv", LinearJobs.withoutLabels(split.test()));
    LinearJobs.kiln("predict", "ref-binary", "--input", "s3://" + LinearJobs.BUCKET + "/predict-in/bc/",
        "--output", "s3://" + LinearJobs.BUCKET + "/predict-out/bc/");
    List<String> out = LinearJobs.lines("s3://" + LinearJobs.BUCKET + "/predict-out/bc/test.csv.out");
    assertThat(out).hasSize(split.test().size());
    long correctOut = 0;
    for (int i = 0; i < out.size(); i++) {
      String[] cells = out.get(i).split(",");
      assertThat(cells).as("line %d: %s", i + 1, out.get(i)).hasSize(2);
      assertThat(Double.parseDouble(cells[0])).as("score, line %d", i + 1).isEqualTo(predictions.get(i).get("score"));
      assertThat(cells[1]).as("predicted_label, line %d", i + 1)
          .isEqualTo(predictions.get(i).get("predicted_label").toString());
      if (Integer.parseInt(cells[1]) == (int) Double.parseDouble(split.test().get(i).split(",")[0])) {
        correctOut++;
      }
    }
    assertThat((double) correctOut / out.size()).isCloseTo(kiln.get("test:binary_classification_accuracy"),
        org.assertj.core.api.Assertions.within(1e-9));
  }

  @Test
  void theSelectionCriterionSetsTheThresholdOnValidation() {
    // the test rows as the validation channel: the kept model's threshold is calibrated there, so its
    // validation recall meets target_recall; positive examples weigh negatives / positives
    Split split = Split.of(SharedData.breastCancer());
    Map<String, LinearJobs.Channel> channels = new LinkedHashMap<>(split.upload("bc-criteria"));
    channels.put("validation", channels.remove("test"));
    completed("ref-criteria", Map.of("predictor_type", "binary_classifier", "mini_batch_size", "32", "epochs", "10",
        "binary_classifier_model_selection_criteria", "precision_at_target_recall", "target_recall", "0.99",
        "positive_example_weight_mult", "balanced"), channels);
    Map<String, Double> kiln = LinearJobs.finalMetrics("ref-criteria");
    assertThat(kiln).containsOnlyKeys("validation:objective_loss", "validation:binary_classification_accuracy",
        "validation:binary_f_beta", "validation:precision", "validation:recall", "validation:roc_auc_score");
    assertThat(kiln.get("validation:recall")).isGreaterThanOrEqualTo(0.99);
    assertThat(LinearJobs.record("ref-criteria").kiln().metricHistory()).isNotEmpty()
        .allSatisfy(round -> assertThat(round.metrics()).containsKeys("validation:roc_auc_score",
            "train:objective_loss"));
  }

  @Test
  void regressorOnDiabetesIsAsGoodAsRidge() throws Exception {
    Split split = Split.of(SharedData.diabetes());
    Map<String, String> hp = Map.of("predictor_type", "regressor", "mini_batch_size", "32", "epochs", "40");
    java.util.concurrent.CompletableFuture<JsonNode> reference = split.sklearnAsync("regression");
    JobResult r = completed("ref-regressor", hp, split.upload("diabetes"));
    Map<String, Double> kiln = LinearJobs.finalMetrics("ref-regressor");
    JsonNode ref = reference.join();
    assertThat(kiln).containsOnlyKeys("test:objective_loss", "test:mse", "test:absolute_loss");
    assertThat(kiln.get("test:objective_loss")).as("squared_loss: the objective is the mse")
        .isCloseTo(kiln.get("test:mse"), org.assertj.core.api.Assertions.within(1e-6 * kiln.get("test:mse")));
    double rmse = Math.sqrt(kiln.get("test:mse"));
    System.out.printf("Linear Learner diabetes: RMSE %.4f (sklearn Ridge %.4f)%n", rmse, ref.get("rmse").asDouble());
    assertThat(rmse).isLessThanOrEqualTo(ref.get("rmse").asDouble() * 1.02);
    LinearLearnerModel model = LinearJobs.model(r);
    List<Map<String, Object>> predictions = model.predict(LinearJobs.features(split.test()));
    double se = 0;
    for (int i = 0; i < predictions.size(); i++) {
      assertThat(predictions.get(i)).containsOnlyKeys("score");
      double e = (Double) predictions.get(i).get("score") - Double.parseDouble(split.test().get(i).split(",")[0]);
      se += e * e;
    }
    assertThat(se / predictions.size()).isCloseTo(kiln.get("test:mse"),
        org.assertj.core.api.Assertions.within(kiln.get("test:mse") * 1e-4));
  }

  @Test
  void multiclassClassifierOnWineIsAsGoodAsScikitLearn() throws Exception {
    Split split = Split.of(SharedData.wine());
    Map<String, String> hp = Map.of("predictor_type", "multiclass_classifier", "num_classes", "3",
        "mini_batch_size", "16", "epochs", "30");
    java.util.concurrent.CompletableFuture<JsonNode> reference = split.sklearnAsync("multiclass");
    JobResult r = completed("ref-multiclass", hp, split.upload("wine"));
    Map<String, Double> kiln = LinearJobs.finalMetrics("ref-multiclass");
    assertThat(kiln).containsOnlyKeys("test:objective_loss", "test:multiclass_accuracy",
        "test:multiclass_top_k_accuracy", "test:dcg", "test:macro_f_beta", "test:macro_precision", "test:macro_recall");
    assertThat(kiln.get("test:multiclass_top_k_accuracy")).as("3 classes, top 3").isEqualTo(1.0);
    JsonNode ref = reference.join();
    System.out.printf("Linear Learner wine: accuracy %.4f (sklearn %.4f)%n", kiln.get("test:multiclass_accuracy"),
        ref.get("accuracy").asDouble());
    assertThat(kiln.get("test:multiclass_accuracy")).isGreaterThanOrEqualTo(ref.get("accuracy").asDouble() - 0.01);
    LinearLearnerModel model = LinearJobs.model(r);
    List<Map<String, Object>> predictions = model.predict(LinearJobs.features(split.test()));
    Map<String, Object> first = predictions.get(0);
    assertThat(first).containsOnlyKeys("score", "predicted_label");
    double[] p = (double[]) first.get("score");
    assertThat(p).hasSize(3);
    assertThat(p[0] + p[1] + p[2]).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9));

    // kiln predict --model (the model.tar.gz recognised as Linear Learner's by its file), JSON Lines:
    // SageMaker's {"score": [p0, p1, p2], "predicted_label": k} per row, the loader's numbers exactly,
    // and the job's test accuracy recomputed from the .out file
    LinearJobs.put("predict-in/wine/test.csv", LinearJobs.withoutLabels(split.test()));
    LinearJobs.kiln("predict", "--model", r.modelArtifacts(), "--input", "s3://" + LinearJobs.BUCKET
        + "/predict-in/wine/", "--output", "s3://" + LinearJobs.BUCKET + "/predict-out/wine/", "--accept",
        "application/jsonlines");
    List<String> out = LinearJobs.lines("s3://" + LinearJobs.BUCKET + "/predict-out/wine/test.csv.out");
    assertThat(out).hasSize(split.test().size());
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    long correct = 0;
    for (int i = 0; i < out.size(); i++) {
      JsonNode line = json.readTree(out.get(i));
      List<String> names = new ArrayList<>();
      line.fieldNames().forEachRemaining(names::add);
      assertThat(names).as("line %d", i + 1).containsExactly("score", "predicted_label");
      double[] expected = (double[]) predictions.get(i).get("score");
      assertThat(line.get("score")).hasSize(3);
      for (int k = 0; k < 3; k++) {
        assertThat(line.get("score").get(k).asDouble()).as("score[%d], line %d", k, i + 1).isEqualTo(expected[k]);
      }
      assertThat(line.get("predicted_label").isIntegralNumber()).isTrue();
      assertThat(line.get("predicted_label").asInt()).isEqualTo(predictions.get(i).get("predicted_label"));
      if (line.get("predicted_label").asInt() == (int) Double.parseDouble(split.test().get(i).split(",")[0])) {
        correct++;
      }
    }
    assertThat((double) correct / out.size()).isCloseTo(kiln.get("test:multiclass_accuracy"),
        org.assertj.core.api.Assertions.within(1e-9));
  }
}
