package io.kiln.algorithms.vision.detection;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.algorithms.vision.images.Augmenter;
import io.kiln.algorithms.vision.images.ImageDecoder;
import io.kiln.spi.MediaType;
import io.kiln.spi.ObjectPredictor;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Object Detection's prediction over one image, as SageMaker's endpoint answers:
 * {@code {"prediction": [[class, score, xmin, ymin, xmax, ymax], ...]}}, coordinates as fractions
 * of the image's width and height, by descending score, after per-class non-maximum suppression at
 * the model's {@code nms_threshold}. The image is decoded in colour and resized to the model's
 * square input.
 */
final class DetectionPredictor implements ObjectPredictor {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final DetectionModel model;
  private final ComputationGraph network;
  private final ImageDecoder decoder = new ImageDecoder(DetectionImages.CHANNELS, 1, 1, 0);
  private final Augmenter augmenter;

  DetectionPredictor(Path modelDirectory) {
    this.model = DetectionModel.read(modelDirectory);
    this.network = DetectionModel.network(modelDirectory);
    this.augmenter = new Augmenter(DetectionImages.CHANNELS, model.side(), model.side());
  }

  @Override
  public String predict(String name, byte[] body, MediaType contentType, MediaType accept) {
    int side = model.side();
    float[] x = augmenter.center(decoder.decodeOnly(body, name).resize(side, side));
    List<Decoding.Detection> found = Decoding.decode(network.outputSingle(false,
        Nd4j.create(x, new long[] {1, DetectionImages.CHANNELS, side, side}, 'c')), model.priors(),
        DetectionWorker.CONFIDENCE, model.nmsThreshold()).get(0);
    ObjectNode doc = JSON.createObjectNode();
    ArrayNode rows = doc.putArray("prediction");
    for (Decoding.Detection d : found) {
      rows.addArray().add((double) d.classId()).add(d.score()).add(d.xmin()).add(d.ymin()).add(d.xmax()).add(d.ymax());
    }
    return doc.toString();
  }

  @Override
  public void close() {
    network.close();
  }
}
