package io.kiln.algorithms.pca;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spi.Algorithm;
import io.kiln.testing.AlgorithmContractTest;
import io.kiln.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * PCA passes the contract every built-in passes. A round is a mini-batch on every worker; the long
 * job takes 90-row mini-batches of digits' 1437 training rows (719 a worker: 8 rounds) with a
 * checkpoint every 2 rounds, so the kill (at round 4) lands mid-training and the resumed attempt
 * continues from the newest checkpoint, costing at most the rounds since it (the interval).
 */
class PcaContractTest extends AlgorithmContractTest {
  private static final List<String> ROWS = SharedData.digits();

  private static ChannelData csv(String contentType, List<String> lines) {
    return new ChannelData(contentType, Map.of("data.csv",
        (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  protected Algorithm<?> algorithm() {
    return new PcaAlgorithm();
  }

  @Override
  protected String trainingImage() {
    return "382416733822.dkr.ecr.us-east-1.amazonaws.com/pca:1";
  }

  @Override
  protected Map<String, ChannelData> smokeChannels() {
    int cut = ROWS.size() * 4 / 5;
    return Map.of("train", csv("text/csv", ROWS.subList(0, cut)), "test", csv("text/csv", ROWS.subList(cut,
        ROWS.size())));
  }

  @Override
  protected Map<String, String> smokeHyperparameters() {
    return Map.of("feature_dim", "64", "num_components", "5", "mini_batch_size", "500");
  }

  @Override
  protected Map<String, String> longHyperparameters() {
    return Map.of("feature_dim", "64", "num_components", "5", "mini_batch_size", "90");
  }

  @Override
  protected int checkpointIntervalRounds() {
    return 2;
  }

  @Override
  protected BadJob badHyperparameter() {
    return new BadJob(Map.of("feature_dim", "64", "num_components", "0", "mini_batch_size", "500"), smokeChannels(),
        List.of("num_components=0"));
  }

  @Override
  protected BadJob badData() {
    List<String> lines = List.of("1,0.5,2.5", "0,1.5,3.5", "1,x,4.5");
    return new BadJob(Map.of("feature_dim", "2", "num_components", "1", "mini_batch_size", "10"),
        Map.of("train", csv("text/csv", lines)), List.of("data.csv line 3", "'x'"));
  }

  @Override
  protected void checkArtifact(Map<String, byte[]> modelFiles) throws Exception {
    byte[] bytes = modelFiles.get(PcaModel.FILE);
    assertThat(bytes).as("model.tar.gz holds %s", PcaModel.FILE).isNotNull();
    PcaModel model = PcaModel.read(bytes);
    assertThat(model.featureDim()).isEqualTo(64);
    assertThat(model.numComponents()).isEqualTo(5);
    float[] projection = (float[]) model.predict(new float[][] {SageMakerJobs.features(ROWS.get(0))}).get(0)
        .get("projection");
    assertThat(projection).hasSize(5);
    for (float p : projection) {
      assertThat(Float.isFinite(p)).isTrue();
    }
    // ascending variance, as SageMaker orders them
    for (int j = 1; j < 5; j++) {
      assertThat(model.s()[j]).isGreaterThanOrEqualTo(model.s()[j - 1]);
    }
  }
}
