package io.kiln.algorithms.fm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kiln.channel.RecordIoProtobuf;
import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import io.kiln.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Factorization Machines end to end through SageMaker requests for the factorization-machines image,
 * on the shared data sets with Linear Learner's reference split (every fifth row a test row) and
 * standardisation (StandardScaler on the train rows): the classifier beats the constant predictor
 * and comes within 2 points of Linear Learner's accuracy on the same channels (a linear-learner job
 * in the same test); the regressor beats the mean predictor's RMSE; sparse RecordIO-protobuf trains
 * the CSV's model; a bad label fails as a ClientError naming the object and line.
 */
@Tag("spark")
@Tag("s3")
class FactorizationMachinesTest {

  @BeforeAll
  static void start() {
    FmJobs.spark();
  }

  private static JobResult completed(String image, String name, Map<String, String> hp,
      Map<String, FmJobs.Channel> channels, int instances) {
    JobResult r = FmJobs.run(image, name, hp, channels, instances);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    return r;
  }

  @Test
  void binaryClassifierOnBreastCancerBeatsTheConstantAndMatchesLinearLearner() {
    FmJobs.Split split = FmJobs.Split.of(SharedData.breastCancer()).standardised();
    Map<String, FmJobs.Channel> channels = split.upload("bc");
    Map<String, String> hp = new LinkedHashMap<>(Map.of("predictor_type", "binary_classifier", "feature_dim", "30",
        "num_factors", "4", "epochs", "12", "mini_batch_size", "64", "linear_lr", "0.03", "factors_lr", "0.01"));
    JobResult r = completed(FmJobs.IMAGE, "fm-bc", hp, channels, 2);
    Map<String, Double> fm = FmJobs.finalMetrics("fm-bc");
    completed(FmJobs.LINEAR_IMAGE, "fm-bc-linear", Map.of("predictor_type", "binary_classifier",
        "mini_batch_size", "32", "epochs", "30"), channels, 2);
    double linear = FmJobs.finalMetrics("fm-bc-linear").get("test:binary_classification_accuracy");
    double[] labels = FmJobs.labels(split.test());
    double ones = java.util.Arrays.stream(labels).sum() / labels.length;
    double constant = Math.max(ones, 1 - ones);
    double accuracy = fm.get("test:binary_classification_accuracy");
    System.out.printf("Factorization Machines breast_cancer: accuracy %.4f, cross-entropy %.4f, F1 %.4f; "
        + "Linear Learner %.4f; constant %.4f%n", accuracy, fm.get("test:binary_classification_cross_entropy"),
        fm.get("test:binary_f_beta"), linear, constant);
    assertThat(fm).containsOnlyKeys("test:binary_classification_accuracy", "test:binary_classification_cross_entropy",
        "test:binary_f_beta");
    assertThat(accuracy).isGreaterThan(constant + 0.2).isGreaterThanOrEqualTo(linear - 0.02);
    assertThat(fm.get("test:binary_classification_cross_entropy")).isLessThan(0.3);

    // the artifact's own predictions give the job's test metrics
    FmModel model = FmJobs.model(r);
    assertThat(model.featureDim()).isEqualTo(30);
    assertThat(model.numFactors()).isEqualTo(4);
    List<Map<String, Object>> out = model.predict(FmJobs.features(split.test()));
    long correct = 0;
    double entropy = 0;
    for (int i = 0; i < out.size(); i++) {
      assertThat(out.get(i)).containsOnlyKeys("score", "predicted_label");
      double p = (Double) out.get(i).get("score");
      assertThat(p).isBetween(0.0, 1.0);
      entropy -= labels[i] == 1 ? Math.log(p) : Math.log(1 - p);
      if ((Integer) out.get(i).get("predicted_label") == (int) labels[i]) {
        correct++;
      }
    }
    assertThat((double) correct / out.size()).isCloseTo(accuracy, within(1e-9));
    assertThat(entropy / out.size()).isCloseTo(fm.get("test:binary_classification_cross_entropy"), within(1e-4));

    // kiln predict by job name (text/csv): per test row "score,predicted_label", the loader's numbers exactly
    FmJobs.put("predict-in/bc/test.csv", split.test().stream().map(l -> l.substring(l.indexOf(',') + 1)).toList());
    FmJobs.kiln("predict", "fm-bc", "--input", "s3://" + FmJobs.BUCKET + "/predict-in/bc/",
        "--output", "s3://" + FmJobs.BUCKET + "/predict-out/bc/");
    List<String> lines = FmJobs.lines("s3://" + FmJobs.BUCKET + "/predict-out/bc/test.csv.out");
    assertThat(lines).hasSize(out.size());
    for (int i = 0; i < lines.size(); i++) {
      String[] cells = lines.get(i).split(",");
      assertThat(cells).as("line %d: %s", i + 1, lines.get(i)).hasSize(2);
      assertThat(Double.parseDouble(cells[0])).as("score, line %d", i + 1).isEqualTo(out.get(i).get("score"));
      assertThat(cells[1]).as("predicted_label, line %d", i + 1).isEqualTo(out.get(i).get("predicted_label").toString());
    }
  }

