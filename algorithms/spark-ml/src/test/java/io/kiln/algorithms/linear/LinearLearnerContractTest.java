package io.kiln.algorithms.linear;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spi.Algorithm;
import io.kiln.testing.AlgorithmContractTest;
import io.kiln.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Linear Learner passes the contract every built-in passes: a SageMaker request for the
 * linear-learner image, a bad hyperparameter and a bad CSV line as user errors, a stop that keeps
 * the model, a refused tuning objective, and an executor SIGKILLed mid-training on a standalone
 * cluster: with a checkpoint every epoch ({@link #checkpointIntervalRounds()} 1) the job resumes from
 * the epoch before the kill, so the kill costs at most one epoch.
 */
class LinearLearnerContractTest extends AlgorithmContractTest {
  private static final List<String> ROWS = SharedData.breastCancer();

  private static ChannelData csv(List<String> lines) {
    return new ChannelData("text/csv", Map.of("data.csv",
        (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  protected Algorithm<?> algorithm() {
    return new LinearLearnerAlgorithm();
  }

  @Override
  protected String trainingImage() {
    return LinearJobs.IMAGE;
  }

  @Override
  protected Map<String, ChannelData> smokeChannels() {
    int cut = ROWS.size() * 4 / 5;
    return Map.of("train", csv(ROWS.subList(0, cut)), "validation", csv(ROWS.subList(cut, ROWS.size())));
  }

  @Override
  protected Map<String, String> smokeHyperparameters() {
    return Map.of("predictor_type", "binary_classifier", "mini_batch_size", "50", "epochs", "5");
  }

  @Override
  protected Map<String, String> longHyperparameters() {
    // no early stopping: more epochs than the stop (after epoch 2) and the kill (at epoch 2, with a
    // checkpoint every epoch) need, each a dozen steps per worker
    return Map.of("predictor_type", "binary_classifier", "mini_batch_size", "20", "epochs", "8",
        "early_stopping_patience", "1000");
  }

  @Override
  protected int checkpointIntervalRounds() {
    return 1;
  }

  @Override
  protected BadJob badHyperparameter() {
    return new BadJob(Map.of("predictor_type", "binary_classifier", "mini_batch_size", "0"), smokeChannels(),
        List.of("mini_batch_size=0"));
  }

  @Override
  protected BadJob badData() {
    List<String> lines = List.of("1,0.5,2.5", "0,1.5,3.5", "1,x,4.5");
    return new BadJob(Map.of("predictor_type", "binary_classifier"), Map.of("train", csv(lines)),
        List.of("data.csv line 3", "'x'"));
  }

  @Override
  protected void checkArtifact(Map<String, byte[]> modelFiles) {
    byte[] json = modelFiles.get(LinearLearnerModel.FILE);
    assertThat(json).as("model.tar.gz holds %s", LinearLearnerModel.FILE).isNotNull();
    LinearLearnerModel model = LinearLearnerModel.read(json);
    assertThat(model.featureDim()).isEqualTo(30);
    List<Map<String, Object>> out = model.predict(LinearJobs.features(ROWS.subList(0, 20)));
    assertThat(out).hasSize(20).allSatisfy(p -> {
      assertThat(p).containsOnlyKeys("score", "predicted_label");
      assertThat((Double) p.get("score")).isBetween(0.0, 1.0);
    });
    // a trained model, not its initial weights: most of the first rows are classified right
    long right = 0;
    for (int i = 0; i < 20; i++) {
      if ((Integer) out.get(i).get("predicted_label") == (int) Double.parseDouble(ROWS.get(i).split(",")[0])) {
        right++;
      }
    }
    assertThat(right).isGreaterThanOrEqualTo(16);
  }
}
