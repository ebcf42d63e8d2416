package io.kiln.algorithms.vision.classification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.algorithms.vision.images.AugmentationType;
import io.kiln.algorithms.vision.classification.ImageClassificationHyperparameters.ImageShape;
import io.kiln.algorithms.vision.classification.ImageClassificationHyperparameters.Optimizer;
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
 * Image Classification's hyperparameters: SageMaker's defaults, one clear user error per rule, the
 * depths MXNet's resnet.py builds for an image height, lr_scheduler_step and the cross-key checks.
 */
class ImageClassificationHyperparametersTest {
  private static final String[] REQUIRED = {"num_classes", "10", "num_training_samples", "1000"};

  private static ImageClassificationHyperparameters parse(String... kv) {
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
    return ImageClassificationHyperparameters.parse(m);
  }

  private static void refused(String message, String... kv) {
    assertThatThrownBy(() -> parse(kv)).isInstanceOfSatisfying(KilnException.class, e -> {
      assertThat(e.type()).isEqualTo(ErrorType.USER);
      assertThat(e.getMessage()).isEqualTo(message);
    });
  }

  @Test
  void sageMakersDefaults() throws Exception {
    ImageClassificationHyperparameters hp = parse();
    assertThat(hp.numClasses()).isEqualTo(10);
    assertThat(hp.numTrainingSamples()).isEqualTo(1000);
    assertThat(hp.numLayers()).isEqualTo(152);
    assertThat(hp.imageShape()).isEqualTo(new ImageShape(3, 224, 224));
    assertThat(hp.imageShape()).hasToString("3,224,224");
    assertThat(hp.epochs()).isEqualTo(30);
    assertThat(hp.learningRate()).isEqualTo(0.1);
    assertThat(hp.miniBatchSize()).isEqualTo(32);
    assertThat(hp.optimizer()).isEqualTo(Optimizer.SGD);
    assertThat(hp.optimizerName()).isEqualTo("sgd");
    assertThat(hp.momentum()).isEqualTo(0.9);
    assertThat(hp.weightDecay()).isEqualTo(0.0001);
    assertThat(hp.beta1()).isEqualTo(0.9);
    assertThat(hp.beta2()).isEqualTo(0.999);
    assertThat(hp.eps()).isEqualTo(1e-8);
    assertThat(hp.gamma()).isEqualTo(0.9);
    assertThat(hp.lrSchedulerSteps()).isEmpty();
    assertThat(hp.lrSchedulerFactor()).isEqualTo(0.1);
    assertThat(hp.augmentationType()).isEqualTo(AugmentationType.NONE);
    assertThat(hp.resize()).isNull();
    assertThat(hp.usePretrainedModel()).isFalse();
    assertThat(hp.useWeightedLoss()).isFalse();
    assertThat(hp.earlyStopping()).isFalse();
    assertThat(hp.earlyStoppingMinEpochs()).isEqualTo(10);
    assertThat(hp.earlyStoppingPatience()).isEqualTo(5);
    assertThat(hp.earlyStoppingTolerance()).isEqualTo(0.0);
    assertThat(hp.topK()).isNull();
    assertThat(hp.precisionDtype()).isEqualTo("float32");
    assertThat(hp.float16Requested()).isFalse();
    assertThat(hp.multiLabel()).isFalse();
    assertThat(hp.checkpointFrequency()).isNull();
    assertThat(hp.kvStore()).isNull();
    assertThat(hp.tuningObjective()).isNull();
    assertThat(hp.smallImages()).isFalse();
    assertThat(hp.resNetPlan().units()).containsExactly(3, 8, 36, 3);
    assertThat(hp.resNetPlan().bottleneck()).isTrue();
    assertThat(ImageClassificationHyperparameters.names()).hasSize(29).startsWith("num_classes",
        "num_training_samples");
    // it travels to Spark's executors
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(parse("lr_scheduler_step", "5,9", "resize", "256", "augmentation_type", "crop"));
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      ImageClassificationHyperparameters back = (ImageClassificationHyperparameters) in.readObject();
      assertThat(back.lrSchedulerSteps()).containsExactly(5, 9);
      assertThat(back.resize()).isEqualTo(256);
      assertThat(back.augmentationType()).isEqualTo(AugmentationType.CROP);
    }
  }

  @Test
  void everyKeySetToAGoodValue() {
    ImageClassificationHyperparameters hp = parse("num_classes", "257", "num_training_samples", "15420",
        "num_layers", "18.0", "image_shape", " 1, 64 ,48 ", "epochs", "12", "learning_rate", "0.05",
        "mini_batch_size", "64", "optimizer", "NAG", "momentum", "0", "weight_decay", "1", "beta_1", "0.8",
        "beta_2", "0.99", "eps", "1e-7", "gamma", "0.95", "lr_scheduler_step", "4, 8", "lr_scheduler_factor", "0.5",
        "augmentation_type", "crop_color_transform", "resize", "72", "use_pretrained_model", "1",
        "use_weighted_loss", "1", "early_stopping", "True", "early_stopping_min_epochs", "3",
        "early_stopping_patience", "2", "early_stopping_tolerance", "0.01", "top_k", "5", "precision_dtype", "float16",
        "multi_label", "1", "checkpoint_frequency", "12", "kv_store", "dist_async");
    assertThat(hp.numClasses()).isEqualTo(257);
    assertThat(hp.numTrainingSamples()).isEqualTo(15420);
    assertThat(hp.numLayers()).isEqualTo(18);
    assertThat(hp.imageShape()).isEqualTo(new ImageShape(1, 64, 48));
    assertThat(hp.epochs()).isEqualTo(12);
    assertThat(hp.learningRate()).isEqualTo(0.05);
    assertThat(hp.miniBatchSize()).isEqualTo(64);
    assertThat(hp.optimizer()).isEqualTo(Optimizer.NAG);
    assertThat(hp.momentum()).isEqualTo(0.0);
    assertThat(hp.weightDecay()).isEqualTo(1.0);
    assertThat(hp.beta1()).isEqualTo(0.8);
    assertThat(hp.beta2()).isEqualTo(0.99);
    assertThat(hp.eps()).isEqualTo(1e-7);
    assertThat(hp.gamma()).isEqualTo(0.95);
    assertThat(hp.lrSchedulerSteps()).containsExactly(4, 8);
    assertThat(hp.lrSchedulerFactor()).isEqualTo(0.5);
    assertThat(hp.augmentationType()).isEqualTo(AugmentationType.CROP_COLOR_TRANSFORM);
    assertThat(hp.augmentationType().value()).isEqualTo("crop_color_transform");
    assertThat(hp.resize()).isEqualTo(72);
    assertThat(hp.usePretrainedModel()).isTrue();
    assertThat(hp.useWeightedLoss()).isTrue();
    assertThat(hp.earlyStopping()).isTrue();
    assertThat(hp.earlyStoppingMinEpochs()).isEqualTo(3);
    assertThat(hp.earlyStoppingPatience()).isEqualTo(2);
    assertThat(hp.earlyStoppingTolerance()).isEqualTo(0.01);
    assertThat(hp.topK()).isEqualTo(5);
    assertThat(hp.precisionDtype()).isEqualTo("float16");
    assertThat(hp.float16Requested()).isTrue();
    assertThat(hp.multiLabel()).isTrue();
    assertThat(hp.checkpointFrequency()).isEqualTo(12);
    assertThat(hp.kvStore()).isEqualTo("dist_async");
    assertThat(hp.resNetPlan().units()).containsExactly(2, 2, 2, 2);
    assertThat(hp.resNetPlan().bottleneck()).isFalse();
    assertThat(parse("early_stopping", "FALSE").earlyStopping()).isFalse();
    assertThat(parse("optimizer", "adam").optimizer()).isEqualTo(Optimizer.ADAM);
    assertThat(parse("optimizer", "rmsprop").optimizerName()).isEqualTo("rmsprop");
    // a multi-label classifier may have one class; top_k may equal num_classes
    assertThat(parse("num_classes", "1", "multi_label", "1").numClasses()).isEqualTo(1);
    assertThat(parse("num_classes", "3", "top_k", "3").topK()).isEqualTo(3);
    assertThat(parse("checkpoint_frequency", "30").checkpointFrequency()).isEqualTo(30);
  }

  @Test
  void requiredAndUnknownAndReservedKeys() {
    refused("Missing required hyperparameter num_classes: set it to the number of classes (a whole number >= 2; "
        + "labels 0 to num_classes - 1)", "num_classes", null);
    refused("Missing required hyperparameter num_training_samples: set it to the number of images in the train "
        + "channel (a whole number >= 1)", "num_training_samples", null);
    String known = String.join(", ", ImageClassificationHyperparameters.names());
    refused("Hyperparameter num_layer=18 is not an Image Classification hyperparameter; did you mean 'num_layers'? "
        + "(extraneous hyperparameter; known: " + known + ")", "num_layer", "18");
    refused("Hyperparameter base_network=resnet-50 is not an Image Classification hyperparameter (extraneous "
        + "hyperparameter; known: " + known + ")", "base_network", "resnet-50");
    ImageClassificationHyperparameters hp = parse("_tuning_objective_metric", "validation:accuracy",
        "sagemaker_container_log_level", "20", "_kiln_anything", "x");
    assertThat(hp.tuningObjective()).isEqualTo("validation:accuracy");
    assertThat(parse("_tuning_objective_metric", " ").tuningObjective()).isNull();
  }

  @Test
  void oneErrorPerRule() {
    String unit = "a number in [0, 1]";
    for (String key : List.of("learning_rate", "momentum", "weight_decay", "beta_1", "beta_2", "eps", "gamma",
        "lr_scheduler_factor", "early_stopping_tolerance")) {
      refused("Hyperparameter " + key + "=1.5 is not valid: expected " + unit, key, "1.5");
      refused("Hyperparameter " + key + "=-0.1 is not valid: expected " + unit, key, "-0.1");
      refused("Hyperparameter " + key + "=abc is not valid: expected " + unit, key, "abc");
    }
    for (String key : List.of("num_training_samples", "epochs", "mini_batch_size", "resize",
        "early_stopping_min_epochs", "early_stopping_patience", "checkpoint_frequency")) {
      refused("Hyperparameter " + key + "=0 is not valid: expected a whole number >= 1", key, "0");
      refused("Hyperparameter " + key + "=2.5 is not valid: expected a whole number >= 1", key, "2.5");
    }
    refused("Hyperparameter num_classes=0 is not valid: expected a whole number >= 1", "num_classes", "0");
    refused("Hyperparameter num_classes=1 is not valid: expected a whole number >= 2 (a single-label classifier "
        + "needs at least two classes; with multi_label=1, 1 is accepted)", "num_classes", "1");
    refused("Hyperparameter top_k=1 is not valid: expected a whole number >= 2", "top_k", "1");
    refused("Hyperparameter top_k=11 is not valid: expected a whole number from 2 to num_classes (10); the top-k "
        + "accuracy cannot rank more classes than there are", "top_k", "11");
    refused("Hyperparameter optimizer=adagrad is not valid: expected one of sgd, adam, rmsprop, nag",
        "optimizer", "adagrad");
    refused("Hyperparameter augmentation_type=crop_colour is not valid: expected one of crop, crop_color, "
        + "crop_color_transform; did you mean 'crop_color'?", "augmentation_type", "crop_colour");
    refused("Hyperparameter precision_dtype=float64 is not valid: expected one of float32, float16; did you mean "
        + "'float32'?", "precision_dtype", "float64");
    refused("Hyperparameter kv_store=local is not valid: expected one of dist_sync, dist_async", "kv_store", "local");
    refused("Hyperparameter early_stopping=1 is not valid: expected one of true, false", "early_stopping", "1");
    for (String flag : List.of("use_pretrained_model", "use_weighted_loss", "multi_label")) {
      refused("Hyperparameter " + flag + "=true is not valid: expected one of 0, 1", flag, "true");
    }
    refused("Hyperparameter num_layers=0 is not valid: expected a whole number >= 1", "num_layers", "0");
    refused("Hyperparameter num_layers=19 is not valid: expected one of 18, 34, 50, 101, 152, 200 (images taller "
        + "than 28 pixels, e.g. 224x224) or 20, 32, 44, 56, 110 (images at most 28 pixels tall, e.g. 28x28)",
        "num_layers", "19");
    // 269 and 164 are depths MXNet's resnet.py builds but SageMaker does not list
    refused("Hyperparameter num_layers=269 is not valid: expected one of 18, 34, 50, 101, 152, 200 (images taller "
        + "than 28 pixels, e.g. 224x224) or 20, 32, 44, 56, 110 (images at most 28 pixels tall, e.g. 28x28)",
        "num_layers", "269");
  }

  @Test
  void imageShapeIsChannelsHeightWidth() {
    String three = "expected channels,height,width as three whole numbers, e.g. 3,224,224 (colour) or 1,28,28 "
        + "(grayscale)";
    for (String bad : List.of("224,224", "3,224,224,1", "3x224x224", "3,224,", "", "3,22.5,224", "a,b,c")) {
      refused("Hyperparameter image_shape=" + bad + " is not valid: " + three, "image_shape", bad);
    }
    refused("Hyperparameter image_shape=4,224,224 is not valid: the channels (first number) must be 1 (grayscale) "
        + "or 3 (RGB), not 4", "image_shape", "4,224,224");
    refused("Hyperparameter image_shape=2,224,224 is not valid: the channels (first number) must be 1 (grayscale) "
        + "or 3 (RGB), not 2", "image_shape", "2,224,224");
    refused("Hyperparameter image_shape=3,0,224 is not valid: the height and width (second and third numbers) must "
        + "be whole numbers >= 1", "image_shape", "3,0,224");
    refused("Hyperparameter image_shape=3,224,-5 is not valid: the height and width (second and third numbers) "
        + "must be whole numbers >= 1", "image_shape", "3,224,-5");
    refused("Hyperparameter image_shape=3,100000,100000 is not valid: one image of channels x height x width values "
        + "must hold at most 2147483647 values; use a smaller height and width", "image_shape", "3,100000,100000");
    // SageMaker's documented default is written with spaces
    assertThat(parse("image_shape", "3, 224, 224").imageShape()).isEqualTo(new ImageShape(3, 224, 224));
    assertThat(parse("image_shape", "1,28,28", "num_layers", "20").imageShape()).isEqualTo(new ImageShape(1, 28, 28));
  }

  @Test
  void numLayersFitTheImageHeightAsMxnetsResnetBuildsThem() {
    // images at most 28 pixels tall: 3 stages, (n-2)/6 basic units below 164, (n-2)/9 bottleneck units from 164
    Map<Integer, int[]> small = Map.of(20, new int[] {3, 3, 3}, 32, new int[] {5, 5, 5}, 44, new int[] {7, 7, 7},
        50, new int[] {8, 8, 8}, 56, new int[] {9, 9, 9}, 110, new int[] {18, 18, 18}, 152, new int[] {25, 25, 25},
        200, new int[] {22, 22, 22});
    for (Map.Entry<Integer, int[]> e : small.entrySet()) {
      ImageClassificationHyperparameters hp = parse("image_shape", "1,28,32", "num_layers", e.getKey().toString());
      assertThat(hp.smallImages()).isTrue();
      assertThat(hp.resNetPlan().units()).as("num_layers %d", e.getKey()).containsExactly(e.getValue());
      assertThat(hp.resNetPlan().bottleneck()).isEqualTo(e.getKey() == 200);
    }
    // taller images: 4 stages, basic units for 18 and 34, bottleneck units from 50
    Map<Integer, int[]> large = Map.of(18, new int[] {2, 2, 2, 2}, 34, new int[] {3, 4, 6, 3}, 50,
        new int[] {3, 4, 6, 3}, 101, new int[] {3, 4, 23, 3}, 152, new int[] {3, 8, 36, 3}, 200,
        new int[] {3, 24, 36, 3});
    for (Map.Entry<Integer, int[]> e : large.entrySet()) {
      ImageClassificationHyperparameters hp = parse("image_shape", "3,29,29", "num_layers", e.getKey().toString());
      assertThat(hp.smallImages()).isFalse();
      assertThat(hp.resNetPlan().units()).as("num_layers %d", e.getKey()).containsExactly(e.getValue());
      assertThat(hp.resNetPlan().bottleneck()).isEqualTo(e.getKey() >= 50);
    }
    // the height decides, as in resnet.py; a narrow but tall image gets the large network
    assertThat(parse("image_shape", "3,224,16", "num_layers", "18").smallImages()).isFalse();
    for (String n : List.of("18", "34", "101")) {
      refused("Hyperparameters num_layers=" + n + " and image_shape=1,28,28 do not fit: a ResNet of " + n + " layers "
          + "needs images taller than 28 pixels, and image_shape's height is 28; for this height use num_layers 20, "
          + "32, 44, 50, 56, 110, 152, 200, or set image_shape's height above 28", "image_shape", "1,28,28",
          "num_layers", n);
    }
    for (String n : List.of("20", "32", "44", "56", "110")) {
      refused("Hyperparameters num_layers=" + n + " and image_shape=3,224,224 do not fit: a ResNet of " + n
          + " layers needs images at most 28 pixels tall, and image_shape's height is 224; for this height use "
          + "num_layers 18, 34, 50, 101, 152, 200, or set image_shape's height to at most 28", "num_layers", n);
    }
  }

  @Test
  void lrSchedulerStepIsIncreasingEpochs() {
    assertThat(parse("lr_scheduler_step", "10").lrSchedulerSteps()).containsExactly(10);
    assertThat(parse("lr_scheduler_step", "10, 20").lrSchedulerSteps()).containsExactly(10, 20);
    assertThat(parse("lr_scheduler_step", " 1,2,3 ").lrSchedulerSteps()).containsExactly(1, 2, 3);
    // an epoch past epochs is never reached, and accepted
    assertThat(parse("lr_scheduler_step", "10,40").lrSchedulerSteps()).containsExactly(10, 40);
    String expected = "expected epochs separated by commas, each a whole number >= 1 and larger than the one "
        + "before, e.g. 10,20";
    refused("Hyperparameter lr_scheduler_step=20,10 is not valid: epoch 10 does not come after 20; " + expected,
        "lr_scheduler_step", "20,10");
    refused("Hyperparameter lr_scheduler_step=10,10 is not valid: epoch 10 does not come after 10; " + expected,
        "lr_scheduler_step", "10,10");
    refused("Hyperparameter lr_scheduler_step=0,10 is not valid: epoch 0 is not >= 1; " + expected,
        "lr_scheduler_step", "0,10");
    refused("Hyperparameter lr_scheduler_step=10;20 is not valid: '10;20' is not a whole number; " + expected,
        "lr_scheduler_step", "10;20");
    refused("Hyperparameter lr_scheduler_step=10,,20 is not valid: an empty epoch; " + expected,
        "lr_scheduler_step", "10,,20");
    refused("Hyperparameter lr_scheduler_step= is not valid: an empty epoch; " + expected, "lr_scheduler_step", "");
    refused("Hyperparameter lr_scheduler_step=10,2.5 is not valid: '2.5' is not a whole number; " + expected,
        "lr_scheduler_step", "10,2.5");
  }

  @Test
  void checkpointFrequencyAtMostEpochs() {
    refused("Hyperparameter checkpoint_frequency=31 is not valid: expected a whole number from 1 to epochs (30, the "
        + "default); lower checkpoint_frequency or raise epochs", "checkpoint_frequency", "31");
    refused("Hyperparameter checkpoint_frequency=6 is not valid: expected a whole number from 1 to epochs (5); lower "
        + "checkpoint_frequency or raise epochs", "checkpoint_frequency", "6", "epochs", "5");
    assertThat(parse("checkpoint_frequency", "5", "epochs", "5").checkpointFrequency()).isEqualTo(5);
  }

  /**
   * conf/examples/image-classification.yaml (read as a spec by the runtime's ExampleSpecsTest) is a
   * job this algorithm takes: its hyperparameters (num_layers fitting its image height), and each
   * channel one the algorithm reads, in a ContentType it accepts there.
   */
  @Test
  void theShippedExampleSpecIsAJobImageClassificationTakes() {
    String root = System.getProperty("kiln.repo.root");
    assertThat(root).as("system property kiln.repo.root (set by surefire)").isNotNull();
    io.kiln.spec.TrainingJobSpec spec = io.kiln.spec.SpecReader.readTrainingJob(
        java.nio.file.Path.of(root, "conf", "examples", "image-classification.yaml"));
    ImageClassificationAlgorithm algorithm = new ImageClassificationAlgorithm();
    assertThat(spec.algorithm().name()).isEqualTo(algorithm.name());
    ImageClassificationHyperparameters hp = algorithm.hyperparameters(spec.hyperparameters());
    assertThat(hp.imageShape()).isEqualTo(new ImageShape(1, 8, 8));
    assertThat(hp.numLayers()).isEqualTo(20);
    assertThat(hp.numClasses()).isEqualTo(10);
    Map<String, io.kiln.spi.ChannelRequirement> channels = new LinkedHashMap<>();
    algorithm.channels().forEach(c -> channels.put(c.name(), c));
    assertThat(spec.channels()).allSatisfy(c -> {
      assertThat(channels).containsKey(c.name());
      assertThat(channels.get(c.name()).contentTypes()).as(c.name()).anyMatch(t -> t.matches(c.contentType()));
    });
    assertThat(spec.channels()).extracting(io.kiln.spec.ChannelSpec::name)
        .containsExactly("train", "train_lst", "validation", "validation_lst");
  }
}
