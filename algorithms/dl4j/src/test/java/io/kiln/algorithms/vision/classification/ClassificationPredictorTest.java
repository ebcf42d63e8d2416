package io.kiln.algorithms.vision.classification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.algorithms.vision.VisionJobs;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MediaType;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code kiln predict}'s Image Classification predictor on model files as a job writes them (an
 * untrained ResNet-20, written by {@link ClassificationModel#write}): an image that fits gets one
 * probability per class; an image the model cannot take is a USER error naming the image, its size,
 * the model's image_shape (and resize) and a fix to the image, or retraining, never a training
 * hyperparameter as the only fix.
 */
class ClassificationPredictorTest {
  private static final MediaType IMAGE = MediaType.parse("application/x-image");
  private static final MediaType JSON_OUT = MediaType.parse("application/json");
  private static Path root;
  /** image_shape 1,8,8, no resize. */
  private static ClassificationPredictor plain;
  /** image_shape 1,8,12, resize 8. */
  private static ClassificationPredictor resized;

  @BeforeAll
  static void models() throws Exception {
    root = Files.createTempDirectory("ic-predictor-");
    plain = new ClassificationPredictor(model("plain", "1,8,8", null));
    resized = new ClassificationPredictor(model("resized", "1,8,12", 8));
  }

  @AfterAll
  static void close() throws Exception {
    plain.close();
    resized.close();
    try (var files = Files.walk(root)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static Path model(String name, String shape, Integer resize) throws Exception {
    Map<String, String> raw = new LinkedHashMap<>();
    raw.put("num_classes", "3");
    raw.put("num_training_samples", "30");
    raw.put("num_layers", "20");
    raw.put("image_shape", shape);
    raw.put("mini_batch_size", "4");
    ImageClassificationHyperparameters hp = ImageClassificationHyperparameters.parse(raw);
    ComputationGraph network = ImageClassificationNetwork.build(hp, null);
    Path dir = Files.createDirectories(root.resolve(name));
    new ClassificationModel(3, 20, hp.imageShape(), resize == null ? OptionalInt.empty() : OptionalInt.of(resize),
        false, List.of("a", "b", "c")).write(network, dir);
    network.close();
    return dir;
  }

  private static byte[] gray(int width, int height) {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
    for (int i = 0; i < width * height; i++) {
      img.getRaster().setSample(i % width, i / width, 0, (i * 37) % 256);
    }
    return VisionJobs.png(img);
  }

  private static void assertRefused(ClassificationPredictor predictor, String name, byte[] body, String message) {
    assertThatThrownBy(() -> predictor.predict(name, body, IMAGE, JSON_OUT))
        .isInstanceOfSatisfying(KilnException.class, e -> {
          assertThat(e.type()).isEqualTo(ErrorType.USER);
          assertThat(e.getMessage()).isEqualTo(message);
        });
  }

  @Test
  void anImageThatCoversTheShapeGetsOneProbabilityPerClass() throws Exception {
    for (byte[] image : List.of(gray(8, 8), gray(11, 9))) {
      JsonNode p = new ObjectMapper().readTree(plain.predict("in/a.png", image, IMAGE, JSON_OUT));
      assertThat(p.size()).isEqualTo(3);
      double sum = 0;
      for (JsonNode v : p) {
        sum += v.asDouble();
      }
      assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
    }
    // landscape 24x16: its shorter side scaled to 8 gives 12x8, the shape
    assertThat(new ObjectMapper().readTree(resized.predict("in/wide.png", gray(24, 16), IMAGE, JSON_OUT)).size())
        .isEqualTo(3);
  }

  @Test
  void anImageSmallerThanTheShapeNamesItsSizeTheModelsShapeAndScalingTheImage() {
    assertRefused(plain, "in/small.png", gray(6, 5), "image in/small.png is 6x5 pixels (width x height), smaller "
        + "than the model's image_shape=1,8,8 (8x8), and the model was trained without resize, so it takes images "
        + "at their own size; scale the image to at least 8x8 pixels before predicting, or retrain the model with "
        + "the hyperparameter resize (e.g. resize=8)");
    assertRefused(plain, "in/narrow.png", gray(7, 20), "image in/narrow.png is 7x20 pixels (width x height), "
        + "smaller than the model's image_shape=1,8,8 (8x8), and the model was trained without resize, so it "
        + "takes images at their own size; scale the image to at least 8x8 pixels before predicting, or retrain "
        + "the model with the hyperparameter resize (e.g. resize=8)");
    // portrait 10x20 becomes 8x16 with the model's resize=8: narrower than the shape's 12
    assertRefused(resized, "in/tall.png", gray(10, 20), "image in/tall.png is 8x16 pixels (width x height) once "
        + "its shorter side is scaled to the model's resize=8, smaller than the model's image_shape=1,8,12 (12x8); "
        + "crop the image to the shape's aspect (width:height 12:8) before predicting, or retrain the model with "
        + "resize at least 12");
  }

  @Test
  void otherImagesTheModelCannotTakeNameAFixToTheInputNotToTheTrainingJob() {
    BufferedImage colour = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
    colour.setRGB(3, 2, 0xff0000);
    assertRefused(plain, "in/colour.png", VisionJobs.png(colour), "image in/colour.png is a colour image (pixel "
        + "x=3, y=2 is not gray) but the model takes 1 channel (its image_shape=1,8,8); convert the image to "
        + "grayscale before predicting, or retrain the model with image_shape=3,8,8");
    byte[] png = gray(8, 8);
    assertThatThrownBy(() -> plain.predict("in/cut.png", Arrays.copyOf(png, png.length - 20), IMAGE, JSON_OUT))
        .isInstanceOfSatisfying(KilnException.class, e -> assertThat(e.getMessage()).startsWith("image in/cut.png ")
            .endsWith("re-encode or re-upload it, or remove it from the input").doesNotContain("list"));
    assertRefused(plain, "in/notes.txt", "hello, world".getBytes(java.nio.charset.StandardCharsets.UTF_8),
        "image in/notes.txt is not a JPEG or PNG file (it starts with bytes 68 65 6c 6c 6f 2c 20 77); Image "
        + "Classification reads JPEG and PNG: convert the image or remove it from the input");
  }
}
