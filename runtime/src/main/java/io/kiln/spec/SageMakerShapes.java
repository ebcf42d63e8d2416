package io.kiln.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.spi.KilnException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The request shapes of SageMaker's CreateTrainingJob and CreateHyperParameterTuningJob, so a
 * request written for AWS is checked field by field before Kiln maps what applies.
 *
 * <p>Shapes live in {@code sagemaker-shapes.json}, a compact description of the service model's
 * shapes (member names, types, enums, ranges). A field that belongs to no shape is an error naming
 * the closest valid field; every member of the shape is accepted.
 */
public final class SageMakerShapes {
  /** Members the service marks required that have no meaning, or a safe default, in Kiln. */
  private static final Set<String> NOT_REQUIRED_HERE = Set.of("RoleArn", "TrainingInputMode");
  /** Enums with more values than this are not listed in full in an error. */
  private static final int MAX_LISTED_ENUM_VALUES = 20;

  private static volatile SageMakerShapes instance;

  private final JsonNode shapes;
  private final Map<String, Pattern> patterns = new ConcurrentHashMap<>();

  private SageMakerShapes(JsonNode shapes) {
    this.shapes = shapes;
  }

  public static SageMakerShapes get() {
    if (instance == null) {
      try (InputStream in = SageMakerShapes.class.getResourceAsStream("sagemaker-shapes.json")) {
        if (in == null) {
          throw new IllegalStateException("sagemaker-shapes.json is missing from the classpath");
        }
        instance = new SageMakerShapes(new ObjectMapper().readTree(in));
      } catch (IOException e) {
        throw new IllegalStateException("Cannot read sagemaker-shapes.json", e);
      }
    }
    return instance;
  }

  /** The member names of a structure shape. */
  public List<String> members(String shapeName) {
    List<String> names = new ArrayList<>();
    shape(shapeName).path("members").fieldNames().forEachRemaining(names::add);
    return names;
  }

  public boolean hasShape(String shapeName) {
    return shapes.has(shapeName);
  }

  /**
   * Checks {@code request} (a spec tree whose scalars are text) against {@code rootShape}; throws a
   * USER error naming the first offending field.
   */
  public void validate(JsonNode request, String rootShape, String source) {
    check(request, rootShape, "", source);
  }

