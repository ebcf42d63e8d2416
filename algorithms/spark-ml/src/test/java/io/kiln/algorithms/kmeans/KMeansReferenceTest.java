package io.kiln.algorithms.kmeans;

import static io.kiln.algorithms.pca.SageMakerJobs.hp;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.algorithms.pca.SageMakerJobs;
import io.kiln.record.JobRecord;
import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import io.kiln.testing.ReferencePython;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * K-Means trained through SageMaker CreateTrainingJob requests (image {@code kmeans}, 2 workers, the S3
 * server, SageMaker's defaults but k, feature_dim and local_lloyd_num_trials=10) against
 * scikit-learn's {@code KMeans(n_init=10)} (Debian's, /usr/bin/python3) on the same standardised rows:
 * the model's inertia within 1 % of scikit-learn's on iris, wine and digits; test:msd and test:ssd as
 * the model's own distances give them; RecordIO-protobuf, dense and sparse, trains the model the CSV of
 * the same rows trains.
 */
@Tag("spark")
@Tag("s3")
@Tag("reference")
class KMeansReferenceTest {
  static final String IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1";
  static SageMakerJobs jobs;

  @BeforeAll
  static void start() {
    ReferencePython.require("sklearn", "numpy");
    jobs = SageMakerJobs.get();
  }

  static double sklearnInertia(Standardized s, int k) throws Exception {
    Path file = TestSpark.tempDir("kiln-km-ref-").resolve("x.csv");
    Files.write(file, s.csv());
    JsonNode ref = ReferencePython.call(KMeansReferenceTest.class, "/reference/unsupervised_reference.py",
        Map.of("op", "kmeans", "data", file.toString(), "k", k, "n_init", 10));
    return ref.get("inertia").asDouble();
  }

  KMeansModel train(String name, Map<String, String> hyperparameters, Map<String, SageMakerJobs.Channel> channels)
      throws Exception {
    JobResult r = jobs.run(name, IMAGE, hyperparameters, channels);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    Map<String, byte[]> files = jobs.model(r);
    assertThat(files).containsOnlyKeys(KMeansModel.FILE);
    return KMeansModel.read(files.get(KMeansModel.FILE));
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
    Map<String, List<String>> sets = Map.of("iris", SharedData.iris(), "wine", SharedData.wine(), "digits",
        SharedData.digits());
    Map<String, Integer> ks = Map.of("iris", 3, "wine", 3, "digits", 10);
    for (String set : List.of("iris", "wine", "digits")) {
      Standardized s = Standardized.of(sets.get(set));
      int k = ks.get(set);
      int cut = s.rows().size() * 4 / 5;
      KMeansModel model = train("km-" + set, hp("k", Integer.toString(k), "feature_dim",
          Integer.toString(s.features()), "local_lloyd_num_trials", "10", "eval_metrics", "[\"msd\",\"ssd\"]",
          "force_dense", "True"),
          Map.of("train", SageMakerJobs.csv("text/csv;label_size=0", s.csv()),
              "test", SageMakerJobs.csv("text/csv;label_size=0", s.csv().subList(cut, s.csv().size()))));
      double ours = inertia(model, s);
      double theirs = sklearnInertia(s, k);
      System.out.printf("K-Means %s k=%d: Kiln inertia %.4f, scikit-learn n_init=10 %.4f (%+.3f %%)%n", set, k, ours,
          theirs, 100 * (ours / theirs - 1));
      assertThat(ours).isLessThanOrEqualTo(theirs * 1.01);
      // test:msd and test:ssd are the model's distances on the test rows
      Standardized test = new Standardized(s.rows().subList(cut, s.rows().size()));
      double ssd = inertia(model, test);
      JobRecord record = jobs.runner.store().load("km-" + set).orElseThrow();
      Map<String, Double> finals = new HashMap<>();
      record.finalMetricDataList().forEach(m -> finals.put(m.metricName(), m.value()));
      assertThat(finals.get("test:ssd")).isCloseTo(ssd, org.assertj.core.data.Offset.offset(1e-3 * ssd));
      assertThat(finals.get("test:msd")).isCloseTo(ssd / test.rows().size(),
          org.assertj.core.data.Offset.offset(1e-3 * ssd / test.rows().size()));
      assertThat(finals.get("train:msd")).isCloseTo(ours / s.rows().size(),
          org.assertj.core.data.Offset.offset(1e-3 * ours / s.rows().size()));
    }
  }

  @Test
  void recordIoDenseAndSparseTrainTheModelTheCsvOfTheSameRowsTrains() throws Exception {
    Standardized s = Standardized.of(SharedData.wine());
    Map<String, String> hp = hp("k", "3", "feature_dim", "13", "init_method", "kmeans++", "mini_batch_size", "40",
        "epochs", "2");
    KMeansModel csv = train("km-wine-csv", hp, Map.of("train", SageMakerJobs.csv("text/csv", s.labelFirst())));
    KMeansModel dense = train("km-wine-rec", hp, Map.of("train", SageMakerJobs.recordIo(s.labelFirst(), false)));
    KMeansModel sparse = train("km-wine-rec-sparse", hp, Map.of("train", SageMakerJobs.recordIo(s.labelFirst(),
        true)));
    for (KMeansModel m : List.of(dense, sparse)) {
      for (int c = 0; c < 3; c++) {
        assertThat(m.centroids()[c]).containsExactly(csv.centroids()[c]);
      }
    }
  }
}
