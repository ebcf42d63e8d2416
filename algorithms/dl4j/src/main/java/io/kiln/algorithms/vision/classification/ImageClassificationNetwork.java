package io.kiln.algorithms.vision.classification;

import io.kiln.algorithms.vision.nets.Optimizers;
import io.kiln.algorithms.vision.nets.ResNets;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;

/**
 * The network an Image Classification job trains: {@link ResNets#imageClassification} for the job's
 * {@code num_layers}, {@code image_shape}, {@code num_classes} and {@code multi_label}, with the
 * {@link Optimizers} updater of its {@code optimizer} hyperparameters, initialised from
 * {@link ClassificationWorker#SEED} (the same on every worker).
 */
final class ImageClassificationNetwork {
  private ImageClassificationNetwork() {}

  /**
   * Builds and initialises the network.
   *
   * @param classWeights with {@code use_weighted_loss}, the binary cross-entropy's weight per class
   *     (multi-label only), else null
   */
  static ComputationGraph build(ImageClassificationHyperparameters hp, double[] classWeights) {
    ComputationGraphConfiguration conf = configuration(hp);
    if (classWeights != null) {
      BaseOutputLayer output = (BaseOutputLayer) ((LayerVertex) conf.getVertices().get(ResNets.OUTPUT))
          .getLayerConf().getLayer();
      output.setLossFn(new LossBinaryXENT(Nd4j.createFromArray(classWeights).castTo(
          org.nd4j.linalg.api.buffer.DataType.FLOAT).reshape(1, classWeights.length)));
    }
    ComputationGraph graph = new ComputationGraph(conf);
    graph.init();
    return graph;
  }

  /** The network's configuration (no class weights). */
  static ComputationGraphConfiguration configuration(ImageClassificationHyperparameters hp) {
    String steps = Arrays.stream(hp.lrSchedulerSteps()).mapToObj(Integer::toString).collect(Collectors.joining(","));
    IUpdater updater = Optimizers.updater(hp.optimizer().sageMakerName(), hp.learningRate(), steps,
        hp.lrSchedulerFactor(), hp.momentum(), hp.beta1(), hp.beta2(), hp.eps(), hp.gamma());
    boolean decays = hp.optimizer() == ImageClassificationHyperparameters.Optimizer.SGD
        || hp.optimizer() == ImageClassificationHyperparameters.Optimizer.NAG;
    ImageClassificationHyperparameters.ImageShape shape = hp.imageShape();
    return ResNets.imageClassification(hp.numLayers(), shape.channels(), shape.height(), shape.width(),
        hp.numClasses(), hp.multiLabel(), ClassificationWorker.SEED, updater, decays ? hp.weightDecay() : 0);
  }
}
