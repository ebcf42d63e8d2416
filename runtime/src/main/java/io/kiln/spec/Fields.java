package io.kiln.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.spi.KilnException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Checked access to one object of a spec tree. Every error names the field by its path
 * ({@code channels[0].contentType}), the value, and what would be accepted. Public so that other
 * modules' specs (tuning) read their fields the same way.
 */
public final class Fields {
  private final JsonNode node;
  private final String path;
  private final String source;

  Fields(JsonNode node, String path, String source) {
    this.node = node;
    this.path = path;
    this.source = source;
  }

  public static Fields root(JsonNode node, String source) {
    return new Fields(node, "", source);
  }

  public String path(String field) {
    return path.isEmpty() ? field : path + "." + field;
  }

  /** This object's own path ({@code channels[0]}); empty at the top level. */
  public String path() {
    return path;
  }

  /** Refuses any field not in {@code allowed}, suggesting the closest allowed name. */
  public Fields allowOnly(Collection<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!allowed.contains(name)) {
        throw error("unknown field '" + path(name) + "'" + Names.suggestion(name, allowed)
            + "; valid fields here: " + String.join(", ", allowed));
      }
    }
    return this;
  }

  public boolean has(String field) {
    JsonNode v = node.get(field);
    return v != null && !v.isNull();
  }

  public Optional<String> text(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw error("field '" + path(field) + "' must be a single value, not " + describe(v));
    }
    return Optional.of(v.asText());
  }

  public String requireText(String field) {
    return text(field).orElseThrow(() -> error("missing required field '" + path(field) + "'"));
  }

  public Optional<Long> integer(String field, long min, long max) {
    return text(field).map(v -> {
      long parsed;
      try {
        parsed = Long.parseLong(v.trim());
      } catch (NumberFormatException e) {
        throw error("field '" + path(field) + "' is '" + v + "'; expected a whole number from " + min + " to " + max);
      }
      if (parsed < min || parsed > max) {
        throw error("field '" + path(field) + "' is " + parsed + "; expected a whole number from " + min + " to " + max);
      }
      return parsed;
    });
  }

  /** A finite decimal number, as written or in exponent notation. */
  public Optional<Double> decimal(String field) {
    return text(field).map(v -> {
      double parsed;
      try {
        parsed = Double.parseDouble(v.trim());
      } catch (NumberFormatException e) {
        throw error("field '" + path(field) + "' is '" + v + "'; expected a number");
      }
      if (!Double.isFinite(parsed)) {
        throw error("field '" + path(field) + "' is '" + v + "'; expected a finite number");
      }
      return parsed;
    });
  }

  public Optional<Boolean> bool(String field) {
    return text(field).map(v -> switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw error("field '" + path(field) + "' is '" + v + "'; expected true or false");
    });
  }

  public <E extends Enum<E>> Optional<E> enumValue(String field, Class<E> type) {
    return text(field).map(v -> {
      for (E e : type.getEnumConstants()) {
        if (e.name().equals(v)) {
          return e;
        }
      }
      List<String> names = new ArrayList<>();
      for (E e : type.getEnumConstants()) {
        names.add(e.name());
      }
      throw error("field '" + path(field) + "' is '" + v + "'; expected one of " + String.join(", ", names)
          + Names.suggestion(v, names));
    });
  }

  public Optional<Fields> object(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isObject()) {
      throw error("field '" + path(field) + "' must be an object (a mapping of fields), not " + describe(v));
    }
    return Optional.of(new Fields(v, path(field), source));
  }

  public List<Fields> objects(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      throw error("field '" + path(field) + "' must be a list, not " + describe(v));
    }
    List<Fields> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode item = v.get(i);
      String itemPath = path(field) + "[" + i + "]";
      if (!item.isObject()) {
        throw error("'" + itemPath + "' must be an object, not " + describe(item));
      }
      out.add(new Fields(item, itemPath, source));
    }
    return out;
  }

  /** A list of single values, kept as written; empty when the field is absent. */
  public List<String> texts(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      throw error("field '" + path(field) + "' must be a list, not " + describe(v));
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode item = v.get(i);
      if (!item.isTextual()) {
        throw error("'" + path(field) + "[" + i + "]' must be a single value, not "
            + (item.isNull() ? "empty" : describe(item)));
      }
      out.add(item.asText());
    }
    return out;
  }

  /** A map of strings; values that are numbers or booleans keep the text as written. */
  public Map<String, String> stringMap(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return Map.of();
    }
    if (!v.isObject()) {
      throw error("field '" + path(field) + "' must be a mapping of names to values, not " + describe(v));
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode value = e.getValue();
      if (value.isNull()) {
        throw error("'" + path(field) + "." + e.getKey() + "' has no value; give it one or remove it");
      }
      if (!value.isTextual()) {
        throw error("'" + path(field) + "." + e.getKey() + "' must be a single value, not " + describe(value));
      }
      out.put(e.getKey(), value.asText());
    }
    return out;
  }

  public <T> List<T> list(String field, Function<Fields, T> each) {
    return objects(field).stream().map(each).toList();
  }

  public Set<String> fieldNames() {
    Set<String> names = new java.util.LinkedHashSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  public JsonNode node() {
    return node;
  }

  public KilnException error(String message) {
    return KilnException.user("Invalid spec " + source + ": " + message);
  }

  private static String describe(JsonNode v) {
    if (v.isObject()) {
      return "an object";
    }
    if (v.isArray()) {
      return "a list";
    }
    return "'" + v.asText() + "'";
  }
}
