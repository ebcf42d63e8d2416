package io.kiln.algorithms.knn;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.channel.RecordIoProtobuf;
import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import io.kiln.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * k-NN's inputs through SageMaker requests: RecordIO-protobuf, dense and sparse, gives the model of
 * the CSV of the same rows; sample_size below the row count samples each worker's quota of distinct
 * train rows; data whose width is not feature_dim fails as a user error naming both.
 */
@Tag("spark")
@Tag("s3")
class KnnFormatsTest {
  private static final List<String> ROWS = SharedData.wine();

  @BeforeAll
  static void start() {
    KnnJobs.spark();
  }

  private static byte[] recordIo(List<String> rows, boolean sparse) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(b)) {
      float[][] x = KnnJobs.features(rows);
      float[] y = KnnJobs.labels(rows);
      for (int i = 0; i < x.length; i++) {
        if (sparse) {
          List<Integer> idx = new ArrayList<>();
          for (int j = 0; j < x[i].length; j++) {
            if (x[i][j] != 0 && j % 3 != 1) { // every third feature left out (zero) as well as the zeros
              idx.add(j);
            }
          }
          int[] indices = idx.stream().mapToInt(Integer::intValue).toArray();
          float[] values = new float[indices.length];
          for (int p = 0; p < indices.length; p++) {
            values[p] = x[i][indices[p]];
          }
          w.sparse(x[i].length, indices, values, y[i]);
        } else {
          w.dense(x[i], y[i]);
        }
      }
    }
    return b.toByteArray();
  }

  private static KnnModel train(String name, String key, byte[] bytes, String contentType, int workers) {
    KnnJobs.put("formats/" + name + "/" + key, bytes);
    JobResult r = KnnJobs.run(name, Map.of("predictor_type", "classifier", "k", "3", "feature_dim", "13",
        "sample_size", "1000"), Map.of("train", new KnnJobs.Channel(KnnJobs.prefix("formats/" + name), contentType)),
        workers);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    return KnnJobs.model(r);
  }

  private static void sameModel(KnnModel a, KnnModel b) {
    assertThat(b.size()).isEqualTo(a.size());
    for (int i = 0; i < a.size(); i++) {
      assertThat(b.row(i)).as("row %d", i).containsExactly(a.row(i));
      assertThat(b.label(i)).isEqualTo(a.label(i));
    }
  }

  @Test
  void recordIoDenseAndSparseGiveTheModelOfTheCsv() throws Exception {
    byte[] csv = (String.join("\n", ROWS) + "\n").getBytes(StandardCharsets.UTF_8);
    KnnModel fromCsv = train("knn-fmt-csv", "data.csv", csv, "text/csv", 1);
    assertThat(fromCsv.size()).isEqualTo(ROWS.size());
    sameModel(fromCsv, train("knn-fmt-dense", "data.rec", recordIo(ROWS, false), "application/x-recordio-protobuf", 1));
    // the sparse records leave every third feature out: the CSV's rows with those features zero
    KnnModel sparse = train("knn-fmt-sparse", "data.rec", recordIo(ROWS, true), "application/x-recordio-protobuf", 1);
    assertThat(sparse.size()).isEqualTo(fromCsv.size());
    for (int i = 0; i < sparse.size(); i++) {
      float[] expected = fromCsv.row(i);
      for (int j = 1; j < expected.length; j += 3) {
        expected[j] = 0;
      }
      assertThat(sparse.row(i)).as("row %d", i).containsExactly(expected);
      assertThat(sparse.label(i)).isEqualTo(fromCsv.label(i));
    }
  }

  @Test
  void aSampleSmallerThanTheDataTakesEachWorkersQuotaOfDistinctRows() {
    int half = ROWS.size() / 2;
    KnnJobs.put("formats/sample/part-0.csv", ROWS.subList(0, half));
    KnnJobs.put("formats/sample/part-1.csv", ROWS.subList(half, ROWS.size()));
    JobResult r = KnnJobs.run("knn-sample", Map.of("predictor_type", "regressor", "k", "4", "feature_dim", "13",
        "sample_size", "51", "mini_batch_size", "10"),
        Map.of("train", new KnnJobs.Channel(KnnJobs.prefix("formats/sample"), "text/csv")), 2);
    assertThat(r.failureReason()).isNull();
    KnnModel m = KnnJobs.model(r);
    assertThat(m.size()).isEqualTo(51);
    float[][] x = KnnJobs.features(ROWS);
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < m.size(); i++) {
      int found = -1;
      for (int j = 0; j < x.length && found < 0; j++) {
        if (java.util.Arrays.equals(x[j], m.row(i))) {
          found = j;
        }
      }
      assertThat(found).as("index row %d is a train row", i).isNotNegative();
      // rank 0 (the first object) has the first 26 rows of the index, rank 1 the other 25
      assertThat(found < half).as("index row %d comes from its worker's object", i).isEqualTo(i < 26);
      seen.add(found);
    }
    assertThat(seen).hasSize(51);
  }

  @Test
  void dataOfAnotherWidthThanFeatureDimIsRefused() {
    KnnJobs.put("formats/width/data.csv", ROWS.subList(0, 30));
    JobResult r = KnnJobs.run("knn-width", Map.of("predictor_type", "classifier", "k", "3", "feature_dim", "12",
        "sample_size", "100"), Map.of("train", new KnnJobs.Channel(KnnJobs.prefix("formats/width"), "text/csv")), 1);
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).startsWith("ClientError: ").contains("Channel 'train' has 13 features but feature_dim=12");
  }
}
