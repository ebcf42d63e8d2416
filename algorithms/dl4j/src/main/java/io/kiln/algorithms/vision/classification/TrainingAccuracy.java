package io.kiln.algorithms.vision.classification;

import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Counts the correct predictions of a training step from the step's own forward pass, as MXNet's
 * training accuracy is measured (no second forward pass): DL4J's training forward pass stops before
 * the output layer, so this listener applies the output layer's weights to its input (the pooled
 * features) itself. Softmax and sigmoid are monotone, so the logits decide as the probabilities do:
 * the top logit is the predicted class; with multi-label a logit above 0 (probability above 0.5)
 * predicts the class.
 */
final class TrainingAccuracy extends BaseTrainingListener {
  private final ComputationGraph graph;
  private final boolean multiLabel;
  private final String output;
  private final String feeding;
  private INDArray labels;
  private float correct;

  TrainingAccuracy(ComputationGraph graph, boolean multiLabel) {
    this.graph = graph;
    this.multiLabel = multiLabel;
    this.output = graph.getConfiguration().getNetworkOutputs().get(0);
    this.feeding = graph.getConfiguration().getVertexInputs().get(output).get(0);
  }

  /** The labels of the next step, {@code [rows, classes]}. */
  void expect(INDArray labels) {
    this.labels = labels;
    this.correct = Float.NaN;
  }

  /** Correct predictions of the last step (with multi-label: correct (image, class) pairs). */
  float correct() {
    if (Float.isNaN(correct)) {
      throw new IllegalStateException("no forward pass was seen for the step");
    }
    return correct;
  }

  @Override
  public void onForwardPass(Model model, Map<String, INDArray> activations) {
    INDArray features = activations.get(feeding);
    if (features == null || labels == null) {
      return;
    }
    INDArray flat = features.rank() == 2 ? features : features.dup('c').reshape(features.size(0), -1);
    INDArray logits = flat.mmul(graph.getParam(output + "_W")).addiRowVector(graph.getParam(output + "_b"));
    correct = correct(logits, labels, multiLabel, true);
  }

  /**
   * Correct predictions of {@code out} ({@code [rows, classes]}, logits or probabilities) against
   * one-hot or 0/1 {@code labels} of the same shape.
   */
  static float correct(INDArray out, INDArray labels, boolean multiLabel, boolean logits) {
    if (multiLabel) {
      INDArray predicted = out.gt(logits ? 0.0 : 0.5).castTo(labels.dataType());
      return predicted.eq(labels).castTo(labels.dataType()).sumNumber().floatValue();
    }
    INDArray predicted = Nd4j.argMax(out, 1);
    INDArray truth = Nd4j.argMax(labels, 1);
    return predicted.eq(truth).castTo(labels.dataType()).sumNumber().floatValue();
  }
}
