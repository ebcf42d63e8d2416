package io.kiln.spi;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A channel's ContentType as written: a base MIME type and its parameters, as in RFC 2045 §5.1
 * ({@code text/csv; label_size=0; charset=utf-8}). The base type and parameter names are lower
 * case; values keep their case, surrounding quotes removed.
 *
 * @param type the base type, e.g. {@code text/csv}
 * @param parameters the parameters by lower-case name, in the order written
 */
public record MediaType(String type, Map<String, String> parameters) {
  public MediaType {
    parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
  }

  /**
   * Parses {@code value}. A parameter without {@code =} is kept with an empty value.
   *
   * @throws KilnException USER when the base type is empty
   */
  public static MediaType parse(String value) {
    String[] parts = (value == null ? "" : value).split(";");
    String type = parts[0].trim().toLowerCase(Locale.ROOT).replace(" ", "");
    if (type.isEmpty()) {
      throw KilnException.user("Content type '" + value + "' has no MIME type; write e.g. text/csv");
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      String name = (eq < 0 ? p : p.substring(0, eq)).trim().toLowerCase(Locale.ROOT);
      String v = eq < 0 ? "" : p.substring(eq + 1).trim();
      if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
        v = v.substring(1, v.length() - 1);
      }
      params.put(name, v);
    }
    return new MediaType(type, params);
  }

  /** A parameter's value, or null. */
  public String parameter(String name) {
    return parameters.get(name.toLowerCase(Locale.ROOT));
  }
}
