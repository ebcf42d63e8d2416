package io.kiln.channel;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.spi.AugmentedManifestRecord;
import io.kiln.spi.BadRecordException;
import io.kiln.spi.ChannelObject;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One parsed line of an augmented manifest (see {@link AugmentedManifestRecord}): a JSON object
 * holding every one of the channel's AttributeNames, with a valid object URI in each attribute
 * whose name ends in {@code -ref}. Attributes not named are ignored, wherever they stand in the line.
 */
final class AugmentedManifestLine implements AugmentedManifestRecord {
  private final long line;
  private final Map<String, JsonNode> values;
  private final AugmentedManifestReader reader;

  private AugmentedManifestLine(long line, Map<String, JsonNode> values, AugmentedManifestReader reader) {
    this.line = line;
    this.values = values;
    this.reader = reader;
  }

  /**
   * Parses line {@code number}.
   *
   * @throws BadRecordException when the line is not one JSON object, lacks an attribute (or has it
   *     as null), or a {@code -ref} attribute is not a valid object URI
   */
  static AugmentedManifestLine parse(String text, long number, AugmentedManifestReader reader) {
    JsonNode node;
    try (JsonParser p = AugmentedManifestReader.JSON.createParser(text)) {
      node = AugmentedManifestReader.JSON.readTree(p);
      if (p.nextToken() != null) {
        throw new BadRecordException("the line holds more than one JSON value; each line of an augmented manifest "
            + "is one JSON object");
      }
    } catch (JsonProcessingException e) {
      throw new BadRecordException("the line is not valid JSON (" + Manifest.jsonProblem(e) + "); each line of an "
          + "augmented manifest is one JSON object");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e); // a String has no I/O to fail
    }
    if (!node.isObject()) {
      throw new BadRecordException("the line is " + describe(node) + ", not a JSON object; each line of an "
          + "augmented manifest is one JSON object");
    }
    Map<String, JsonNode> values = new LinkedHashMap<>();
    for (String name : reader.attributeNames()) {
      JsonNode v = node.get(name);
      if (v == null || v.isNull()) {
        throw new BadRecordException("it has no attribute '" + name + "' (attributeNames / AttributeNames: "
            + String.join(", ", reader.attributeNames()) + "); add it to the line or remove it from attributeNames");
      }
      values.put(name, v);
    }
    AugmentedManifestLine record = new AugmentedManifestLine(number, values, reader);
    for (String name : reader.attributeNames()) {
      if (name.endsWith("-ref")) {
        record.reference(name);
      }
    }
    return record;
  }

  @Override
  public long line() {
    return line;
  }

  @Override
  public List<String> attributeNames() {
    return reader.attributeNames();
  }

  @Override
  public String json(String attribute) {
    return value(attribute).toString();
  }

  @Override
  public String text(String attribute) {
    JsonNode v = value(attribute);
    if (v.isContainerNode()) {
      throw new BadRecordException("attribute '" + attribute + "' is " + describe(v) + ", not a single value");
    }
    return v.asText();
  }

  @Override
  public ChannelObject object(String attribute) {
    return reference(attribute);
  }

  /** The object an attribute names, its URI checked. */
  private ReferencedObject reference(String attribute) {
    JsonNode v = value(attribute);
    if (!v.isTextual()) {
      throw new BadRecordException("attribute '" + attribute + "' is " + describe(v) + ", not an object URI "
          + "(s3://bucket/key)");
    }
    String uri = v.asText();
    String problem = Manifest.uriProblem(uri, reader.manifestUri(), false);
    if (problem != null) {
      throw new BadRecordException("attribute '" + attribute + "' '" + uri + "' " + problem);
    }
    String hadoopUri = reader.hadoopUri(uri);
    String path = new org.apache.hadoop.fs.Path(hadoopUri).toUri().getPath();
    return new ReferencedObject(uri, hadoopUri, path.startsWith("/") ? path.substring(1) : path, reader.gzip(),
        reader.conf(), reader.at(line) + "attribute '" + attribute + "' names " + uri);
  }

  private JsonNode value(String attribute) {
    JsonNode v = values.get(attribute);
    if (v == null) {
      throw new IllegalArgumentException("'" + attribute + "' is not one of the channel's AttributeNames "
          + reader.attributeNames());
    }
    return v;
  }

  @Override
  public String toString() {
    return reader.manifestUri() + " line " + line + " " + values;
  }

  private static String describe(JsonNode v) {
    if (v.isObject()) {
      return "a JSON object";
    }
    if (v.isArray()) {
      return "a JSON list";
    }
    return v.isTextual() ? "the string " + v : v.toString();
  }
}
