package io.kiln.algorithms.vision.detection;

import io.kiln.algorithms.vision.nets.Optimizers;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.nd4j.linalg.learning.config.AdaDelta;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The detector an Object Detection job trains: {@link Detectors#yolo} for the job's
 * {@code base_network}, square {@code image_shape} and {@code num_classes}, colour input, with the
 * updater of its {@code optimizer} hyperparameters ({@link Optimizers}; {@code adadelta} is DL4J's
 * {@link AdaDelta}, MXNet's AdaDelta without a learning rate), initialised from {@link #SEED} on every
 * worker.
 */
final class DetectionNetwork {
  /** The seed of every worker's initial network. */
  static final long SEED = 0x0D5EEDL;

  private DetectionNetwork() {}

  static Detectors.Network of(ObjectDetectionHyperparameters hp) {
    String steps = Arrays.stream(hp.lrSchedulerSteps()).mapToObj(Integer::toString).collect(Collectors.joining(","));
    IUpdater updater = hp.optimizer() == ObjectDetectionHyperparameters.Optimizer.ADADELTA ? new AdaDelta()
        : Optimizers.updater(hp.optimizer().sageMakerName(), hp.learningRate(), steps, hp.lrSchedulerFactor(),
            hp.momentum(), 0.9, 0.999, 1e-8, 0.9);
    boolean decays = hp.optimizer() == ObjectDetectionHyperparameters.Optimizer.SGD
        || hp.optimizer() == ObjectDetectionHyperparameters.Optimizer.RMSPROP;
    return Detectors.yolo(hp.baseNetwork().value(), DetectionImages.CHANNELS, hp.imageShape(),
        hp.imageShape(), hp.numClasses(), SEED, updater, decays ? hp.weightDecay() : 0);
  }
}
