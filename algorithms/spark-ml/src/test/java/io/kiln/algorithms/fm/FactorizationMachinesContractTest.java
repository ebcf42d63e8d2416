package io.kiln.algorithms.fm;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spi.Algorithm;
import io.kiln.testing.AlgorithmContractTest;
import io.kiln.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Factorization Machines passes the contract every built-in passes: a SageMaker request for the
 * factorization-machines image, a bad hyperparameter and a bad CSV line as user errors, a stop that
 * keeps the model, a refused tuning objective, and an executor SIGKILLed mid-training on a standalone
 * cluster: with a checkpoint every epoch ({@link #checkpointIntervalRounds()} 1) the job resumes from
 * the epoch before the kill, so the kill costs at most one epoch.
 */
class FactorizationMachinesContractTest extends AlgorithmContractTest {
  /** Standardised breast_cancer train rows (Linear Learner's reference split). */
  private static final List<String> ROWS = FmJobs.Split.of(SharedData.breastCancer()).standardised().train();

  private static ChannelData csv(List<String> lines) {
    return new ChannelData("text/csv", Map.of("data.csv",
        (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  protected Algorithm<?> algorithm() {
    return new FactorizationMachinesAlgorithm();
  }

  @Override
  protected String trainingImage() {
    return FmJobs.IMAGE;
  }

  @Override
  protected Map<String, ChannelData> smokeChannels() {
    int cut = ROWS.size() * 4 / 5;
    return Map.of("train", csv(ROWS.subList(0, cut)), "test", csv(ROWS.subList(cut, ROWS.size())));
  }

  @Override
  protected Map<String, String> smokeHyperparameters() {
    return Map.of("predictor_type", "binary_classifier", "feature_dim", "30", "num_factors", "4",
        "mini_batch_size", "50", "epochs", "5", "linear_lr", "0.02", "factors_lr", "0.005");
  }

  @Override
  protected Map<String, String> longHyperparameters() {
    // more epochs than the stop (after epoch 2) and the kill (at epoch 2, a checkpoint every epoch) need
    return Map.of("predictor_type", "binary_classifier", "feature_dim", "30", "num_factors", "4",
        "mini_batch_size", "20", "epochs", "8", "linear_lr", "0.02", "factors_lr", "0.005");
  }

  @Override
  protected int checkpointIntervalRounds() {
    return 1;
  }

  @Override
  protected BadJob badHyperparameter() {
    return new BadJob(Map.of("predictor_type", "binary_classifier", "feature_dim", "30", "num_factors", "0"),
        smokeChannels(), List.of("num_factors=0"));
  }

  @Override
  protected BadJob badData() {
    List<String> lines = List.of("1,0.5,2.5", "0,1.5,3.5", "1,x,4.5");
    return new BadJob(Map.of("predictor_type", "binary_classifier", "feature_dim", "2", "num_factors", "2"),
        Map.of("train", csv(lines)), List.of("data.csv line 3", "'x'"));
  }

  @Override
  protected void checkArtifact(Map<String, byte[]> modelFiles) {
    byte[] json = modelFiles.get(FmModel.FILE);
    assertThat(json).as("model.tar.gz holds %s", FmModel.FILE).isNotNull();
    FmModel model = FmModel.read(json);
    assertThat(model.featureDim()).isEqualTo(30);
    List<Map<String, Object>> out = model.predict(FmJobs.features(ROWS.subList(0, 40)));
    double[] labels = FmJobs.labels(ROWS.subList(0, 40));
    long right = 0;
    for (int i = 0; i < 40; i++) {
      assertThat(out.get(i)).containsOnlyKeys("score", "predicted_label");
      assertThat((Double) out.get(i).get("score")).isBetween(0.0, 1.0);
      if ((Integer) out.get(i).get("predicted_label") == (int) labels[i]) {
        right++;
      }
    }
    // a trained model, not its initial weights: most of the first rows are classified right
    assertThat(right).isGreaterThanOrEqualTo(34);
  }
}
