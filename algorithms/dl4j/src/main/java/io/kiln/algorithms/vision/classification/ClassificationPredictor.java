package io.kiln.algorithms.vision.classification;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.algorithms.vision.images.Augmenter;
import io.kiln.algorithms.vision.images.ImageDecoder;
import io.kiln.spi.MediaType;
import io.kiln.spi.ObjectPredictor;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Image Classification's prediction over one image (JPEG or PNG), as SageMaker's endpoint answers:
 * the class probabilities of the softmax (or, multi-label, of each class's sigmoid) in class order.
 * With {@code --accept application/json} the document is the list itself,
 * {@code [p_0, ..., p_{k-1}]}; with {@code application/jsonlines} it is
 * {@code {"prediction": [p_0, ...]}}, and {@code verbose=true} adds {@code "labels"} (the class
 * names) and {@code "predicted_label"} (the top class's name).
 *
 * <p>The image goes through training's validation path exactly: decoded to the model's channels,
 * resized as its {@code resize} said (or not at all), centre-cropped to its {@code image_shape},
 * scaled to [0, 1]. An image the model cannot take is a USER error naming the image, its size and
 * the model's {@code image_shape}, and a fix to the image (scale it up, crop it to the shape's
 * aspect, convert it to grayscale) or retraining, not a training hyperparameter alone
 * ({@link ImageDecoder#forPrediction}).
 */
final class ClassificationPredictor implements ObjectPredictor {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ClassificationModel model;
  private final ComputationGraph network;
  private final ImageDecoder decoder;
  private final Augmenter augmenter;

  ClassificationPredictor(Path modelDirectory) {
    this.model = ClassificationModel.read(modelDirectory);
    this.network = ClassificationModel.network(modelDirectory);
    ImageClassificationHyperparameters.ImageShape shape = model.imageShape();
    this.decoder = ImageDecoder.forPrediction(shape.channels(), shape.height(), shape.width(),
        model.resize().orElse(0));
    this.augmenter = new Augmenter(shape.channels(), shape.height(), shape.width());
  }

  @Override
  public String predict(String name, byte[] body, MediaType contentType, MediaType accept) {
    ImageClassificationHyperparameters.ImageShape shape = model.imageShape();
    float[] x = augmenter.center(decoder.decode(body, name));
    INDArray out = network.outputSingle(false, Nd4j.create(x, new long[] {1, shape.channels(), shape.height(),
        shape.width()}, 'c'));
    float[] p = out.toFloatVector();
    ArrayNode probabilities = JSON.createArrayNode();
    for (float v : p) {
      probabilities.add(v);
    }
    if (!"application/jsonlines".equals(accept.type())) {
      return probabilities.toString();
    }
    ObjectNode doc = JSON.createObjectNode();
    doc.set("prediction", probabilities);
    if ("true".equalsIgnoreCase(accept.parameter("verbose"))) {
      ArrayNode labels = doc.putArray("labels");
      model.classes().forEach(labels::add);
      int top = 0;
      for (int i = 1; i < p.length; i++) {
        top = p[i] > p[top] ? i : top;
      }
      doc.put("predicted_label", model.classes().get(top));
    }
    return doc.toString();
  }

  @Override
  public void close() {
    network.close();
  }
}
