package io.kiln.testing;

import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.ContentType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MediaType;
import io.kiln.spi.MetricDescriptor;
import io.kiln.spi.ObjectPredictor;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.TrainingOutcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hand-written algorithm for tests of {@code kiln predict} over whole objects. Its "model" is a
 * file {@value #MODEL_FILE} holding {@code tag=<text>} (training writes the {@code tag}
 * hyperparameter there, without reading data); its {@link ObjectPredictor} answers each object with
 * {@code {"prediction": [<byte length>, <first byte, 0-255>], "tag": "<tag>"}}, and with
 * {@code verbose=true} in the accept type the same members plus {@code "content_type"},
 * {@code "name"} and {@code "score": 0.50}, written over several lines (so the runtime's one-line
 * rewriting is seen). An object whose first byte is {@code X} is refused as a USER error ("not an
 * image"), one whose first byte is {@code !} gets an answer that is not JSON (an algorithm bug).
 *
 * <p>It takes {@code application/x-image}, {@code image/jpeg} and {@code image/png} whole, as
 * SageMaker's image algorithms do, and has no row predictor.
 */
public final class ObjectSizesAlgorithm implements Algorithm<String> {
  /** The model's file. */
  public static final String MODEL_FILE = "object-sizes-model.txt";
  /** The types taken whole. */
  public static final List<ContentType> TYPES = List.of(
      ContentType.of("application/x-image", ContentType.Split.OBJECTS),
      ContentType.of("image/jpeg", ContentType.Split.OBJECTS), ContentType.of("image/png", ContentType.Split.OBJECTS));
  /** Object predictors made in this JVM (the driver's check and every task's), for tests of grouping. */
  public static final AtomicInteger PREDICTORS = new AtomicInteger();

  @Override
  public String name() {
    return "object-sizes";
  }

  @Override
  public Set<String> imageRepositories() {
    return Set.of("kiln-object-sizes");
  }

  @Override
  public List<ChannelRequirement> channels() {
    return List.of(new ChannelRequirement("train", false, TYPES, TYPES.get(0)));
  }

  @Override
  public List<MetricDescriptor> metrics(Map<String, String> hyperparameters, Set<String> channels) {
    return List.of();
  }

  @Override
  public boolean needsBarrier(String tag) {
    return false;
  }

  @Override
  public String hyperparameters(Map<String, String> raw) {
    for (String k : raw.keySet()) {
      if (!k.equals("tag") && !io.kiln.spi.HyperparameterRule.reserved(k)) {
        throw KilnException.user("Hyperparameter " + k + " is not an object-sizes hyperparameter (only tag)");
      }
    }
    return raw.getOrDefault("tag", "");
  }

  @Override
  public TrainingOutcome train(TrainingContext context, String tag) {
    writeModel(context.modelDirectory(), tag);
    return new TrainingOutcome(0, Map.of(), false);
  }

  /** Writes a model with this tag into {@code dir}. */
  public static void writeModel(Path dir, String tag) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(MODEL_FILE), "tag=" + tag + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public boolean recognizes(Path dir) {
    return Files.isRegularFile(dir.resolve(MODEL_FILE));
  }

  @Override
  public List<ContentType> objectContentTypes() {
    return TYPES;
  }

  @Override
  public ObjectPredictor objectPredictor(Path dir) {
    String text;
    try {
      text = Files.readString(dir.resolve(MODEL_FILE));
    } catch (IOException e) {
      throw KilnException.user("The object-sizes model has no readable " + MODEL_FILE + ": " + e.getMessage());
    }
    if (!text.startsWith("tag=")) {
      throw KilnException.user("The object-sizes model's " + MODEL_FILE + " does not start with tag=");
    }
    String tag = text.substring(4).strip();
    PREDICTORS.incrementAndGet();
    return new ObjectPredictor() {
      @Override
      public String predict(String name, byte[] body, MediaType contentType, MediaType accept) {
        int first = body[0] & 0xff;
        if (first == 'X') {
          throw KilnException.user("not an image: it starts with 'X'; give a JPEG or PNG file");
        }
        if (first == '!') {
          return "{\"prediction\": [" + body.length + "] trailing";
        }
        String head = "{\"prediction\": [" + body.length + ", " + first + "], \"tag\": \"" + tag + "\"";
        if ("true".equals(accept.parameters().get("verbose"))) {
          return head + ",\n  \"content_type\": \"" + contentType.type() + "\",\n  \"name\": \"" + name
              + "\",\n  \"score\": 0.50\n}\n";
        }
        return head + "}";
      }

      @Override
      public void close() {}
    };
  }
}