  @Test
  void regressorOnDiabetesBeatsTheMeanPredictor() {
    FmJobs.Split split = FmJobs.Split.of(SharedData.diabetes()).standardised();
    JobResult r = completed(FmJobs.IMAGE, "fm-diabetes", Map.of("predictor_type", "regressor", "feature_dim", "10",
        "num_factors", "4", "epochs", "25", "mini_batch_size", "64", "bias_lr", "6", "linear_lr", "1",
        "factors_lr", "0.02"), split.upload("diabetes"), 2);
    double rmse = FmJobs.finalMetrics("fm-diabetes").get("test:rmse");
    double[] train = FmJobs.labels(split.train());
    double[] test = FmJobs.labels(split.test());
    double mean = java.util.Arrays.stream(train).average().orElseThrow();
    double se = 0;
    for (double y : test) {
      se += (y - mean) * (y - mean);
    }
    double meanRmse = Math.sqrt(se / test.length);
    System.out.printf("Factorization Machines diabetes: test RMSE %.3f; the train mean's %.3f%n", rmse, meanRmse);
    assertThat(rmse).isLessThan(0.85 * meanRmse);
    // the artifact's predictions give the job's RMSE
    List<Map<String, Object>> out = FmJobs.model(r).predict(FmJobs.features(split.test()));
    double own = 0;
    for (int i = 0; i < test.length; i++) {
      assertThat(out.get(i)).containsOnlyKeys("score");
      double e = (Double) out.get(i).get("score") - test[i];
      own += e * e;
    }
    assertThat(Math.sqrt(own / test.length)).isCloseTo(rmse, within(1e-3 * rmse));
  }

  /** Sparse RecordIO-protobuf records of CSV rows (label first), the zeros left out. */
  private static byte[] sparseRecordIo(List<String> rows) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(b)) {
      for (String row : rows) {
        String[] c = row.split(",");
        List<Integer> idx = new ArrayList<>();
        List<Float> values = new ArrayList<>();
        for (int j = 1; j < c.length; j++) {
          float x = Float.parseFloat(c[j]);
          if (x != 0) {
            idx.add(j - 1);
            values.add(x);
          }
        }
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = values.get(i);
        }
        w.sparse(c.length - 1, idx.stream().mapToInt(Integer::intValue).toArray(), v, Float.parseFloat(c[0]));
      }
    }
    return b.toByteArray();
  }

  private static FmModel train(String name, String key, byte[] bytes, String contentType) {
    String uri = FmJobs.put("formats/" + name + "/" + key, bytes);
    // one worker, so every format gives the rows in the same order
    JobResult r = completed(FmJobs.IMAGE, name, Map.of("predictor_type", "binary_classifier", "feature_dim", "30",
        "num_factors", "3", "epochs", "2", "mini_batch_size", "25", "linear_lr", "0.02", "factors_lr", "0.01"),
        Map.of("train", new FmJobs.Channel(FmJobs.prefix(uri), contentType)), 1);
    return FmJobs.model(r);
  }

  @Test
  void sparseRecordIoTrainsTheModelOfTheCsv() throws Exception {
    // standardised rows with every fourth value zeroed, so the sparse records leave a quarter out
    List<String> rows = new ArrayList<>();
    for (String row : FmJobs.Split.of(SharedData.breastCancer()).standardised().train().subList(0, 150)) {
      String[] c = row.split(",");
      for (int j = 1; j < c.length; j++) {
        if ((j + rows.size()) % 4 == 0) {
          c[j] = "0";
        }
      }
      rows.add(String.join(",", c));
    }
    FmModel csv = train("fmt-csv", "data.csv",
        (String.join("\n", rows) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8), "text/csv");
    // sparse records (the dense form goes through the same reader; Linear Learner's format test covers it)
    FmModel sparse = train("fmt-sparse", "data.rec", sparseRecordIo(rows), "application/x-recordio-protobuf");
    for (FmModel other : List.of(sparse)) {
      assertThat(other.featureDim()).isEqualTo(30);
      assertThat(other.bias()).isCloseTo(csv.bias(), within(1e-6));
      for (int j = 0; j < 30; j++) {
        assertThat(other.linear()[j]).as("w %d", j).isCloseTo(csv.linear()[j], within(1e-6));
      }
      for (int p = 0; p < csv.factors().length; p++) {
        assertThat(other.factors()[p]).as("v %d", p).isCloseTo(csv.factors()[p], within(1e-6));
      }
    }
    // and training moved the model away from its initialisation
    assertThat(Math.abs(csv.linear()[0])).isGreaterThan(0.03);
  }

  @Test
  void aBadLabelIsAClientErrorNamingTheObjectAndLine() {
    List<String> rows = new ArrayList<>(SharedData.breastCancer().subList(0, 40));
    rows.set(17, "2" + rows.get(17).substring(rows.get(17).indexOf(',')));
    String uri = FmJobs.put("bad/label/train/data.csv", rows);
    JobResult r = FmJobs.run(FmJobs.IMAGE, "fm-bad-label", Map.of("predictor_type", "binary_classifier",
        "feature_dim", "30", "num_factors", "2"), Map.of("train", new FmJobs.Channel(FmJobs.prefix(uri), "text/csv")), 2);
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).startsWith("ClientError: ").contains("data.csv line 18", "label 2.0 is not 0 or 1")
        .doesNotContain("\n\tat ");
  }
}
