package io.kiln.algorithms.vision.classification;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.algorithms.vision.VisionJobs;
import io.kiln.algorithms.vision.VisionJobs.Channel;
import io.kiln.algorithms.vision.VisionJobs.Digits;
import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Image Classification end to end on real digit images (scikit-learn's 8x8 digits as PNG files and
 * a .lst, every fifth image a validation image): accuracy, the model files, incremental training
 * from the model channel, two workers, bad inputs, and a ResNet-18 smoke run on colour images.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImageClassificationTest {
  private static Digits digits;
  /** The first test's one-worker job, continued and compared with by the next ones. */
  private static JobResult trained;
  private static double accuracy;
  private static String prefix;

  @BeforeAll
  static void upload() {
    digits = Digits.load();
    prefix = "s3://" + VisionJobs.BUCKET + "/digits/";
    Map<String, byte[]> objects = new LinkedHashMap<>();
    StringBuilder train = new StringBuilder();
    StringBuilder validation = new StringBuilder();
    for (int i = 0; i < digits.size(); i++) {
      boolean held = i % 5 == 4;
      String name = String.format("img-%04d.png", i);
      objects.put("digits/" + (held ? "validation/" : "train/") + name, digits.pngs.get(i));
      (held ? validation : train).append(i).append('\t').append(digits.labels.get(i)).append(".0\t").append(name)
          .append('\n');
    }
    objects.put("digits/train_lst/train.lst", train.toString().getBytes(StandardCharsets.UTF_8));
    objects.put("digits/validation_lst/validation.lst", validation.toString().getBytes(StandardCharsets.UTF_8));
    VisionJobs.putAll(objects);
  }

  static Map<String, Channel> channels() {
    Map<String, Channel> c = new LinkedHashMap<>();
    c.put("train", new Channel(prefix + "train/", "application/x-image"));
    c.put("validation", new Channel(prefix + "validation/", "application/x-image"));
    c.put("train_lst", new Channel(prefix + "train_lst/", "application/x-image"));
    c.put("validation_lst", new Channel(prefix + "validation_lst/", "application/x-image"));
    return c;
  }

  static Map<String, String> resnet20(int epochs) {
    Map<String, String> hp = new LinkedHashMap<>();
    hp.put("num_classes", "10");
    hp.put("num_training_samples", "1438");
    hp.put("num_layers", "20");
    hp.put("image_shape", "1,8,8");
    hp.put("epochs", Integer.toString(epochs));
    hp.put("mini_batch_size", "32");
    hp.put("learning_rate", "0.1");
    return hp;
  }

  @Test
  @Order(1)
  void resnet20OnDigitPngsReachesValidationAccuracyAndTheModelScoresAsReported() throws Exception {
    JobResult r = VisionJobs.run(VisionJobs.request(VisionJobs.IC_IMAGE, "ic-digits", resnet20(4), channels(), 1));
    assertThat(r.status()).as(r.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    Map<String, Double> metrics = VisionJobs.finalMetrics("ic-digits");
    assertThat(metrics.get("validation:accuracy")).isGreaterThanOrEqualTo(0.95);
    assertThat(metrics.get("train:accuracy")).isGreaterThan(0.9);

    Map<String, byte[]> files = VisionJobs.modelFiles(r);
    assertThat(files).containsKeys(ClassificationModel.NETWORK, ClassificationModel.CONFIG, ClassificationModel.SHAPES);
    assertThat(new String(files.get(ClassificationModel.SHAPES), StandardCharsets.UTF_8))
        .isEqualTo("[{\"shape\":[1,1,8,8],\"name\":\"data\"}]");
    // the artifact's network, run here on the validation images, scores what the job reported
    Path zip = Files.createTempFile("ic-model", ".zip");
    Files.write(zip, files.get(ClassificationModel.NETWORK));
    ComputationGraph network = ModelSerializer.restoreComputationGraph(zip.toFile(), false);
    int correct = 0;
    int n = 0;
    for (int i = 4; i < digits.size(); i += 5) {
      float[] x = new float[64];
      for (int p = 0; p < 64; p++) {
        x[p] = Math.round(digits.pixels.get(i)[p] * 255 / 16) / 255f;
      }
      INDArray out = network.outputSingle(false, Nd4j.create(x, new long[] {1, 1, 8, 8}, 'c'));
      correct += Nd4j.argMax(out, 1).getInt(0) == digits.labels.get(i) ? 1 : 0;
      n++;
    }
    assertThat((double) correct / n).isCloseTo(metrics.get("validation:accuracy"), org.assertj.core.data.Offset.offset(1e-6));
    Files.delete(zip);
    trained = r;
    accuracy = metrics.get("validation:accuracy");
  }

  @Test
  @Order(2)
  void theModelChannelContinuesFromAnEarlierArtifact() {
    assertThat(trained).as("the first test's job").isNotNull();
    JobResult r = trained;
    // incremental training: one epoch at a small rate from the model channel keeps the accuracy,
    // which one epoch from scratch at that rate is far from
    String model = VisionJobs.put("digits/model/model.tar.gz", VisionJobs.read(r.modelArtifacts()));
    Map<String, Channel> c = channels();
    c.put("model", new Channel(model.substring(0, model.lastIndexOf('/') + 1), "application/x-sagemaker-model"));
    Map<String, String> hp = resnet20(1);
    hp.put("learning_rate", "0.001");
    hp.put("use_pretrained_model", "1");
    JobResult again = VisionJobs.run(VisionJobs.request(VisionJobs.IC_IMAGE, "ic-digits-more", hp, c, 1));
    assertThat(again.status()).as(again.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(VisionJobs.finalMetrics("ic-digits-more").get("validation:accuracy")).isGreaterThanOrEqualTo(0.93);
  }

  @Test
  @Order(3)
  void twoWorkersReachOneWorkersAccuracyWithinOnePoint() {
    assertThat(trained).as("the first test's job").isNotNull();
    // data parallelism: two workers (each half the images, one gradient all-reduce per step) reach
    // the one-worker accuracy within one point
    JobResult two = VisionJobs.run(VisionJobs.request(VisionJobs.IC_IMAGE, "ic-digits-2", resnet20(4), channels(), 2));
    assertThat(two.status()).as(two.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(VisionJobs.finalMetrics("ic-digits-2").get("validation:accuracy"))
        .isCloseTo(accuracy, org.assertj.core.data.Offset.offset(0.01));
  }

  /**
   * A bad image or list line fails the job as a user error naming the file (and line), with no
   * model and nothing under the job's output.
   */
  @Test
  @Order(4)
  void badImagesAndListLinesFailNamingTheFileWithNothingWritten() {
    String base = "bad/";
    Map<String, byte[]> objects = new LinkedHashMap<>();
    StringBuilder lst = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      objects.put(base + "images/img-" + i + ".png", digits.pngs.get(i));
      lst.append(i).append('\t').append(digits.labels.get(i)).append("\timg-").append(i).append(".png\n");
    }
    byte[] png = digits.pngs.get(9);
    objects.put(base + "images/truncated.png", java.util.Arrays.copyOf(png, png.length - 20));
    java.awt.image.BufferedImage colour = new java.awt.image.BufferedImage(8, 8, java.awt.image.BufferedImage.TYPE_INT_RGB);
    colour.setRGB(3, 3, 0xff0000);
    objects.put(base + "images/colour.png", VisionJobs.png(colour));
    Map<String, String> lists = new LinkedHashMap<>();
    lists.put("truncated", lst + "8\t1\ttruncated.png\n");
    lists.put("colour", lst + "8\t1\tcolour.png\n");
    lists.put("missing", lst + "8\t1\tnot-there.png\n");
    lists.put("escaping", lst + "8\t1\t../images/img-1.png\n");
    lists.forEach((name, text) -> objects.put(base + "lst-" + name + "/train.lst", text.getBytes(StandardCharsets.UTF_8)));
    VisionJobs.putAll(objects);
    Map<String, java.util.List<String>> expected = Map.of(
        "truncated", java.util.List.of("images/truncated.png"),
        "colour", java.util.List.of("images/colour.png", "image_shape"),
        "missing", java.util.List.of("lst-missing/train.lst line 9", "not-there.png"),
        "escaping", java.util.List.of("lst-escaping/train.lst", "line 9"));
    String root = "s3://" + VisionJobs.BUCKET + "/" + base;
    for (String name : lists.keySet()) {
      Map<String, Channel> c = new LinkedHashMap<>();
      c.put("train", new Channel(root + "images/", "application/x-image"));
      c.put("train_lst", new Channel(root + "lst-" + name + "/", "application/x-image"));
      Map<String, String> hp = resnet20(1);
      hp.put("mini_batch_size", "4");
      String job = "ic-bad-" + name;
      JobResult r = VisionJobs.run(VisionJobs.request(VisionJobs.IC_IMAGE, job, hp, c, 1));
      assertThat(r.status()).as(name).isEqualTo(TrainingJobStatus.Failed);
      assertThat(r.failureReason()).as(name).startsWith("ClientError: ").contains(expected.get(name))
          .doesNotContain("\tat ");
      assertThat(r.modelArtifacts()).as(name).isNull();
      assertThat(io.kiln.testing.S3Files.list(VisionJobs.spark().sparkContext().hadoopConfiguration(),
          "s3a://" + VisionJobs.BUCKET + "/output/" + job + "/")).as(name).containsOnly(".kiln-job.json");
    }
  }
  /**
   * ResNet-18 (SageMaker's network for images taller than 28 pixels) smoke run on a few colour
   * images in a folder per class: the job completes, reports both metrics and writes a model whose
   * network is a ResNet-18 for 3x32x32 input.
   */
  @Test
  @Order(5)
  void resnet18SmokeRunOnAFewColourImages() throws Exception {
    Map<String, byte[]> objects = new LinkedHashMap<>();
    java.util.Random random = new java.util.Random(18);
    for (int i = 0; i < 24; i++) {
      int label = i % 2;
      java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(32, 32,
          java.awt.image.BufferedImage.TYPE_INT_RGB);
      java.awt.Graphics2D g = img.createGraphics();
      g.setColor(new java.awt.Color(random.nextInt(60), random.nextInt(60), random.nextInt(60)));
      g.fillRect(0, 0, 32, 32);
      g.setColor(label == 0 ? java.awt.Color.RED : java.awt.Color.BLUE);
      g.fillRect(random.nextInt(16), random.nextInt(16), 12, 12);
      g.dispose();
      objects.put("r18/" + (i < 16 ? "train/" : "validation/") + (label == 0 ? "red" : "blue") + "/img-" + i + ".png",
          VisionJobs.png(img));
    }
    VisionJobs.putAll(objects);
    String root = "s3://" + VisionJobs.BUCKET + "/r18/";
    Map<String, Channel> c = new LinkedHashMap<>();
    c.put("train", new Channel(root + "train/", "application/x-image"));
    c.put("validation", new Channel(root + "validation/", "application/x-image"));
    Map<String, String> hp = new LinkedHashMap<>();
    hp.put("num_classes", "2");
    hp.put("num_training_samples", "16");
    hp.put("num_layers", "18");
    hp.put("image_shape", "3,32,32");
    hp.put("epochs", "1");
    hp.put("mini_batch_size", "8");
    JobResult r = VisionJobs.run(VisionJobs.request(VisionJobs.IC_IMAGE, "ic-resnet18", hp, c, 1));
    assertThat(r.status()).as(r.failureReason()).isEqualTo(TrainingJobStatus.Completed);
    assertThat(VisionJobs.finalMetrics("ic-resnet18")).containsKeys("train:accuracy", "validation:accuracy");
    Map<String, byte[]> files = VisionJobs.modelFiles(r);
    assertThat(new String(files.get(ClassificationModel.SHAPES), StandardCharsets.UTF_8))
        .isEqualTo("[{\"shape\":[1,3,32,32],\"name\":\"data\"}]");
    Path zip = Files.createTempFile("ic-r18", ".zip");
    try {
      Files.write(zip, files.get(ClassificationModel.NETWORK));
      ComputationGraph network = ModelSerializer.restoreComputationGraph(zip.toFile(), false);
      // ResNet-18 with a 2-class head: the PyTorch twin (scripts/lib/kiln_resnet_v2.py) has 11,172,162
      // parameters and 7,814 BatchNorm running statistics, which DL4J counts as parameters too
      assertThat(network.numParams()).isBetween(11_172_162L, 11_172_162L + 7_814L);
      assertThat(network.outputSingle(false, Nd4j.rand(new int[] {1, 3, 32, 32})).shape()).containsExactly(1, 2);
    } finally {
      Files.delete(zip);
    }
  }
}
