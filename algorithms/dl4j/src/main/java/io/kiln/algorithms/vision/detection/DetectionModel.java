package io.kiln.algorithms.vision.detection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.spi.KilnException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * The files of an Object Detection model ({@code model.tar.gz}): {@value #NETWORK} (the detector,
 * DL4J's {@link ModelSerializer} format, no updater state), {@value #CONFIG} (what decoding needs:
 * {@code num_classes}, {@code base_network}, {@code image_shape}, {@code nms_threshold}, the YOLO
 * {@code priors} in grid units, the {@code classes} by index) and SageMaker's
 * {@value #SHAPES} ({@code [{"shape": [1, 3, side, side], "name": "data"}]}).
 *
 * @param numClasses classes the detector tells apart
 * @param baseNetwork SageMaker's {@code base_network} the backbone was chosen by
 * @param side the square input's side in pixels ({@code image_shape})
 * @param nmsThreshold the non-maximum suppression IoU of predictions
 * @param priors the YOLO priors, {@code {width, height}} in grid cells
 * @param classes class names by index
 */
record DetectionModel(int numClasses, String baseNetwork, int side, double nmsThreshold, double[][] priors,
    List<String> classes) {
  static final String NETWORK = "object-detection.zip";
  static final String CONFIG = "object-detection-config.json";
  static final String SHAPES = "model-shapes.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  void write(ComputationGraph network, Path dir) {
    try {
      ModelSerializer.writeModel(network, dir.resolve(NETWORK).toFile(), false);
      ObjectNode c = JSON.createObjectNode();
      c.put("num_classes", numClasses);
      c.put("base_network", baseNetwork);
      c.put("image_shape", side);
      c.put("nms_threshold", nmsThreshold);
      ArrayNode p = c.putArray("priors");
      for (double[] prior : priors) {
        p.addArray().add(prior[0]).add(prior[1]);
      }
      ArrayNode names = c.putArray("classes");
      classes.forEach(names::add);
      JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(CONFIG).toFile(), c);
      ArrayNode shapes = JSON.createArrayNode();
      ObjectNode data = shapes.addObject();
      data.putArray("shape").add(1).add(DetectionImages.CHANNELS).add(side).add(side);
      data.put("name", "data");
      JSON.writeValue(dir.resolve(SHAPES).toFile(), shapes);
    } catch (IOException e) {
      throw KilnException.internal("Cannot write the model files into " + dir + ": " + e.getMessage(), e);
    }
  }

  static boolean present(Path dir) {
    return Files.isRegularFile(dir.resolve(NETWORK)) && Files.isRegularFile(dir.resolve(CONFIG));
  }

  /** Reads {@value #CONFIG}; USER naming the file when the directory is not such a model. */
  static DetectionModel read(Path dir) {
    if (!present(dir)) {
      throw KilnException.user("The model has no " + NETWORK + " and " + CONFIG + ": it is not a Kiln Object "
          + "Detection model (model.tar.gz of an object-detection job)");
    }
    try {
      JsonNode c = JSON.readTree(dir.resolve(CONFIG).toFile());
      List<double[]> priors = new ArrayList<>();
      c.path("priors").forEach(p -> priors.add(new double[] {p.path(0).asDouble(), p.path(1).asDouble()}));
      List<String> classes = new ArrayList<>();
      c.path("classes").forEach(n -> classes.add(n.asText()));
      if (!c.path("num_classes").canConvertToInt() || !c.path("image_shape").canConvertToInt() || priors.isEmpty()) {
        throw KilnException.user(CONFIG + " of the model lacks num_classes, image_shape or priors: train the model again");
      }
      return new DetectionModel(c.path("num_classes").asInt(), c.path("base_network").asText(),
          c.path("image_shape").asInt(), c.path("nms_threshold").asDouble(0.45), priors.toArray(new double[0][]),
          classes);
    } catch (IOException e) {
      throw KilnException.user(CONFIG + " of the model is not valid JSON (" + e.getMessage() + "): train the model again");
    }
  }

  static ComputationGraph network(Path dir) {
    try {
      return ModelSerializer.restoreComputationGraph(dir.resolve(NETWORK).toFile(), false);
    } catch (IOException | RuntimeException e) {
      throw KilnException.user("The model's " + NETWORK + " is not a DL4J network (" + e.getMessage()
          + "): train the model again");
    }
  }
}
