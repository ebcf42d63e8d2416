package io.kiln.algorithms.vision.detection;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.algorithms.vision.VisionJobs;
import io.kiln.algorithms.vision.VisionJobs.Channel;
import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Object Detection end to end on generated scenes ({@link Scenes}: real digits of three classes
 * pasted on 64x64 canvases, two or more per scene, validation scenes from other source digits):
 * SageMaker JSON annotations in annotation channels, validation:mAP (VOC07 at IoU 0.5) reported
 * per epoch and at least 0.5 for the model, and the model files.
 */
class ObjectDetectionTest {
  static final String OD_IMAGE = "811284229777.dkr.ecr.us-east-1.amazonaws.com/object-detection:1";

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void detectorOnDigitScenesReachesValidationMapOfOneHalf() {
    Scenes.SceneSet set = Scenes.generate(7, 256, 64, 64, 0, 1, 2);
    Map<String, byte[]> objects = new LinkedHashMap<>();
    for (Scenes.Scene s : set.train()) {
      objects.put("scenes/train/" + s.imagePath(), s.png());
      objects.put("scenes/train_annotation/" + s.jsonName(), s.json());
    }
    for (Scenes.Scene s : set.validation()) {
      objects.put("scenes/validation/" + s.imagePath(), s.png());
      objects.put("scenes/validation_annotation/" + s.jsonName(), s.json());
    }
    VisionJobs.putAll(objects);
    String root = "s3://" + VisionJobs.BUCKET + "/scenes/";
    Map<String, Channel> channels = new LinkedHashMap<>();
    channels.put("train", new Channel(root + "train/", "application/x-image"));
    channels.put("validation", new Channel(root + "validation/", "application/x-image"));
    channels.put("train_annotation", new Channel(root + "train_annotation/", "application/json"));
    channels.put("validation_annotation", new Channel(root + "validation_annotation/", "application/json"));
    Map<String, String> hp = new LinkedHashMap<>();
    hp.put("num_classes", "3");
    hp.put("num_training_samples", "256");
    hp.put("base_network", "resnet-50");
    hp.put("use_pretrained_model", "0");
    hp.put("image_shape", "64");
    hp.put("epochs", "14");
    hp.put("mini_batch_size", "16");
    hp.put("optimizer", "adam");
    hp.put("learning_rate", "0.002");
    JobResult r = VisionJobs.run(VisionJobs.request(OD_IMAGE, "od-scenes", hp, channels, 1));
    assertThat(r.status()).as(r.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(VisionJobs.finalMetrics("od-scenes").get("validation:mAP")).isGreaterThanOrEqualTo(0.5);
    assertThat(VisionJobs.modelFiles(r)).containsKeys(DetectionModel.NETWORK, DetectionModel.CONFIG,
        DetectionModel.SHAPES);
  }
}
