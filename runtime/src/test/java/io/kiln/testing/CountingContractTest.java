package io.kiln.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spi.Algorithm;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** The counting test algorithm passes the contract every built-in passes. */
class CountingContractTest extends AlgorithmContractTest {

  private static ChannelData iris() {
    return new ChannelData("text/csv", Map.of("iris.csv",
        (String.join("\n", SharedData.iris()) + "\n").getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  protected Algorithm<?> algorithm() {
    return new CountingAlgorithm();
  }

  @Override
  protected String trainingImage() {
    return "111122223333.dkr.ecr.us-east-1.amazonaws.com/kiln-counting:1";
  }

  @Override
  protected Map<String, ChannelData> smokeChannels() {
    return Map.of("train", iris());
  }

  @Override
  protected Map<String, String> smokeHyperparameters() {
    return Map.of("rounds", "5");
  }

  @Override
  protected Map<String, String> longHyperparameters() {
    return Map.of("rounds", "400", "sleep_ms", "30", "checkpoint_every", "10");
  }

  @Override
  protected BadJob badHyperparameter() {
    return new BadJob(Map.of("rounds", "-1"), smokeChannels(), List.of("Hyperparameter rounds=-1 is not valid"));
  }

  @Override
  protected BadJob badData() {
    byte[] bad = "1,2.5,3\n0,1.5,2\n1,abc,4\n".getBytes(StandardCharsets.UTF_8);
    return new BadJob(Map.of("rounds", "3"), Map.of("train", new ChannelData("text/csv", Map.of("bad.csv", bad))),
        List.of("bad.csv line 3", "column 2 is 'abc'"));
  }

  @Override
  protected void checkArtifact(Map<String, byte[]> modelFiles) {
    String model = new String(modelFiles.get("model.txt"), StandardCharsets.UTF_8);
    assertThat(model).containsPattern("rounds=[1-9][0-9]*");
  }
}
