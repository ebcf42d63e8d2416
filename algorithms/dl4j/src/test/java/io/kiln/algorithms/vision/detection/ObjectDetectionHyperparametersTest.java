package io.kiln.algorithms.vision.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.algorithms.vision.detection.ObjectDetectionHyperparameters.BaseNetwork;
import io.kiln.algorithms.vision.detection.ObjectDetectionHyperparameters.Optimizer;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Object Detection's hyperparameters: SageMaker's defaults and ranges (its "Object Detection
 * Hyperparameters" table), one clear user error per rule, lr_scheduler_step and freeze_layer_pattern.
 */
class ObjectDetectionHyperparametersTest {
  private static final String[] REQUIRED = {"num_classes", "3", "num_training_samples", "500"};

  private static ObjectDetectionHyperparameters parse(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < REQUIRED.length; i += 2) {
      m.put(REQUIRED[i], REQUIRED[i + 1]);
    }
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] == null) {
        m.remove(kv[i]);
      } else {
        m.put(kv[i], kv[i + 1]);
      }
    }
    return ObjectDetectionHyperparameters.parse(m);
  }

  private static void refused(String message, String... kv) {
    assertThatThrownBy(() -> parse(kv)).isInstanceOfSatisfying(KilnException.class, e -> {
      assertThat(e.type()).isEqualTo(ErrorType.USER);
      assertThat(e.getMessage()).isEqualTo(message);
    });
  }

  @Test
  void sageMakersDefaults() throws Exception {
    ObjectDetectionHyperparameters hp = parse();
    assertThat(hp.numClasses()).isEqualTo(3);
    assertThat(hp.numTrainingSamples()).isEqualTo(500);
    assertThat(hp.baseNetwork()).isEqualTo(BaseNetwork.VGG_16);
    assertThat(hp.baseNetwork().value()).isEqualTo("vgg-16");
    assertThat(hp.usePretrainedModel()).isTrue();
    assertThat(hp.earlyStopping()).isFalse();
    assertThat(hp.earlyStoppingMinEpochs()).isEqualTo(10);
    assertThat(hp.earlyStoppingPatience()).isEqualTo(5);
    assertThat(hp.earlyStoppingTolerance()).isEqualTo(0.0);
    assertThat(hp.imageShape()).isEqualTo(300);
    assertThat(hp.epochs()).isEqualTo(30);
    assertThat(hp.freezeLayerPattern()).isNull();
    assertThat(hp.freezes("conv1_1")).isFalse();
    assertThat(hp.kvStore()).isNull();
    assertThat(hp.labelWidth()).isEqualTo(350);
    assertThat(hp.learningRate()).isEqualTo(0.001);
    assertThat(hp.lrSchedulerFactor()).isEqualTo(0.1);
    assertThat(hp.lrSchedulerSteps()).isEmpty();
    assertThat(hp.miniBatchSize()).isEqualTo(32);
    assertThat(hp.momentum()).isEqualTo(0.9);
    assertThat(hp.nmsThreshold()).isEqualTo(0.45);
    assertThat(hp.optimizer()).isEqualTo(Optimizer.SGD);
    assertThat(hp.optimizerName()).isEqualTo("sgd");
    assertThat(hp.overlapThreshold()).isEqualTo(0.5);
    assertThat(hp.weightDecay()).isEqualTo(0.0005);
    assertThat(hp.tuningObjective()).isNull();
    assertThat(ObjectDetectionHyperparameters.names()).containsExactly("num_classes", "num_training_samples",
        "base_network", "early_stopping", "early_stopping_min_epochs", "early_stopping_patience",
        "early_stopping_tolerance", "epochs", "freeze_layer_pattern", "image_shape", "kv_store", "label_width",
        "learning_rate", "lr_scheduler_factor", "lr_scheduler_step", "mini_batch_size", "momentum", "nms_threshold",
        "optimizer", "overlap_threshold", "use_pretrained_model", "weight_decay");
    // it travels to Spark's executors
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(parse("lr_scheduler_step", "5,9", "freeze_layer_pattern", "^conv1_"));
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      ObjectDetectionHyperparameters back = (ObjectDetectionHyperparameters) in.readObject();
      assertThat(back.lrSchedulerSteps()).containsExactly(5, 9);
      assertThat(back.freezes("conv1_2")).isTrue();
    }
  }

  @Test
  void everyKeySetToAGoodValue() {
    ObjectDetectionHyperparameters hp = parse("num_classes", "20", "num_training_samples", "16551",
        "base_network", "resnet-50", "use_pretrained_model", "0", "early_stopping", "True",
        "early_stopping_min_epochs", "4", "early_stopping_patience", "2", "early_stopping_tolerance", "0.05",
        "image_shape", "512", "epochs", "240", "freeze_layer_pattern", "^(conv1_|conv2_).*",
        "kv_store", "dist_sync", "label_width", "60", "learning_rate", "1", "lr_scheduler_factor", "0.5",
        "lr_scheduler_step", "10, 20", "mini_batch_size", "64", "momentum", "1", "nms_threshold", "0.3",
        "optimizer", "RMSPROP", "overlap_threshold", "1", "weight_decay", "0.99",
        "_tuning_objective_metric", "validation:mAP", "sagemaker_container_log_level", "20");
    assertThat(hp.numClasses()).isEqualTo(20);
    assertThat(hp.numTrainingSamples()).isEqualTo(16551);
    assertThat(hp.baseNetwork()).isEqualTo(BaseNetwork.RESNET_50);
    assertThat(hp.usePretrainedModel()).isFalse();
    assertThat(hp.earlyStopping()).isTrue();
    assertThat(hp.earlyStoppingMinEpochs()).isEqualTo(4);
    assertThat(hp.earlyStoppingPatience()).isEqualTo(2);
    assertThat(hp.earlyStoppingTolerance()).isEqualTo(0.05);
    assertThat(hp.imageShape()).isEqualTo(512);
    assertThat(hp.epochs()).isEqualTo(240);
    assertThat(hp.freezeLayerPattern()).isEqualTo("^(conv1_|conv2_).*");
    assertThat(hp.kvStore()).isEqualTo("dist_sync");
    assertThat(hp.labelWidth()).isEqualTo(60);
    assertThat(hp.learningRate()).isEqualTo(1.0);
    assertThat(hp.lrSchedulerFactor()).isEqualTo(0.5);
    assertThat(hp.lrSchedulerSteps()).containsExactly(10, 20);
    assertThat(hp.miniBatchSize()).isEqualTo(64);
    assertThat(hp.momentum()).isEqualTo(1.0);
    assertThat(hp.nmsThreshold()).isEqualTo(0.3);
    assertThat(hp.optimizer()).isEqualTo(Optimizer.RMSPROP);
    assertThat(hp.overlapThreshold()).isEqualTo(1.0);
    assertThat(hp.weightDecay()).isEqualTo(0.99);
    assertThat(hp.tuningObjective()).isEqualTo("validation:mAP");
    // re.match semantics: anchored at the start of the name, not required to reach its end
    assertThat(hp.freezes("conv1_1_weight")).isTrue();
    assertThat(hp.freezes("conv2_2")).isTrue();
    assertThat(hp.freezes("conv3_1")).isFalse();
    assertThat(parse("freeze_layer_pattern", "conv1").freezes("conv1_1")).isTrue();
    assertThat(parse("freeze_layer_pattern", "conv1").freezes("stage1_conv1")).isFalse();
    assertThat(parse("freeze_layer_pattern", "").freezeLayerPattern()).isNull();
    for (String opt : List.of("sgd", "adam", "rmsprop", "adadelta")) {
      assertThat(parse("optimizer", opt).optimizerName()).isEqualTo(opt);
    }
    assertThat(parse("early_stopping", "FALSE").earlyStopping()).isFalse();
    assertThat(parse("image_shape", "32").imageShape()).isEqualTo(32);
    assertThat(parse("image_shape", "64.0").imageShape()).isEqualTo(64);
    assertThat(parse("label_width", "7").labelWidth()).isEqualTo(7);
    assertThat(parse("num_classes", "1").numClasses()).isEqualTo(1);
    assertThat(parse("lr_scheduler_step", "").lrSchedulerSteps()).isEmpty();
    assertThat(parse("early_stopping_tolerance", "0").earlyStoppingTolerance()).isEqualTo(0.0);
  }

  @Test
  void requiredAndUnknownKeys() {
    refused("Missing required hyperparameter num_classes: set it to the number of object classes (a whole number "
        + ">= 1; class ids 0 to num_classes - 1)", "num_classes", null);
    refused("Missing required hyperparameter num_training_samples: set it to the number of images in the train "
        + "channel (a whole number >= 1)", "num_training_samples", null);
    String known = String.join(", ", ObjectDetectionHyperparameters.names());
    refused("Hyperparameter nms_treshold=0.4 is not an Object Detection hyperparameter; did you mean "
        + "'nms_threshold'? (extraneous hyperparameter; known: " + known + ")", "nms_treshold", "0.4");
    refused("Hyperparameter num_layers=50 is not an Object Detection hyperparameter (extraneous hyperparameter; "
        + "known: " + known + ")", "num_layers", "50");
  }

  @Test
  void oneErrorPerRule() {
    // (0, 1]
    for (String key : List.of("learning_rate", "momentum", "nms_threshold", "overlap_threshold")) {
      refused("Hyperparameter " + key + "=0 is not valid: expected a number in (0, 1]", key, "0");
      refused("Hyperparameter " + key + "=1.5 is not valid: expected a number in (0, 1]", key, "1.5");
      refused("Hyperparameter " + key + "=x is not valid: expected a number in (0, 1]", key, "x");
    }
    // (0, 1)
    for (String key : List.of("lr_scheduler_factor", "weight_decay")) {
      refused("Hyperparameter " + key + "=0 is not valid: expected a number in (0, 1)", key, "0");
      refused("Hyperparameter " + key + "=1 is not valid: expected a number in (0, 1)", key, "1");
    }
    refused("Hyperparameter early_stopping_tolerance=1.01 is not valid: expected a number in [0, 1]",
        "early_stopping_tolerance", "1.01");
    for (String key : List.of("num_training_samples", "epochs", "mini_batch_size", "early_stopping_min_epochs",
        "early_stopping_patience")) {
      refused("Hyperparameter " + key + "=0 is not valid: expected a whole number >= 1", key, "0");
      refused("Hyperparameter " + key + "=1.5 is not valid: expected a whole number >= 1", key, "1.5");
    }
    refused("Hyperparameter num_classes=0 is not valid: expected a whole number >= 1", "num_classes", "0");
    refused("Hyperparameter base_network=vgg16 is not valid: expected one of vgg-16, resnet-50; did you mean "
        + "'vgg-16'?", "base_network", "vgg16");
    refused("Hyperparameter optimizer=nag is not valid: expected one of sgd, adam, rmsprop, adadelta",
        "optimizer", "nag");
    refused("Hyperparameter kv_store=local is not valid: expected one of dist_sync, dist_async", "kv_store", "local");
    refused("Hyperparameter early_stopping=1 is not valid: expected one of true, false", "early_stopping", "1");
    refused("Hyperparameter use_pretrained_model=true is not valid: expected one of 0, 1",
        "use_pretrained_model", "true");
    refused("Hyperparameter label_width=6 is not valid: expected a whole number >= 7", "label_width", "6");
  }

  @Test
  void imageShapeIsOneSide() {
    refused("Hyperparameter image_shape=3,300,300 is not valid: expected a whole number >= 32 (Object Detection's "
        + "image_shape is one number, the side of the square input, e.g. 300; not channels,height,width as in Image "
        + "Classification)", "image_shape", "3,300,300");
    refused("Hyperparameter image_shape=16 is not valid: expected a whole number >= 32 (the side in pixels of the "
        + "square the images are rescaled to; SageMaker recommends 300 or 512)", "image_shape", "16");
    refused("Hyperparameter image_shape=300.5 is not valid: expected a whole number >= 32 (the side in pixels of the "
        + "square the images are rescaled to; SageMaker recommends 300 or 512)", "image_shape", "300.5");
  }

  @Test
  void lrSchedulerStepAndFreezePattern() {
    String expected = "expected epochs separated by commas, each a whole number >= 1 and larger than the one "
        + "before, e.g. 10,20";
    refused("Hyperparameter lr_scheduler_step=20,10 is not valid: epoch 10 does not come after 20; " + expected,
        "lr_scheduler_step", "20,10");
    refused("Hyperparameter lr_scheduler_step=0 is not valid: epoch 0 is not >= 1; " + expected,
        "lr_scheduler_step", "0");
    refused("Hyperparameter lr_scheduler_step=10,,20 is not valid: an empty epoch; " + expected,
        "lr_scheduler_step", "10,,20");
    refused("Hyperparameter lr_scheduler_step=ten is not valid: 'ten' is not a whole number; " + expected,
        "lr_scheduler_step", "ten");
    assertThatThrownBy(() -> parse("freeze_layer_pattern", "^(conv1_|conv2_.*"))
        .isInstanceOfSatisfying(KilnException.class, e -> {
          assertThat(e.type()).isEqualTo(ErrorType.USER);
          assertThat(e.getMessage()).startsWith("Hyperparameter freeze_layer_pattern=^(conv1_|conv2_.* is not valid: "
              + "it is not a regular expression (").endsWith("); give a regular expression of layer names such as "
              + "^(conv1_|conv2_).*").doesNotContain("\n");
        });
    refused("Hyperparameter freeze_layer_pattern=^conv1_ cannot be used with optimizer=adadelta: Kiln freezes a layer "
        + "by giving it a learning rate of 0, which AdaDelta has not; use optimizer sgd, adam or rmsprop, or leave "
        + "freeze_layer_pattern out", "freeze_layer_pattern", "^conv1_", "optimizer", "adadelta");
  }
}
