package io.kiln.algorithms.knn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import io.kiln.testing.ReferencePython;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Exact k-NN against scikit-learn (Debian's python3-sklearn, in the same test) on the shared data
 * sets, through SageMaker requests for the knn image on 2 workers: every fifth row is the test channel,
 * the rest train (two objects, one per worker), sample_size at least the train rows so the index is
 * the whole train set in order. Checked: the job's test metric equals scikit-learn's
 * KNeighborsClassifier / KNeighborsRegressor's (algorithm=brute) on the same split; through the loader,
 * each test row's neighbours and distances are NearestNeighbors' (the neighbours nearer than the k-th
 * distance the same set, the rest at the k-th distance), and the predicted labels are scikit-learn's
 * wherever the k-th distance is not tied; for the regressor, {@code kiln predict} of the job writes the
 * loader's predicted_label for every test row. An approximate index's recall and a dimension
 * reduction's accuracy are measured on digits.
 */
@Tag("spark")
@Tag("s3")
@Tag("reference")
class KnnReferenceTest {

  private static final Map<String, Case> CASES = Map.of(
      "knn-iris", new Case(SharedData.iris(), "classifier", 5),
      "knn-digits", new Case(SharedData.digits(), "classifier", 3),
      "knn-diabetes", new Case(SharedData.diabetes(), "regressor", 7));
  /** scikit-learn's answers by case, from one Python run. */
  private static JsonNode reference;

  /** A data set, its task and k. */
  record Case(List<String> rows, String task, int k) {}

  @BeforeAll
  static void start() throws Exception {
    ReferencePython.requireFrom("python3-sklearn python3-numpy", "sklearn", "numpy");
    Path dir = TestSpark.tempDir("kiln-knn-ref-");
    Map<String, Object> cases = new LinkedHashMap<>();
    for (Map.Entry<String, Case> e : CASES.entrySet()) {
      Split split = Split.of(e.getValue().rows());
      Path train = dir.resolve(e.getKey() + "-train.csv");
      Path test = dir.resolve(e.getKey() + "-test.csv");
      Files.writeString(train, String.join("\n", split.train) + "\n");
      Files.writeString(test, String.join("\n", split.test) + "\n");
      cases.put(e.getKey(), Map.of("task", e.getValue().task(), "k", e.getValue().k(), "train", train.toString(),
          "test", test.toString()));
    }
    reference = ReferencePython.call(KnnReferenceTest.class, "/reference/knn/sklearn_knn.py", Map.of("cases", cases));
    KnnJobs.spark();
  }

  /** Train and test rows: every fifth row is a test row. */
  record Split(List<String> train, List<String> test) {
    static Split of(List<String> rows) {
      List<String> train = new ArrayList<>();
      List<String> test = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        (i % 5 == 4 ? test : train).add(rows.get(i));
      }
      return new Split(train, test);
    }

    Map<String, KnnJobs.Channel> upload(String prefix) {
      int half = train.size() / 2;
      KnnJobs.put(prefix + "/train/part-0.csv", train.subList(0, half));
      KnnJobs.put(prefix + "/train/part-1.csv", train.subList(half, train.size()));
      KnnJobs.put(prefix + "/test/part-0.csv", test);
      Map<String, KnnJobs.Channel> channels = new LinkedHashMap<>();
      channels.put("train", new KnnJobs.Channel(KnnJobs.prefix(prefix + "/train"), "text/csv"));
      channels.put("test", new KnnJobs.Channel(KnnJobs.prefix(prefix + "/test"), "text/csv"));
      return channels;
    }

  }

  private static KnnModel trainAndCompare(String name) {
    List<String> rows = CASES.get(name).rows();
    String task = CASES.get(name).task();
    int k = CASES.get(name).k();
    Split split = Split.of(rows);
    int d = KnnJobs.features(rows.subList(0, 1))[0].length;
    JobResult r = KnnJobs.run(name, Map.of("predictor_type", task, "k", Integer.toString(k), "feature_dim",
        Integer.toString(d), "sample_size", Integer.toString(split.train.size() + 7), "mini_batch_size", "100"),
        split.upload("ref/" + name), 2);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    JsonNode ref = reference.get(name);
    String metric = task.equals("classifier") ? "test:accuracy" : "test:mse";
    assertThat(KnnJobs.finalMetrics(name)).containsOnlyKeys(metric);
    assertThat(KnnJobs.finalMetrics(name).get(metric)).as("%s against scikit-learn", metric)
        .isCloseTo(ref.get("metric").asDouble(), within(1e-9 * Math.max(1, ref.get("metric").asDouble())));

    // the index is the train rows, in order, so its row numbers are scikit-learn's
    KnnModel model = KnnJobs.model(r);
    float[][] x = KnnJobs.features(split.train);
    float[] y = KnnJobs.labels(split.train);
    assertThat(model.size()).isEqualTo(x.length);
    for (int i = 0; i < x.length; i++) {
      assertThat(model.row(i)).as("index row %d", i).containsExactly(x[i]);
      assertThat(model.label(i)).isEqualTo(y[i]);
    }
    float[][] q = KnnJobs.features(split.test);
    KnnModel.Neighbours mine = model.search(q, k);
    List<Map<String, Object>> predicted = model.predict(q);
    int ties = 0;
    for (int t = 0; t < q.length; t++) {
      JsonNode idx = ref.get("indices").get(t);
      JsonNode dist = ref.get("distances").get(t);
      double kth = Math.sqrt(mine.distances()[t][k - 1]);
      double tol = 1e-6 * Math.max(1, kth);
      assertThat(kth).as("test row %d: k-th distance", t).isCloseTo(dist.get(k - 1).asDouble(), within(tol));
      Set<Integer> nearerMine = new HashSet<>();
      Set<Integer> nearerRef = new HashSet<>();
      for (int i = 0; i < k; i++) {
        double dm = Math.sqrt(mine.distances()[t][i]);
        assertThat(dm).as("test row %d neighbour %d distance", t, i).isCloseTo(dist.get(i).asDouble(), within(tol));
        if (dm < kth - tol) {
          nearerMine.add(mine.indices()[t][i]);
        }
        if (dist.get(i).asDouble() < kth - tol) {
          nearerRef.add(idx.get(i).asInt());
        }
      }
      assertThat(nearerMine).as("test row %d: neighbours nearer than the k-th", t).isEqualTo(nearerRef);
      double p = (Double) predicted.get(t).get("predicted_label");
      if (ref.get("kth_tie").get(t).asBoolean()) {
        ties++;
      } else {
        assertThat(p).as("test row %d: predicted_label", t)
            .isCloseTo(ref.get("predictions").get(t).asDouble(), within(1e-9 * Math.max(1, Math.abs(p))));
      }
    }
    System.out.printf("k-NN %s: %d of %d test rows have a tie at the k-th distance%n", name, ties, q.length);
    if (task.equals("regressor")) {
      // kiln predict by job name (text/csv, no label): one predicted_label a line, the loader's exactly
      KnnJobs.put("predict-in/" + name + "/test.csv",
          split.test.stream().map(l -> l.substring(l.indexOf(',') + 1)).toList());
      KnnJobs.kiln("predict", name, "--input", KnnJobs.prefix("predict-in/" + name), "--output",
          KnnJobs.prefix("predict-out/" + name));
      List<String> out = KnnJobs.lines(KnnJobs.prefix("predict-out/" + name) + "test.csv.out");
      assertThat(out).hasSize(q.length);
      for (int t = 0; t < q.length; t++) {
        assertThat(Double.parseDouble(out.get(t))).as("kiln predict line %d", t + 1)
            .isEqualTo(predicted.get(t).get("predicted_label"));
      }
    }
    return model;
  }

  @Test
  void classifierOnIrisIsScikitLearnsExactly() {
    trainAndCompare("knn-iris");
  }

  @Test
  void classifierOnDigitsIsScikitLearnsExactly() {
    trainAndCompare("knn-digits");
  }

  @Test
  void regressorOnDiabetesIsScikitLearnsExactly() {
    trainAndCompare("knn-diabetes");
  }

  /**
   * faiss.IVFFlat through the HNSW graph on digits: the recall@k of its neighbours against exact
   * search of the same index on the test rows (printed; at least 0.95 asserted), and the job's
   * test:accuracy is the graph's predictions' accuracy.
   */
  @Test
  void anApproximateIndexFindsTheExactNeighboursOfNearlyEveryTestRow() {
    Split split = Split.of(SharedData.digits());
    int k = 10;
    JobResult r = KnnJobs.run("knn-digits-ivf", Map.of("predictor_type", "classifier", "k", Integer.toString(k),
        "feature_dim", "64", "sample_size", "5000", "index_type", "faiss.IVFFlat"),
        split.upload("ref/knn-digits-ivf"), 2);
    assertThat(r.failureReason()).isNull();
    KnnModel model = KnnJobs.model(r);
    assertThat(model.approximate()).isTrue();
    assertThat(model.indexType()).isEqualTo("faiss.IVFFlat");
    float[][] q = KnnJobs.features(split.test);
    KnnModel.Neighbours approx = model.search(q, k);
    KnnModel.Neighbours exact = model.exactSearch(q, k);
    long found = 0;
    for (int t = 0; t < q.length; t++) {
      Set<Integer> truth = new HashSet<>();
      for (int i : exact.indices()[t]) {
        truth.add(i);
      }
      for (int i : approx.indices()[t]) {
        found += truth.contains(i) ? 1 : 0;
      }
    }
    double recall = found / (double) (q.length * k);
    System.out.printf("k-NN HNSW recall@%d on digits' %d test rows: %.4f%n", k, q.length, recall);
    assertThat(recall).isGreaterThanOrEqualTo(0.95);
    float[] y = KnnJobs.labels(split.test);
    List<Map<String, Object>> p = model.predict(q);
    double right = 0;
    for (int t = 0; t < q.length; t++) {
      right += (Double) p.get(t).get("predicted_label") == y[t] ? 1 : 0;
    }
    assertThat(KnnJobs.finalMetrics("knn-digits-ivf").get("test:accuracy")).isCloseTo(right / q.length, within(1e-12));
  }

  /**
   * dimension_reduction_type=fjlt on digits (64 to 24 features): the index rows are the loader's
   * projections of the train rows (workers and loader project alike), the job's test:accuracy is the
   * loader's predictions' accuracy, and it stays within 5 points of scikit-learn's exact accuracy.
   */
  @Test
  void fjltReductionIsTheLoadersProjectionAndKeepsTheAccuracy() {
    Split split = Split.of(SharedData.digits());
    JobResult r = KnnJobs.run("knn-digits-fjlt", Map.of("predictor_type", "classifier", "k", "3",
        "feature_dim", "64", "sample_size", "5000", "dimension_reduction_type", "fjlt",
        "dimension_reduction_target", "24"), split.upload("ref/knn-digits-fjlt"), 2);
    assertThat(r.failureReason()).isNull();
    KnnModel model = KnnJobs.model(r);
    float[][] x = KnnJobs.features(split.train);
    assertThat(model.size()).isEqualTo(x.length);
    for (int i = 0; i < x.length; i++) {
      assertThat(model.row(i)).as("index row %d", i).hasSize(24).containsExactly(model.project(x[i]));
    }
    float[][] q = KnnJobs.features(split.test);
    float[] y = KnnJobs.labels(split.test);
    List<Map<String, Object>> p = model.predict(q);
    double right = 0;
    for (int t = 0; t < q.length; t++) {
      right += (Double) p.get(t).get("predicted_label") == y[t] ? 1 : 0;
    }
    double accuracy = KnnJobs.finalMetrics("knn-digits-fjlt").get("test:accuracy");
    assertThat(accuracy).isCloseTo(right / q.length, within(1e-12));
    System.out.printf("k-NN fjlt 64 -> 24 on digits: test:accuracy %.4f (exact: %.4f)%n", accuracy,
        reference.get("knn-digits").get("metric").asDouble());
    assertThat(accuracy).isGreaterThanOrEqualTo(reference.get("knn-digits").get("metric").asDouble() - 0.05);
  }
}