  private void check(JsonNode value, String shapeName, String path, String source) {
    JsonNode shape = shape(shapeName);
    String type = shape.path("type").asText();
    String where = path.isEmpty() ? "the request" : "'" + path + "'";
    if (value.isNull()) {
      return;
    }
    switch (type) {
      case "structure" -> {
        if (!value.isObject()) {
          throw error(source, where + " must be an object");
        }
        JsonNode members = shape.path("members");
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          String memberPath = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
          if (!members.has(e.getKey())) {
            List<String> valid = new ArrayList<>();
            members.fieldNames().forEachRemaining(valid::add);
            throw error(source, "unknown field '" + memberPath + "'" + Names.suggestion(e.getKey(), valid)
                + " (not a member of " + shapeName + ")");
          }
          check(e.getValue(), members.get(e.getKey()).asText(), memberPath, source);
        }
        for (JsonNode req : shape.path("required")) {
          String member = req.asText();
          if (!NOT_REQUIRED_HERE.contains(member) && (!value.has(member) || value.get(member).isNull())) {
            throw error(source, "missing required field '" + (path.isEmpty() ? member : path + "." + member) + "'");
          }
        }
      }
      case "list" -> {
        if (!value.isArray()) {
          throw error(source, where + " must be a list");
        }
        checkCount(shape, value.size(), where, "items", source);
        for (int i = 0; i < value.size(); i++) {
          check(value.get(i), shape.path("member").asText(), path + "[" + i + "]", source);
        }
      }
      case "map" -> {
        if (!value.isObject()) {
          throw error(source, where + " must be a mapping");
        }
        checkCount(shape, value.size(), where, "entries", source);
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          String entryPath = path + "." + e.getKey();
          checkScalar(shape(shape.path("key").asText()), e.getKey(), "key of " + where, source);
          check(e.getValue(), shape.path("value").asText(), entryPath, source);
        }
      }
      default -> {
        if (!value.isTextual()) {
          throw error(source, where + " must be a single value");
        }
        if (type.equals("string") && SpecTree.unquoted(value)) {
          // boto3 and the AWS CLI refuse it before sending ("Invalid type for parameter ..., valid types: <class 'str'>")
          throw error(source, where + " is " + value.asText() + ", a " + (value.asText().matches("true|false")
              ? "boolean" : "number") + ", but SageMaker's API takes a string there" + (path.startsWith("HyperParameters.")
              || path.contains("StaticHyperParameters.") ? " (HyperParameters maps names to strings)" : "")
              + ": write \"" + value.asText() + "\"");
        }
        checkScalar(shape, value.asText(), where, source);
      }
    }
  }

  private void checkScalar(JsonNode shape, String text, String where, String source) {
    String type = shape.path("type").asText();
    switch (type) {
      case "integer", "long" -> {
        long v;
        try {
          v = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
          throw error(source, where + " is '" + text + "'; expected a whole number");
        }
        checkRange(shape, v, where, text, source);
      }
      case "double", "float" -> {
        double v;
        try {
          v = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
          throw error(source, where + " is '" + text + "'; expected a number");
        }
        checkRange(shape, v, where, text, source);
      }
      case "boolean" -> {
        if (!text.equals("true") && !text.equals("false")) {
          throw error(source, where + " is '" + text + "'; expected true or false");
        }
      }
      case "string" -> {
        JsonNode enumValues = shape.get("enum");
        if (enumValues != null && enumValues.size() > 0) {
          List<String> allowed = new ArrayList<>();
          enumValues.forEach(v -> allowed.add(v.asText()));
          if (!allowed.contains(text)) {
            // a long enum (InstanceType has well over a hundred values) would bury the suggestion
            String expected = allowed.size() <= MAX_LISTED_ENUM_VALUES
                ? "expected one of " + String.join(", ", allowed)
                : "not one of the " + allowed.size() + " values SageMaker accepts here";
            throw error(source, where + " is '" + text + "'; " + expected + Names.suggestion(text, allowed));
          }
        }
        if (shape.has("min") && text.length() < shape.get("min").asLong()) {
          throw error(source, where + " is too short: at least " + shape.get("min").asLong() + " characters");
        }
        if (shape.has("max") && text.length() > shape.get("max").asLong()) {
          throw error(source, where + " is too long: at most " + shape.get("max").asLong() + " characters");
        }
        Pattern p = pattern(shape);
        if (p != null && !p.matcher(text).matches()) {
          throw error(source, where + " is '" + text + "', which does not match the pattern " + p.pattern());
        }
      }
      default -> {
        // timestamps and blobs: any text
      }
    }
  }

  private static void checkRange(JsonNode shape, double v, String where, String text, String source) {
    if (shape.has("min") && v < shape.get("min").asDouble()) {
      throw error(source, where + " is " + text + "; the smallest allowed is " + shape.get("min").asText());
    }
    if (shape.has("max") && v > shape.get("max").asDouble()) {
      throw error(source, where + " is " + text + "; the largest allowed is " + shape.get("max").asText());
    }
  }

  private static void checkCount(JsonNode shape, int n, String where, String what, String source) {
    if (shape.has("min") && n < shape.get("min").asInt()) {
      throw error(source, where + " has " + n + " " + what + "; at least " + shape.get("min").asInt() + " needed");
    }
    if (shape.has("max") && n > shape.get("max").asInt()) {
      throw error(source, where + " has " + n + " " + what + "; at most " + shape.get("max").asInt() + " allowed");
    }
  }

  private Pattern pattern(JsonNode shape) {
    JsonNode p = shape.get("pattern");
    if (p == null) {
      return null;
    }
    String regex = p.asText();
    return patterns.computeIfAbsent(regex, r -> {
      try {
        // the service model's patterns match the whole value
        return Pattern.compile(r, Pattern.DOTALL);
      } catch (PatternSyntaxException e) {
        return Pattern.compile("(?s).*");
      }
    });
  }

  private JsonNode shape(String name) {
    JsonNode s = shapes.get(name);
    if (s == null) {
      throw new IllegalStateException("sagemaker-shapes.json has no shape " + name);
    }
    return s;
  }

  private static KilnException error(String source, String message) {
    return KilnException.user("Invalid SageMaker request " + source + ": " + message);
  }
}
