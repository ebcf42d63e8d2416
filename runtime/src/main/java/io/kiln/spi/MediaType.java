package io.kiln.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A channel's ContentType as written: a base MIME type and its parameters, as in RFC 2045 §5.1
 * ({@code text/csv; label_size=0; charset=utf-8}). The base type and parameter names are lower
 * case with white space removed; values keep their case. A value may be an RFC 2045 quoted string
 * ({@code charset="utf-8"}, backslash escapes its next character), which is unquoted here.
 *
 * @param type the base type, e.g. {@code text/csv} (SageMaker's short names such as {@code csv}
 *     are kept as written, lower case)
 * @param parameters the parameters by lower-case name, in the order written
 */
public record MediaType(String type, Map<String, String> parameters) {
  public MediaType {
    type = type == null ? "" : type.toLowerCase(Locale.ROOT).replaceAll("\\s", "");
    Map<String, String> p = new LinkedHashMap<>();
    parameters.forEach((k, v) -> p.put(k.trim().toLowerCase(Locale.ROOT), v));
    parameters = Collections.unmodifiableMap(p);
  }

  /**
   * Parses {@code value}. A parameter without {@code =} is kept with an empty value.
   *
   * @throws KilnException USER when the base type is empty, a parameter has no name or is given
   *     twice, or a quoted value is not closed
   */
  public static MediaType parse(String value) {
    String v = value == null ? "" : value;
    int semi = v.indexOf(';');
    String type = (semi < 0 ? v : v.substring(0, semi)).toLowerCase(Locale.ROOT).replaceAll("\\s", "");
    if (type.isEmpty()) {
      throw KilnException.user("Content type '" + v + "' has no MIME type; write e.g. text/csv");
    }
    Map<String, String> params = new LinkedHashMap<>();
    int i = semi < 0 ? v.length() : semi + 1;
    while (i < v.length()) {
      int nameEnd = i;
      while (nameEnd < v.length() && v.charAt(nameEnd) != '=' && v.charAt(nameEnd) != ';') {
        nameEnd++;
      }
      String name = v.substring(i, nameEnd).trim().toLowerCase(Locale.ROOT);
      String val = "";
      i = nameEnd;
      if (i < v.length() && v.charAt(i) == '=') {
        i++;
        while (i < v.length() && Character.isWhitespace(v.charAt(i))) {
          i++;
        }
        if (i < v.length() && v.charAt(i) == '"') {
          StringBuilder b = new StringBuilder();
          i++;
          boolean closed = false;
          while (i < v.length()) {
            char c = v.charAt(i++);
            if (c == '\\' && i < v.length()) {
              b.append(v.charAt(i++));
            } else if (c == '"') {
              closed = true;
              break;
            } else {
              b.append(c);
            }
          }
          if (!closed) {
            throw KilnException.user("Content type '" + v + "' has an unclosed quote in parameter '" + name
                + "'; close it with \"");
          }
          while (i < v.length() && Character.isWhitespace(v.charAt(i))) {
            i++;
          }
          if (i < v.length() && v.charAt(i) != ';') {
            throw KilnException.user("Content type '" + v + "' has text after the quoted value of parameter '"
                + name + "'; separate parameters with ;");
          }
          val = b.toString();
        } else {
          int end = v.indexOf(';', i);
          end = end < 0 ? v.length() : end;
          val = v.substring(i, end).trim();
          i = end;
        }
      }
      i++; // past the ';'
      if (name.isEmpty()) {
        if (!val.isEmpty()) {
          throw KilnException.user("Content type '" + v + "' has a parameter without a name; write name=value");
        }
        continue; // "text/csv;" or ";;"
      }
      if (params.containsKey(name)) {
        throw KilnException.user("Content type '" + v + "' gives parameter '" + name + "' twice; keep one");
      }
      params.put(name, val);
    }
    return new MediaType(type, params);
  }

  /** A parameter's value (any case of {@code name}), or null when not given. */
  public String parameter(String name) {
    return parameters.get(name.toLowerCase(Locale.ROOT));
  }

  /** The type as RFC 2045 writes it, e.g. {@code text/csv;label_size=0}; values quoted when needed. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder(type);
    parameters.forEach((k, val) -> {
      b.append(';').append(k).append('=');
      if (val.isEmpty() || !val.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
        b.append('"').append(val.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
      } else {
        b.append(val);
      }
    });
    return b.toString();
  }
}
