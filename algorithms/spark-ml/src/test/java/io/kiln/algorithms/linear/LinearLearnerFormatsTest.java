package io.kiln.algorithms.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kiln.channel.RecordIoProtobuf;
import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import io.kiln.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Linear Learner's inputs and user errors through SageMaker requests: RecordIO-protobuf, dense and
 * sparse, trains the same model as the CSV of the same rows; a label the predictor type refuses, and
 * a validation channel of another width, fail as user errors naming the channel, object and line.
 */
@Tag("spark")
@Tag("s3")
class LinearLearnerFormatsTest {
  private static final List<String> ROWS = SharedData.breastCancer().subList(0, 150);

  @BeforeAll
  static void start() {
    LinearJobs.spark();
  }

  private static byte[] recordIo(List<String> rows, boolean sparse) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(b)) {
      for (String row : rows) {
        String[] c = row.split(",");
        float[] x = new float[c.length - 1];
        for (int j = 1; j < c.length; j++) {
          x[j - 1] = Float.parseFloat(c[j]);
        }
        float label = Float.parseFloat(c[0]);
        if (sparse) {
          // the zeros left out, as a sparse writer would
          List<Integer> idx = new ArrayList<>();
          for (int j = 0; j < x.length; j++) {
            if (x[j] != 0) {
              idx.add(j);
            }
          }
          int[] indices = idx.stream().mapToInt(Integer::intValue).toArray();
          float[] values = new float[indices.length];
          for (int i = 0; i < indices.length; i++) {
            values[i] = x[indices[i]];
          }
          w.sparse(x.length, indices, values, label);
        } else {
          w.dense(x, label);
        }
      }
    }
    return b.toByteArray();
  }

  private static LinearLearnerModel train(String name, String key, byte[] bytes, String contentType) {
    String uri = LinearJobs.put("formats/" + name + "/" + key, bytes);
    // one worker, so every format gives the rows in the same order; unbias_data so sparse rows are
    // centred as dense ones are
    JobResult r = LinearJobs.run(name, Map.of("predictor_type", "binary_classifier", "num_models", "2",
        "mini_batch_size", "25", "epochs", "2", "unbias_data", "true"),
        Map.of("train", new LinearJobs.Channel(uri.substring(0, uri.lastIndexOf('/') + 1), contentType)), 1);
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);
    return LinearJobs.model(r);
  }

  @Test
  void recordIoDenseAndSparseTrainTheModelOfTheCsv() throws Exception {
    LinearLearnerModel csv = train("fmt-csv", "data.csv",
        (String.join("\n", ROWS) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8), "text/csv");
    LinearLearnerModel dense = train("fmt-dense", "data.rec", recordIo(ROWS, false),
        "application/x-recordio-protobuf");
    LinearLearnerModel sparse = train("fmt-sparse", "data.rec", recordIo(ROWS, true),
        "application/x-recordio-protobuf");
    for (LinearLearnerModel other : List.of(dense, sparse)) {
      assertThat(other.featureDim()).isEqualTo(csv.featureDim());
      assertThat(other.bias()[0]).isCloseTo(csv.bias()[0], within(1e-4 * Math.max(1, Math.abs(csv.bias()[0]))));
      for (int j = 0; j < csv.featureDim(); j++) {
        assertThat(other.weights()[0][j]).as("weight %d", j)
            .isCloseTo(csv.weights()[0][j], within(1e-4 * Math.max(1e-3, Math.abs(csv.weights()[0][j]))));
      }
      assertThat(other.threshold()).isCloseTo(csv.threshold(), within(1e-4));
    }
  }

  @Test
  void aLabelThePredictorTypeRefusesNamesTheObjectAndLine() {
    List<String> rows = new ArrayList<>(ROWS.subList(0, 40));
    rows.set(17, "2" + rows.get(17).substring(rows.get(17).indexOf(',')));
    String uri = LinearJobs.put("formats/bad-label/train/data.csv", rows);
    JobResult r = LinearJobs.run("fmt-bad-label", Map.of("predictor_type", "binary_classifier"),
        Map.of("train", new LinearJobs.Channel("s3://" + LinearJobs.BUCKET + "/formats/bad-label/train/", "text/csv")));
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).startsWith("ClientError: ").contains("data.csv line 18", "label 2.0 is not 0 or 1")
        .doesNotContain("\n\tat ");
    assertThat(uri).endsWith("data.csv");
  }

  @Test
  void aValidationChannelOfAnotherWidthIsRefused() {
    List<String> narrow = ROWS.subList(0, 20).stream().map(l -> l.substring(0, l.lastIndexOf(','))).toList();
    LinearJobs.put("formats/width/train/data.csv", ROWS.subList(0, 60));
    LinearJobs.put("formats/width/validation/data.csv", narrow);
    JobResult r = LinearJobs.run("fmt-width", Map.of("predictor_type", "binary_classifier"), Map.of(
        "train", new LinearJobs.Channel("s3://" + LinearJobs.BUCKET + "/formats/width/train/", "text/csv"),
        "validation", new LinearJobs.Channel("s3://" + LinearJobs.BUCKET + "/formats/width/validation/", "text/csv")));
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).startsWith("ClientError: ")
        .contains("Channel 'validation' has 29 features but train has 30");
  }

  @Test
  void libsvmIsRefusedAsSageMakersLinearLearnerRefusesIt() {
    LinearJobs.put("formats/libsvm/train/data.libsvm", List.of("1 0:0.5 1:2.5", "0 0:1.5 1:3.5"));
    JobResult r = LinearJobs.run("fmt-libsvm", Map.of("predictor_type", "binary_classifier"), Map.of(
        "train", new LinearJobs.Channel("s3://" + LinearJobs.BUCKET + "/formats/libsvm/train/", "text/libsvm")));
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).startsWith("ClientError: ").contains("text/libsvm", "text/csv",
        "application/x-recordio-protobuf");
  }
}
