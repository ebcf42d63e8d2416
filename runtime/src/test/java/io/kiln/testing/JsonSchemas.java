package io.kiln.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reading Kiln's JSON Schemas in tests: undocumented fields, typed alternatives, names and enums. */
public final class JsonSchemas {
  private JsonSchemas() {}

  /** Dotted paths of every property, at any depth and in every definition, without a description. */
  public static List<String> undocumented(JsonNode schema) {
    List<String> out = new ArrayList<>();
    collectUndocumented(schema, "", out);
    return out;
  }

  /** The {@code integer} alternative of a property given as {@code anyOf}. */
  public static JsonNode integerBranch(JsonNode property) {
    for (JsonNode branch : property.path("anyOf")) {
      if (branch.path("type").asText().equals("integer")) {
        return branch;
      }
    }
    throw new AssertionError("no integer branch in " + property);
  }

  /** The field names of an object node, in order. */
  public static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** The non-null values of an array node, as text. */
  public static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> {
      if (!v.isNull()) {
        out.add(v.asText());
      }
    });
    return out;
  }

  private static void collectUndocumented(JsonNode node, String path, List<String> out) {
    if (!node.isObject()) {
      return;
    }
    JsonNode properties = node.path("properties");
    properties.fieldNames().forEachRemaining(name -> {
      JsonNode p = properties.get(name);
      if (!p.hasNonNull("description") || p.get("description").asText().isBlank()) {
        out.add(path + name);
      }
      collectUndocumented(p, path + name + ".", out);
    });
    for (String combinator : List.of("anyOf", "oneOf")) {
      for (JsonNode branch : node.path(combinator)) {
        collectUndocumented(branch, path, out);
      }
    }
    collectUndocumented(node.path("items"), path + "[].", out);
    for (Map.Entry<String, JsonNode> def : node.path("$defs").properties()) {
      collectUndocumented(def.getValue(), def.getKey() + ".", out);
    }
  }
}
