package io.kiln.spec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.kiln.spi.KilnException;
import java.io.IOException;

/**
 * Parses a JSON or YAML document into a tree whose scalars keep the text exactly as written, so a
 * YAML hyperparameter {@code eta: 0.10} stays {@code "0.10"} rather than becoming the double 0.1.
 * Numbers and booleans become text nodes too (marked: {@link #unquoted}); typed fields are parsed
 * from that text where they are read, with an error naming the field.
 *
 * <p>Limits apply before and while parsing, each named in its error: at most
 * {@link SpecReader#MAX_SPEC_BYTES} characters, nesting at most {@value #MAX_DEPTH} levels deep, and
 * no YAML aliases ({@code *name}): Jackson's YAML parser does not resolve them (it would read the
 * anchor's name as the value), and a spec has no need of them, so one is refused naming its line.
 */
public final class SpecTree {
  private static final JsonFactory JSON = new JsonFactory();
  private static final YAMLFactory YAML = new YAMLFactory();

  /** The deepest nesting of objects and arrays a spec may have; real specs use 4 or 5. */
  public static final int MAX_DEPTH = 32;

  private SpecTree() {}

  /**
   * A scalar written as a JSON number or boolean ({@code 200}, {@code true}), kept as its text like
   * every scalar; {@link #unquoted} tells it from a string ({@code "200"}), which SageMaker's API
   * requires where a member is a string. YAML plain scalars are not marked: YAML has no quotes to
   * tell them apart by intent, and a spec keeps {@code eta: 0.10} as written.
   */
  static final class Unquoted extends com.fasterxml.jackson.databind.node.TextNode {
    private static final long serialVersionUID = 1L;

    Unquoted(String text) {
      super(text);
    }
  }

  /** Whether {@code node} was written as a number or boolean rather than a string. */
  public static boolean unquoted(JsonNode node) {
    return node instanceof Unquoted;
  }

  /** Parses {@code text}; YAML unless it starts like JSON. {@code source} names it in errors. */
  public static JsonNode parse(String text, String source) {
    if (text.length() > SpecReader.MAX_SPEC_BYTES) {
      throw KilnException.user("Cannot read spec " + source + ": it has " + text.length() + " characters, more than "
          + SpecReader.MAX_SPEC_BYTES + ", the limit for a spec");
    }
    String trimmed = text.stripLeading();
    boolean json = trimmed.startsWith("{") || trimmed.startsWith("[");
    try (JsonParser p = (json ? JSON : YAML).createParser(text)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw KilnException.user("Cannot read spec " + source + ": the file is empty");
      }
      JsonNode root = read(p, first, 1);
      if (p.nextToken() != null) {
        throw KilnException.user("Cannot read spec " + source + ": " + (json
            ? "unexpected content after the top-level object at line " + p.currentLocation().getLineNr()
            : "the file holds a second YAML document, at line " + p.currentLocation().getLineNr()
                + "; put one job in each file"));
      }
      if (!root.isObject()) {
        throw KilnException.user("Cannot read spec " + source + ": the top level must be an object (a mapping of fields)");
      }
      return root;
    } catch (JsonParseException e) {
      throw KilnException.user("Cannot read spec " + source + ": " + (json ? "invalid JSON" : "invalid YAML")
          + " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
          + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw KilnException.user("Cannot read spec " + source + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode read(JsonParser p, JsonToken token, int depth) throws IOException {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (p instanceof com.fasterxml.jackson.dataformat.yaml.YAMLParser y && y.isCurrentAlias()) {
      throw new JsonParseException(p, "YAML aliases (*" + p.getText() + ") are not supported in a spec;"
          + " write the value out where it is used");
    }
    if ((token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) && depth > MAX_DEPTH) {
      throw new JsonParseException(p, "objects and lists are nested more than " + MAX_DEPTH
          + " levels deep, the limit for a spec");
    }
    switch (token) {
      case START_OBJECT -> {
        ObjectNode node = f.objectNode();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
          String name = p.currentName();
          JsonToken valueToken = p.nextToken();
          if (node.has(name)) {
            throw new JsonParseException(p, "field '" + name + "' appears twice");
          }
          node.set(name, read(p, valueToken, depth + 1));
        }
        return node;
      }
      case START_ARRAY -> {
        ArrayNode node = f.arrayNode();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          node.add(read(p, t, depth + 1));
        }
        return node;
      }
      case VALUE_NULL -> {
        return f.nullNode();
      }
      case VALUE_STRING -> {
        return f.textNode(p.getText());
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> {
        // JSON says what it means; a YAML plain scalar is text as written (eta: 0.10), so only JSON's are marked
        return p instanceof com.fasterxml.jackson.dataformat.yaml.YAMLParser ? f.textNode(p.getText())
            : new Unquoted(p.getText());
      }
      default -> throw new JsonParseException(p, "unexpected " + token);
    }
  }
}
