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
 * wherever the k-th distance is not tied.
 */
@Tag("spark")
@Tag("s3")
@Tag("reference")
class KnnReferenceTest {

  @BeforeAll
  static void start() {
    ReferencePython.requireFrom("python3-sklearn python3-numpy", "sklearn", "numpy");
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

    JsonNode sklearn(String task, int k) throws Exception {
      Path dir = TestSpark.tempDir("kiln-knn-ref-");
      Files.writeString(dir.resolve("train.csv"), String.join("\n", train) + "\n");
      Files.writeString(dir.resolve("test.csv"), String.join("\n", test) + "\n");
      return ReferencePython.call(KnnReferenceTest.class, "/reference/knn/sklearn_knn.py", Map.of("task", task,
          "k", k, "train", dir.resolve("train.csv").toString(), "test", dir.resolve("test.csv").toString()));
    }
  }

  private static KnnModel trainAndCompare(String name, List<String> rows, String task, int k) throws Exception {
    Split split = Split.of(rows);
    int d = KnnJobs.features(rows.subList(0, 1))[0].length;
    JobResult r = KnnJobs.run(name, Map.of("predictor_type", task, "k", Integer.toString(k), "feature_dim",
        Integer.toString(d), "sample_size", Integer.toString(split.train.size() + 7), "mini_batch_size", "100"),
        split.upload("ref/" + name), 2);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    JsonNode ref = split.sklearn(task, k);
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
    return model;
  }

  @Test
  void classifierOnIrisIsScikitLearnsExactly() throws Exception {
    trainAndCompare("knn-iris", SharedData.iris(), "classifier", 5);
  }

  @Test
  void classifierOnDigitsIsScikitLearnsExactly() throws Exception {
    trainAndCompare("knn-digits", SharedData.digits(), "classifier", 3);
  }

  @Test
  void regressorOnDiabetesIsScikitLearnsExactly() throws Exception {
    trainAndCompare("knn-diabetes", SharedData.diabetes(), "regressor", 7);
  }
}
