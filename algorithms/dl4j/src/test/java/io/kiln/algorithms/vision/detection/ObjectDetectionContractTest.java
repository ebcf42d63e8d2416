package io.kiln.algorithms.vision.detection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.spi.Algorithm;
import io.kiln.testing.AlgorithmContractTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Object Detection passes the contract every built-in passes, on 48 generated digit scenes
 * ({@link Scenes}) with SageMaker JSON annotations and the {@code vgg-16} backbone (ObjectDetectionTest
 * trains {@code resnet-50}): a SageMaker request for the object-detection
 * image, a bad hyperparameter and a truncated PNG as user errors, a stop that keeps the model, a
 * refused tuning objective, and an executor SIGKILLed mid-training on a standalone cluster: with a
 * checkpoint every epoch the job resumes from the epoch before the kill.
 */
class ObjectDetectionContractTest extends AlgorithmContractTest {
  private static final Scenes.SceneSet SET = Scenes.generate(11, 48, 16, 64, 3, 4, 5);

  private static Map<String, ChannelData> channels(List<Scenes.Scene> train, List<Scenes.Scene> validation) {
    Map<String, ChannelData> out = new LinkedHashMap<>();
    out.put("train", images(train));
    out.put("train_annotation", annotations(train));
    if (validation != null) {
      out.put("validation", images(validation));
      out.put("validation_annotation", annotations(validation));
    }
    return out;
  }

  private static ChannelData images(List<Scenes.Scene> scenes) {
    Map<String, byte[]> objects = new LinkedHashMap<>();
    scenes.forEach(s -> objects.put(s.imagePath(), s.png()));
    return new ChannelData("application/x-image", objects);
  }

  private static ChannelData annotations(List<Scenes.Scene> scenes) {
    Map<String, byte[]> objects = new LinkedHashMap<>();
    scenes.forEach(s -> objects.put(s.jsonName(), s.json()));
    return new ChannelData("application/json", objects);
  }

  @Override
  protected Algorithm<?> algorithm() {
    return new ObjectDetectionAlgorithm();
  }

  @Override
  protected String trainingImage() {
    return ObjectDetectionTest.OD_IMAGE;
  }

  @Override
  protected Map<String, ChannelData> smokeChannels() {
    return channels(SET.train(), SET.validation());
  }

  private static Map<String, String> hyperparameters(int epochs) {
    return Map.of("num_classes", "3", "num_training_samples", "48", "base_network", "vgg-16",
        "use_pretrained_model", "0", "image_shape", "64", "epochs", Integer.toString(epochs), "mini_batch_size", "16",
        "optimizer", "adam", "learning_rate", "0.002");
  }

  @Override
  protected Map<String, String> smokeHyperparameters() {
    return hyperparameters(2);
  }

  @Override
  protected Map<String, String> longHyperparameters() {
    // more epochs than the stop and the kill need (both when round 2, the third epoch, is reported; a
    // checkpoint every epoch)
    return hyperparameters(4);
  }

  @Override
  protected int checkpointIntervalRounds() {
    return 1;
  }

  @Override
  protected BadJob badHyperparameter() {
    Map<String, String> hp = new LinkedHashMap<>(hyperparameters(1));
    hp.put("base_network", "resnet-18");
    return new BadJob(hp, smokeChannels(), List.of("base_network", "resnet-18"));
  }

  @Override
  protected BadJob badData() {
    List<Scenes.Scene> train = SET.train().subList(0, 8);
    Map<String, ChannelData> channels = channels(train, null);
    Map<String, byte[]> objects = new LinkedHashMap<>(channels.get("train").objects());
    Scenes.Scene broken = train.get(3);
    objects.put(broken.imagePath(), Arrays.copyOf(broken.png(), broken.png().length / 2));
    channels.put("train", new ChannelData("application/x-image", objects));
    return new BadJob(hyperparameters(1), channels, List.of(broken.imagePath()));
  }

  @Override
  protected void checkArtifact(Map<String, byte[]> modelFiles) throws Exception {
    assertThat(modelFiles).containsKeys(DetectionModel.NETWORK, DetectionModel.CONFIG, DetectionModel.SHAPES);
    assertThat(new ObjectMapper().readTree(modelFiles.get(DetectionModel.CONFIG)).path("classes").toString())
        .isEqualTo("[\"digit3\",\"digit4\",\"digit5\"]");
    Path zip = Files.createTempFile("od-contract", ".zip");
    try {
      Files.write(zip, modelFiles.get(DetectionModel.NETWORK));
      ComputationGraph network = ModelSerializer.restoreComputationGraph(zip.toFile(), false);
      // trained: not the network every worker starts from
      ComputationGraph initial = new ComputationGraph(DetectionNetwork.of(
          ObjectDetectionHyperparameters.parse(hyperparameters(1))).configuration());
      initial.init();
      assertThat(network.numParams()).isEqualTo(initial.numParams());
      assertThat(network.params().equalsWithEps(initial.params(), 1e-6)).isFalse();
    } finally {
      Files.delete(zip);
    }
  }
}
