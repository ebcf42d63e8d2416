package io.kiln.algorithms.vision.classification;

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
import java.util.OptionalInt;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * The files of an Image Classification model ({@code model.tar.gz}):
 *
 * <ul>
 *   <li>{@value #NETWORK}: the network, DL4J's {@link ModelSerializer} format (a zip of the graph's
 *       configuration JSON and its parameters; no updater state);
 *   <li>{@value #CONFIG}: what prediction needs besides the network: {@code num_classes},
 *       {@code num_layers}, {@code image_shape} ({@code "channels,height,width"}), {@code resize}
 *       (or null), {@code multi_label} and {@code classes} (the class names by index);
 *   <li>{@value #SHAPES}: SageMaker's {@code model-shapes.json}, {@code [{"shape": [1, channels,
 *       height, width], "name": "data"}]};
 *   <li>with {@code checkpoint_frequency}, the network after every that many epochs as
 *       {@code image-classification-NNNN.zip} (the epoch, 4 digits), as SageMaker keeps
 *       {@code image-classification-NNNN.params}.
 * </ul>
 *
 * @param numClasses classes the network outputs
 * @param numLayers the ResNet's depth
 * @param imageShape the network's input, channels x height x width
 * @param resize the shorter side images were resized to before cropping, if any
 * @param multiLabel whether the output is a sigmoid per class (else a softmax)
 * @param classes class names by index ({@code numClasses} of them)
 */
public record ClassificationModel(int numClasses, int numLayers, ImageClassificationHyperparameters.ImageShape imageShape,
    OptionalInt resize, boolean multiLabel, List<String> classes) {
  public static final String NETWORK = "image-classification.zip";
  public static final String CONFIG = "image-classification-config.json";
  public static final String SHAPES = "model-shapes.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  public ClassificationModel {
    classes = List.copyOf(classes);
  }

  /** The file name of the network saved after {@code epoch} epochs ({@code checkpoint_frequency}). */
  public static String periodicName(int epoch) {
    return String.format(java.util.Locale.ROOT, "image-classification-%04d.zip", epoch);
  }

  /** Writes {@code network} and the description files into {@code dir}. */
  public void write(ComputationGraph network, Path dir) {
    try {
      ModelSerializer.writeModel(network, dir.resolve(NETWORK).toFile(), false);
      ObjectNode config = JSON.createObjectNode();
      config.put("num_classes", numClasses);
      config.put("num_layers", numLayers);
      config.put("image_shape", imageShape.channels() + "," + imageShape.height() + "," + imageShape.width());
      if (resize.isPresent()) {
        config.put("resize", resize.getAsInt());
      } else {
        config.putNull("resize");
      }
      config.put("multi_label", multiLabel ? 1 : 0);
      ArrayNode names = config.putArray("classes");
      classes.forEach(names::add);
      JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(CONFIG).toFile(), config);
      ArrayNode shapes = JSON.createArrayNode();
      ObjectNode data = shapes.addObject();
      data.putArray("shape").add(1).add(imageShape.channels()).add(imageShape.height()).add(imageShape.width());
      data.put("name", "data");
      JSON.writeValue(dir.resolve(SHAPES).toFile(), shapes);
    } catch (IOException e) {
      throw KilnException.internal("Cannot write the model files into " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Whether {@code dir} holds an Image Classification model (its two files), without loading it. */
  public static boolean present(Path dir) {
    return Files.isRegularFile(dir.resolve(NETWORK)) && Files.isRegularFile(dir.resolve(CONFIG));
  }

  /**
   * Reads {@value #CONFIG} from a model directory.
   *
   * @throws KilnException USER naming the file when it is missing or not such a document
   */
  public static ClassificationModel read(Path dir) {
    Path file = dir.resolve(CONFIG);
    if (!Files.isRegularFile(file) || !Files.isRegularFile(dir.resolve(NETWORK))) {
      throw KilnException.user("The model has no " + NETWORK + " and " + CONFIG + ": it is not a Kiln Image "
          + "Classification model (model.tar.gz of an image-classification job)");
    }
    try {
      JsonNode c = JSON.readTree(file.toFile());
      String[] shape = c.path("image_shape").asText("").split(",");
      if (shape.length != 3 || !c.path("num_classes").canConvertToInt() || !c.path("classes").isArray()) {
        throw KilnException.user(CONFIG + " of the model lacks num_classes, image_shape or classes: it was not "
            + "written by Kiln's Image Classification; train the model again");
      }
      List<String> classes = new ArrayList<>();
      c.path("classes").forEach(n -> classes.add(n.asText()));
      OptionalInt resize = c.path("resize").canConvertToInt() ? OptionalInt.of(c.path("resize").asInt())
          : OptionalInt.empty();
      return new ClassificationModel(c.path("num_classes").asInt(), c.path("num_layers").asInt(),
          new ImageClassificationHyperparameters.ImageShape(Integer.parseInt(shape[0].trim()),
              Integer.parseInt(shape[1].trim()), Integer.parseInt(shape[2].trim())),
          resize, c.path("multi_label").asInt() == 1, classes);
    } catch (IOException | NumberFormatException e) {
      throw KilnException.user(CONFIG + " of the model is not valid JSON (" + e.getMessage() + "): train the model again");
    }
  }

  /**
   * Loads the network of a model directory.
   *
   * @throws KilnException USER when the file is not a DL4J network
   */
  public static ComputationGraph network(Path dir) {
    try {
      return ModelSerializer.restoreComputationGraph(dir.resolve(NETWORK).toFile(), false);
    } catch (IOException | RuntimeException e) {
      throw KilnException.user("The model's " + NETWORK + " is not a DL4J network (" + e.getMessage()
          + "): train the model again");
    }
  }
}
