package io.kiln.algorithms.vision.detection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.algorithms.vision.VisionJobs;
import io.kiln.algorithms.vision.VisionJobs.Channel;
import io.kiln.predict.ModelFiles;
import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import io.kiln.spi.MediaType;
import io.kiln.spi.ObjectPredictor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Object Detection end to end on generated scenes ({@link Scenes}: real digits of three classes
 * pasted on 64x64 canvases, two or more per scene, validation scenes from other source digits):
 * SageMaker JSON annotations in annotation channels, validation:mAP (VOC07 at IoU 0.5) reported
 * per epoch and at least 0.5 for the model; the model files with the annotations' class names;
 * {@code kiln predict}'s predictor finding the validation scenes' digits; and incremental training
 * from the model channel.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObjectDetectionTest {
  static final String OD_IMAGE = "811284229777.dkr.ecr.us-east-1.amazonaws.com/object-detection:1";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Scenes.SceneSet SET = Scenes.generate(7, 256, 64, 64, 0, 1, 2);
  private static final String ROOT = "s3://" + VisionJobs.BUCKET + "/scenes/";
  private static JobResult first;

  private static Map<String, Channel> channels() {
    Map<String, Channel> channels = new LinkedHashMap<>();
    channels.put("train", new Channel(ROOT + "train/", "application/x-image"));
    channels.put("validation", new Channel(ROOT + "validation/", "application/x-image"));
    channels.put("train_annotation", new Channel(ROOT + "train_annotation/", "application/json"));
    channels.put("validation_annotation", new Channel(ROOT + "validation_annotation/", "application/json"));
    return channels;
  }

  private static Map<String, String> hyperparameters(int epochs) {
    Map<String, String> hp = new LinkedHashMap<>();
    hp.put("num_classes", "3");
    hp.put("num_training_samples", "256");
    hp.put("base_network", "resnet-50");
    hp.put("use_pretrained_model", "0");
    hp.put("image_shape", "64");
    hp.put("epochs", Integer.toString(epochs));
    hp.put("mini_batch_size", "16");
    hp.put("optimizer", "adam");
    hp.put("learning_rate", "0.002");
    return hp;
  }

  @Test
  @Order(1)
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void detectorOnDigitScenesReachesValidationMapOfOneHalf() throws Exception {
    Map<String, byte[]> objects = new LinkedHashMap<>();
    for (Scenes.Scene s : SET.train()) {
      objects.put("scenes/train/" + s.imagePath(), s.png());
      objects.put("scenes/train_annotation/" + s.jsonName(), s.json());
    }
    for (Scenes.Scene s : SET.validation()) {
      objects.put("scenes/validation/" + s.imagePath(), s.png());
      objects.put("scenes/validation_annotation/" + s.jsonName(), s.json());
    }
    VisionJobs.putAll(objects);
    first = VisionJobs.run(VisionJobs.request(OD_IMAGE, "od-scenes", hyperparameters(14), channels(), 1));
    assertThat(first.status()).as(first.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(VisionJobs.finalMetrics("od-scenes").get("validation:mAP")).isGreaterThanOrEqualTo(0.5);
    Map<String, byte[]> files = VisionJobs.modelFiles(first);
    assertThat(files).containsKeys(DetectionModel.NETWORK, DetectionModel.CONFIG, DetectionModel.SHAPES);
    // the class names come from the JSON annotations' categories
    assertThat(JSON.readTree(files.get(DetectionModel.CONFIG)).path("classes").toString())
        .isEqualTo("[\"digit0\",\"digit1\",\"digit2\"]");

    // kiln predict's predictor: SageMaker's [class, score, xmin, ymin, xmax, ymax] rows, normalised; on most
    // validation scenes the best detection is one of the scene's digits (same class, IoU >= 0.5)
    Path dir = Files.createTempDirectory("od-model");
    try {
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        Files.write(dir.resolve(f.getKey()), f.getValue());
      }
      ObjectDetectionAlgorithm algorithm = new ObjectDetectionAlgorithm();
      assertThat(algorithm.recognizes(dir)).isTrue();
      int hits = 0;
      List<Scenes.Scene> scenes = SET.validation().subList(0, 16);
      try (ObjectPredictor predictor = algorithm.objectPredictor(dir)) {
        for (Scenes.Scene s : scenes) {
          JsonNode rows = JSON.readTree(predictor.predict(s.imagePath(), s.png(), MediaType.parse("image/png"),
              MediaType.parse("application/json"))).path("prediction");
          assertThat(rows.isArray()).isTrue();
          double previous = Double.MAX_VALUE;
          for (JsonNode row : rows) {
            assertThat(row.size()).isEqualTo(6);
            assertThat(row.get(0).asInt()).isBetween(0, 2);
            assertThat(row.get(1).asDouble()).isBetween(0.0, 1.0).isLessThanOrEqualTo(previous);
            previous = row.get(1).asDouble();
            for (int k = 2; k < 6; k++) {
              assertThat(row.get(k).asDouble()).isBetween(-0.5, 1.5);
            }
          }
          if (rows.size() > 0 && matches(rows.get(0), s.boxes())) {
            hits++;
          }
        }
      }
      assertThat(hits).as("validation scenes whose best detection is a true digit").isGreaterThanOrEqualTo(8);
    } finally {
      ModelFiles.delete(dir);
    }
  }

  private static boolean matches(JsonNode row, List<Annotations.Box> truth) {
    for (Annotations.Box b : truth) {
      double ix = Math.min(row.get(4).asDouble(), b.xmax()) - Math.max(row.get(2).asDouble(), b.xmin());
      double iy = Math.min(row.get(5).asDouble(), b.ymax()) - Math.max(row.get(3).asDouble(), b.ymin());
      double inter = Math.max(0, ix) * Math.max(0, iy);
      double union = (row.get(4).asDouble() - row.get(2).asDouble()) * (row.get(5).asDouble() - row.get(3).asDouble())
          + (b.xmax() - b.xmin()) * (b.ymax() - b.ymin()) - inter;
      if (row.get(0).asInt() == b.classId() && inter / union >= 0.5) {
        return true;
      }
    }
    return false;
  }

  /**
   * The model channel: one more epoch from the first job's detector keeps its validation:mAP; with
   * freeze_layer_pattern the backbone's matching layers keep the first job's weights, the rest train.
   */
  @Test
  @Order(2)
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void incrementalTrainingContinuesFromTheModelChannel() throws Exception {
    assertThat(first).as("the first job ran").isNotNull();
    Map<String, Channel> channels = channels();
    channels.put("model", new Channel(first.modelArtifacts(), "application/x-sagemaker-model"));
    Map<String, String> hp = hyperparameters(1);
    hp.put("learning_rate", "0.0002");
    hp.put("freeze_layer_pattern", "^stage[12]_");
    JobResult r = VisionJobs.run(VisionJobs.request(OD_IMAGE, "od-scenes-more", hp, channels, 1));
    assertThat(r.status()).as(r.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    // from scratch, one epoch gives a validation:mAP near 0
    assertThat(VisionJobs.finalMetrics("od-scenes-more").get("validation:mAP")).isGreaterThanOrEqualTo(0.45);
    ComputationGraph before = network(VisionJobs.modelFiles(first));
    ComputationGraph after = network(VisionJobs.modelFiles(r));
    for (String frozen : List.of("stage1_unit1_conv1", "stage2_unit1_conv2")) {
      assertThat(after.getLayer(frozen).getParam("W")).as(frozen).isEqualTo(before.getLayer(frozen).getParam("W"));
    }
    for (String trained : List.of("stage3_unit1_conv1", "head")) {
      assertThat(after.getLayer(trained).getParam("W")).as(trained).isNotEqualTo(before.getLayer(trained).getParam("W"));
    }
  }

  private static ComputationGraph network(Map<String, byte[]> files) throws Exception {
    Path zip = Files.createTempFile("od-model", ".zip");
    try {
      Files.write(zip, files.get(DetectionModel.NETWORK));
      return ModelSerializer.restoreComputationGraph(zip.toFile(), false);
    } finally {
      Files.delete(zip);
    }
  }
}
