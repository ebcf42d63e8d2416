package io.kiln.algorithms.kmeans;

import static io.kiln.algorithms.pca.SageMakerJobs.hp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.algorithms.pca.SageMakerJobs;
import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import io.kiln.testing.ReferencePython;
import io.kiln.testing.SharedData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * K-Means trained through SageMaker CreateTrainingJob requests (image {@code kmeans}, 2 workers, the S3
 * server, SageMaker's defaults but k, feature_dim and local_lloyd_num_trials=10) against
 * scikit-learn's {@code KMeans(n_init=10)} (Debian's, /usr/bin/python3, one process started beside the
 * jobs) on the same standardised rows: the model's inertia within 1 % of scikit-learn's on iris, wine
 * and digits; test:msd and test:ssd as the model's own distances give them; RecordIO-protobuf, dense
 * (train) and sparse (test), reads the rows the CSV of the same rows gives (the same model, the same
 * test metrics as the wine job's); {@code kiln predict} of the iris job writes the loader's predictions.
 */
@Tag("spark")
@Tag("s3")
@Tag("reference")
class KMeansReferenceTest {
  static final String IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1";
  static final List<String> SETS = List.of("iris", "wine", "digits");
  static final Map<String, Integer> KS = Map.of("iris", 3, "wine", 3, "digits", 10);
  static SageMakerJobs jobs;
  static Map<String, Standardized> data = new LinkedHashMap<>();
  static CompletableFuture<List<JsonNode>> sklearn;
  /** The reference jobs' models, trained once by whichever test needs one first. */
  static final Map<String, KMeansModel> TRAINED = new HashMap<>();

  @BeforeAll
  static void start() {
    ReferencePython.require("sklearn", "numpy");
    data.put("iris", Standardized.of(SharedData.iris()));
    data.put("wine", Standardized.of(SharedData.wine()));
    data.put("digits", Standardized.of(SharedData.digits()));
    List<Map<String, Object>> requests = new ArrayList<>();
    for (String set : SETS) {
      requests.add(Map.of("op", "kmeans", "data", SageMakerJobs.tempCsv(data.get(set).csv()), "k", KS.get(set),
          "n_init", 10));
    }
    sklearn = SageMakerJobs.reference(requests);
    jobs = SageMakerJobs.get();
  }

  static KMeansModel train(String name, Map<String, String> hyperparameters,
      Map<String, SageMakerJobs.Channel> channels) throws Exception {
    JobResult r = jobs.run(name, IMAGE, hyperparameters, channels);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    Map<String, byte[]> files = jobs.model(r);
    assertThat(files).containsOnlyKeys(KMeansModel.FILE);
    return KMeansModel.read(files.get(KMeansModel.FILE));
  }

  /** The reference job's hyperparameters for a set. */
  static Map<String, String> referenceHyperparameters(String set) {
    return hp("k", Integer.toString(KS.get(set)), "feature_dim", Integer.toString(data.get(set).features()),
        "local_lloyd_num_trials", "10", "eval_metrics", "[\"msd\",\"ssd\"]", "force_dense", "True");
  }

  /** The test rows of a set: its last fifth (every row trains). */
  static Standardized testRows(String set) {
    List<float[]> rows = data.get(set).rows();
    return new Standardized(rows.subList(rows.size() * 4 / 5, rows.size()));
  }

  /** Job {@code km-<set>}: every row trains, the last fifth also the test channel, CSV without labels. */
  static synchronized KMeansModel reference(String set) throws Exception {
    KMeansModel m = TRAINED.get(set);
    if (m == null) {
      m = train("km-" + set, referenceHyperparameters(set), Map.of(
          "train", SageMakerJobs.csv("text/csv;label_size=0", data.get(set).csv()),
          "test", SageMakerJobs.csv("text/csv;label_size=0", testRows(set).csv())));
      TRAINED.put(set, m);
    }
    return m;
  }

  /** The model's inertia on the rows, through its own predict (distance_to_cluster squared). */
  static double inertia(KMeansModel model, Standardized s) {
    double sum = 0;
    for (Map<String, Object> p : model.predict(s.rows().toArray(new float[0][]))) {
      double dist = (Float) p.get("distance_to_cluster");
      sum += dist * dist;
    }
    return sum;
  }

  @Test
  void inertiaIsWithinOnePercentOfScikitLearnsBestOfTenOnIrisWineAndDigits() throws Exception {
    for (int i = 0; i < SETS.size(); i++) {
      String set = SETS.get(i);
      Standardized s = data.get(set);
      KMeansModel model = reference(set);
      double ours = inertia(model, s);
      double theirs = sklearn.join().get(i).get("inertia").asDouble();
      System.out.printf("K-Means %s k=%d: Kiln inertia %.4f, scikit-learn n_init=10 %.4f (%+.3f %%)%n", set,
          KS.get(set), ours, theirs, 100 * (ours / theirs - 1));
      assertThat(ours).isLessThanOrEqualTo(theirs * 1.01);
      // test:msd and test:ssd are the model's distances on the test rows
      Standardized test = testRows(set);
      double ssd = inertia(model, test);
      Map<String, Double> finals = jobs.finalMetrics("km-" + set);
      assertThat(finals.get("test:ssd")).isCloseTo(ssd, within(1e-3 * ssd));
      assertThat(finals.get("test:msd")).isCloseTo(ssd / test.rows().size(), within(1e-3 * ssd / test.rows().size()));
      assertThat(finals.get("train:msd")).isCloseTo(ours / s.rows().size(), within(1e-3 * ours / s.rows().size()));
    }
  }

  @Test
  void recordIoDenseAndSparseReadTheRowsTheCsvOfTheSameRowsGives() throws Exception {
    // one job: the wine job's rows and hyperparameters, train as dense records, test as sparse ones
    // (zeros left out); the same model as the CSV job's to the bit, and the same test metrics
    KMeansModel csv = reference("wine");
    KMeansModel rec = train("km-wine-rec", referenceHyperparameters("wine"), Map.of(
        "train", SageMakerJobs.recordIo(data.get("wine").labelFirst(), false),
        "test", SageMakerJobs.recordIo(testRows("wine").labelFirst(), true)));
    for (int c = 0; c < 3; c++) {
      assertThat(rec.centroids()[c]).containsExactly(csv.centroids()[c]);
    }
    Map<String, Double> fromCsv = jobs.finalMetrics("km-wine");
    Map<String, Double> fromRec = jobs.finalMetrics("km-wine-rec");
    for (String m : List.of("test:msd", "test:ssd", "train:msd")) {
      assertThat(fromRec.get(m)).as(m).isCloseTo(fromCsv.get(m), within(1e-9 * fromCsv.get(m)));
    }
  }

  @Test
  void kilnPredictOfTheIrisJobWritesTheLoadersClusterAndDistance() throws Exception {
    // by job name, CSV (the default): per line closest_cluster,distance_to_cluster (SageMaker's CSV
    // response: "1.0,3.0"), the loader's float32 values exactly (Python's repr of the widened double)
    KMeansModel model = reference("iris");
    Standardized s = data.get("iris");
    jobs.put("km-predict-in/iris.csv", s.csv());
    jobs.kiln("predict", "km-iris", "--input", "s3://" + jobs.bucket + "/km-predict-in/",
        "--output", "s3://" + jobs.bucket + "/km-predict-out/");
    List<String> out = jobs.lines("s3://" + jobs.bucket + "/km-predict-out/iris.csv.out");
    List<Map<String, Object>> expected = model.predict(s.rows().toArray(new float[0][]));
    assertThat(out).hasSize(expected.size());
    for (int i = 0; i < out.size(); i++) {
      String[] cells = out.get(i).split(",");
      assertThat(cells).as("line %d: %s", i + 1, out.get(i)).hasSize(2);
      assertThat(cells[0]).as("closest_cluster, line %d", i + 1).endsWith(".0");
      assertThat(Double.parseDouble(cells[0])).as("closest_cluster, line %d", i + 1)
          .isEqualTo((double) (Float) expected.get(i).get("closest_cluster"));
      assertThat(Double.parseDouble(cells[1])).as("distance_to_cluster, line %d", i + 1)
          .isEqualTo((double) (Float) expected.get(i).get("distance_to_cluster"));
    }
  }
}
