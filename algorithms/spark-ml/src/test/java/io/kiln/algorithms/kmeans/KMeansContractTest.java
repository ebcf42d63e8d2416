package io.kiln.algorithms.kmeans;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.algorithms.pca.SageMakerJobs;
import io.kiln.spi.Algorithm;
import io.kiln.testing.AlgorithmContractTest;
import io.kiln.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * K-Means passes the contract every built-in passes. A round is a mini-batch step on every worker; the
 * long job runs 4 epochs of 40-row mini-batches of iris (75 rows a worker: 2 rounds an epoch, 8 in
 * all) with a checkpoint every 2 rounds (every epoch), so the kill (at round 4) lands mid-training and
 * the resumed attempt continues from the newest checkpoint (at most one epoch lost).
 */
class KMeansContractTest extends AlgorithmContractTest {
  private static final List<String> ROWS = SharedData.iris();

  private static ChannelData csv(String contentType, List<String> lines) {
    return new ChannelData(contentType, Map.of("data.csv",
        (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  protected Algorithm<?> algorithm() {
    return new KMeansAlgorithm();
  }

  @Override
  protected String trainingImage() {
    return "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1";
  }

  @Override
  protected Map<String, ChannelData> smokeChannels() {
    return Map.of("train", csv("text/csv", ROWS), "test", csv("text/csv", ROWS.subList(0, 30)));
  }

  @Override
  protected Map<String, String> smokeHyperparameters() {
    return Map.of("k", "3", "feature_dim", "4");
  }

  @Override
  protected Map<String, String> longHyperparameters() {
    return Map.of("k", "3", "feature_dim", "4", "epochs", "4", "mini_batch_size", "40");
  }

  @Override
  protected int checkpointIntervalRounds() {
    return 2;
  }

  @Override
  protected BadJob badHyperparameter() {
    return new BadJob(Map.of("k", "3", "feature_dim", "4", "init_method", "kmeans+"), smokeChannels(),
        List.of("init_method=kmeans+", "kmeans++"));
  }

  @Override
  protected BadJob badData() {
    List<String> lines = List.of("1,0.5,2.5", "0,1.5,3.5", "1,x,4.5");
    return new BadJob(Map.of("k", "2", "feature_dim", "2"), Map.of("train", csv("text/csv", lines)),
        List.of("data.csv line 3", "'x'"));
  }

  @Override
  protected void checkArtifact(Map<String, byte[]> modelFiles) throws Exception {
    byte[] bytes = modelFiles.get(KMeansModel.FILE);
    assertThat(bytes).as("model.tar.gz holds %s", KMeansModel.FILE).isNotNull();
    KMeansModel model = KMeansModel.read(bytes);
    assertThat(model.k()).isEqualTo(3);
    assertThat(model.featureDim()).isEqualTo(4);
    Map<String, Object> p = model.predict(new float[][] {SageMakerJobs.features(ROWS.get(0))}).get(0);
    assertThat(p).containsOnlyKeys("closest_cluster", "distance_to_cluster");
    assertThat((Float) p.get("closest_cluster")).isIn(0f, 1f, 2f);
    assertThat((Float) p.get("distance_to_cluster")).isGreaterThanOrEqualTo(0f).isLessThan(10f);
  }
}
