package io.kiln.algorithms.knn;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spi.Algorithm;
import io.kiln.testing.AlgorithmContractTest;
import io.kiln.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * k-NN passes the contract every built-in passes: a SageMaker request for the knn image, a bad
 * hyperparameter and a bad CSV line as user errors, a stop that keeps the model (the sample so far),
 * a refused tuning objective, and an executor SIGKILLed mid-training on a standalone cluster. k-NN has
 * no epochs: its rounds are the sampling mini-batches ({@code mini_batch_size} rows of each worker's
 * share); with a checkpoint every round the job resumes after the newest checkpointed round, replaying
 * the rounds before it (the sampler's choices depend only on the rows, so the sample is the one an
 * uninterrupted job keeps). A kill costs the re-read of the share and the rounds since that checkpoint.
 */
class KnnContractTest extends AlgorithmContractTest {
  private static final List<String> ROWS = SharedData.iris();

  private static ChannelData csv(List<String> lines) {
    return new ChannelData("text/csv", Map.of("data.csv",
        (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8)));
  }

  private static List<String> every(int mod, boolean test) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < ROWS.size(); i++) {
      if ((i % 5 == mod) == test) {
        out.add(ROWS.get(i));
      }
    }
    return out;
  }

  @Override
  protected Algorithm<?> algorithm() {
    return new KnnAlgorithm();
  }

  @Override
  protected String trainingImage() {
    return KnnJobs.IMAGE;
  }

  @Override
  protected Map<String, ChannelData> smokeChannels() {
    return Map.of("train", csv(every(4, false)), "test", csv(every(4, true)));
  }

  @Override
  protected Map<String, String> smokeHyperparameters() {
    return Map.of("predictor_type", "classifier", "k", "5", "feature_dim", "4", "sample_size", "200");
  }

  @Override
  protected Map<String, String> longHyperparameters() {
    // 120 train rows in mini-batches of 5: at least 12 rounds per worker
    return Map.of("predictor_type", "classifier", "k", "5", "feature_dim", "4", "sample_size", "200",
        "mini_batch_size", "5");
  }

  @Override
  protected int checkpointIntervalRounds() {
    return 1;
  }

  @Override
  protected BadJob badHyperparameter() {
    return new BadJob(Map.of("predictor_type", "classifier", "k", "0", "feature_dim", "4", "sample_size", "200"),
        smokeChannels(), List.of("k=0"));
  }

  @Override
  protected BadJob badData() {
    List<String> lines = List.of("1,0.5,2.5", "0,1.5,3.5", "1,x,4.5");
    return new BadJob(Map.of("predictor_type", "classifier", "k", "1", "feature_dim", "2", "sample_size", "10"),
        Map.of("train", csv(lines)), List.of("data.csv line 3", "'x'"));
  }

  @Override
  protected void checkArtifact(Map<String, byte[]> modelFiles) {
    assertThat(modelFiles).containsKeys(KnnModel.META, KnnModel.INDEX, KnnModel.LABELS);
    KnnModel model = KnnJobs.model(modelFiles);
    assertThat(model.featureDim()).isEqualTo(4);
    assertThat(model.size()).isBetween(5, 120);
    List<String> test = every(4, true);
    List<Map<String, Object>> out = model.predict(KnnJobs.features(test));
    assertThat(out).hasSize(test.size()).allSatisfy(p -> assertThat(p).containsOnlyKeys("predicted_label"));
    float[] y = KnnJobs.labels(test);
    long right = 0;
    for (int i = 0; i < y.length; i++) {
      right += ((Double) out.get(i).get("predicted_label")) == y[i] ? 1 : 0;
    }
    // a stopped job's model holds the first rows sampled (a few classes may be missing): at least 1/3 right
    assertThat(right).isGreaterThanOrEqualTo(y.length / 3);
    if (model.size() == 120) {
      assertThat(right).isGreaterThanOrEqualTo(27);
    }
  }
}
