package io.kiln.algorithms.vision.classification;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.algorithms.vision.VisionJobs;
import io.kiln.algorithms.vision.VisionJobs.Digits;
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
import org.nd4j.linalg.factory.Nd4j;

/**
 * Image Classification passes the contract every built-in passes, on 240 real digit images in a
 * folder per class: a SageMaker request for the image-classification image, a bad hyperparameter
 * and a truncated PNG as user errors, a stop that keeps the model, a refused tuning objective, and
 * an executor SIGKILLed mid-training on a standalone cluster: with a checkpoint every epoch
 * ({@link #checkpointIntervalRounds()} 1) the job resumes from the epoch before the kill.
 */
class ImageClassificationContractTest extends AlgorithmContractTest {
  private static final Digits DIGITS = Digits.load();
  private static final int IMAGES = 240;

  private static ChannelData folders(int from, int to) {
    Map<String, byte[]> objects = new LinkedHashMap<>();
    for (int i = from; i < to; i++) {
      objects.put(DIGITS.labels.get(i) + "/img-" + i + ".png", DIGITS.pngs.get(i));
    }
    return new ChannelData("application/x-image", objects);
  }

  @Override
  protected Algorithm<?> algorithm() {
    return new ImageClassificationAlgorithm();
  }

  @Override
  protected String trainingImage() {
    return VisionJobs.IC_IMAGE;
  }

  @Override
  protected Map<String, ChannelData> smokeChannels() {
    return Map.of("train", folders(0, IMAGES), "validation", folders(IMAGES, IMAGES + 60));
  }

  private static Map<String, String> hyperparameters(int epochs) {
    return Map.of("num_classes", "10", "num_training_samples", Integer.toString(IMAGES), "num_layers", "20",
        "image_shape", "1,8,8", "epochs", Integer.toString(epochs), "mini_batch_size", "16");
  }

  @Override
  protected Map<String, String> smokeHyperparameters() {
    return hyperparameters(3);
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
    hp.put("num_layers", "19");
    return new BadJob(hp, smokeChannels(), List.of("num_layers=19"));
  }

  @Override
  protected BadJob badData() {
    ChannelData good = folders(0, 20);
    Map<String, byte[]> objects = new LinkedHashMap<>(good.objects());
    byte[] png = DIGITS.pngs.get(21);
    objects.put("3/truncated.png", Arrays.copyOf(png, png.length / 2));
    return new BadJob(hyperparameters(1), Map.of("train", new ChannelData("application/x-image", objects)),
        List.of("3/truncated.png"));
  }

  @Override
  protected void checkArtifact(Map<String, byte[]> modelFiles) throws Exception {
    assertThat(modelFiles).containsKeys(ClassificationModel.NETWORK, ClassificationModel.CONFIG,
        ClassificationModel.SHAPES);
    Path zip = Files.createTempFile("ic-contract", ".zip");
    try {
      Files.write(zip, modelFiles.get(ClassificationModel.NETWORK));
      ComputationGraph network = ModelSerializer.restoreComputationGraph(zip.toFile(), false);
      // a trained network, not its initial weights: most training images are classified right
      int right = 0;
      for (int i = 0; i < IMAGES; i++) {
        float[] x = new float[64];
        for (int p = 0; p < 64; p++) {
          x[p] = Math.round(DIGITS.pixels.get(i)[p] * 255 / 16) / 255f;
        }
        int predicted = Nd4j.argMax(network.outputSingle(false, Nd4j.create(x, new long[] {1, 1, 8, 8}, 'c')), 1)
            .getInt(0);
        right += predicted == DIGITS.labels.get(i) ? 1 : 0;
      }
      assertThat(right).isGreaterThan(IMAGES / 2);
    } finally {
      Files.delete(zip);
    }
  }
}
