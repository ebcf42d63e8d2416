package io.kiln.algorithms.script;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.kiln.predict.PythonText;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Values as the SageMaker training toolkit (Python) turns them into text, so a script sees on Kiln the
 * exact strings it sees on SageMaker. Source of the formats: the toolkit's
 * {@code sagemaker_training/environment.py} ({@code read_hyperparameters}: each value
 * {@code json.loads}-ed, kept as a string when it is not JSON) and {@code mapping.py}
 * ({@code to_env_vars}: strings as they are, anything else {@code json.dumps(v, sort_keys=True,
 * separators=(",", ":"), ensure_ascii=True)}; {@code to_cmd_args}: {@code str(v)}, a dict as
 * {@code k=v,k2=v2}).
 */
final class PythonValues {
  private static final ObjectMapper STRICT = JsonMapper.builder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();

  private PythonValues() {}

  /**
   * A hyperparameter's value as {@code json.loads} gives it, or the string itself when it is not JSON
   * (as the toolkit's {@code read_hyperparameters}).
   */
  static JsonNode decode(String value) {
    try {
      JsonNode n = STRICT.readTree(value);
      return n == null || n.isMissingNode() ? TextNode.valueOf(value) : n;
    } catch (java.io.IOException e) {
      return TextNode.valueOf(value);
    }
  }

  /** {@code json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=True)}. */
  static String dumps(JsonNode v) {
    StringBuilder b = new StringBuilder();
    dump(v, b);
    return b.toString();
  }

  private static void dump(JsonNode v, StringBuilder b) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      b.append("null");
    } else if (v.isTextual()) {
      quote(v.textValue(), b);
    } else if (v.isBoolean()) {
      b.append(v.booleanValue() ? "true" : "false");
    } else if (v.isIntegralNumber()) {
      b.append(v.bigIntegerValue());
    } else if (v.isNumber()) {
      b.append(PythonText.json(v.doubleValue()));
    } else if (v.isArray()) {
      b.append('[');
      for (int i = 0; i < v.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        dump(v.get(i), b);
      }
      b.append(']');
    } else {
      b.append('{');
      List<String> keys = new ArrayList<>();
      v.fieldNames().forEachRemaining(keys::add);
      keys.sort(PythonValues::compareCodePoints);
      for (int i = 0; i < keys.size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        quote(keys.get(i), b);
        b.append(':');
        dump(v.get(keys.get(i)), b);
      }
      b.append('}');
    }
  }

  /** Python sorts str keys by code point. */
  private static int compareCodePoints(String a, String b) {
    Iterator<Integer> x = a.codePoints().iterator();
    Iterator<Integer> y = b.codePoints().iterator();
    while (x.hasNext() && y.hasNext()) {
      int c = Integer.compare(x.next(), y.next());
      if (c != 0) {
        return c;
      }
    }
    return Boolean.compare(x.hasNext(), y.hasNext());
  }

  /** A JSON string as {@code json.dumps(..., ensure_ascii=True)} writes it. */
  private static void quote(String s, StringBuilder b) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  /** An environment variable's value as {@code to_env_vars} formats it: a string as it is, else {@link #dumps}. */
  static String envValue(JsonNode v) {
    if (v == null || v.isNull()) {
      return "";
    }
    return v.isTextual() ? v.textValue() : dumps(v);
  }

  /** {@code str(v)} in Python 3, as {@code to_cmd_args} writes a value (None as the empty string). */
  static String str(JsonNode v) {
    if (v == null || v.isNull()) {
      return "";
    }
    if (v.isTextual()) {
      return v.textValue();
    }
    if (v.isObject()) { // to_cmd_args: a mapping as k=v,k2=v2, keys sorted, values str()
      List<String> keys = new ArrayList<>();
      v.fieldNames().forEachRemaining(keys::add);
      keys.sort(PythonValues::compareCodePoints);
      List<String> parts = new ArrayList<>();
      for (String k : keys) {
        parts.add(k + "=" + (v.get(k).isNull() ? "None" : str(v.get(k))));
      }
      return String.join(",", parts);
    }
    return repr(v);
  }

  /** Python's {@code repr} of a decoded JSON value. */
  static String repr(JsonNode v) {
    if (v == null || v.isNull()) {
      return "None";
    }
    if (v.isBoolean()) {
      return v.booleanValue() ? "True" : "False";
    }
    if (v.isIntegralNumber()) {
      return v.bigIntegerValue().toString();
    }
    if (v.isNumber()) {
      return PythonText.repr(v.doubleValue());
    }
    if (v.isTextual()) {
      return reprString(v.textValue());
    }
    StringBuilder b = new StringBuilder();
    if (v.isArray()) {
      b.append('[');
      for (int i = 0; i < v.size(); i++) {
        b.append(i > 0 ? ", " : "").append(repr(v.get(i)));
      }
      return b.append(']').toString();
    }
    b.append('{');
    Iterator<Map.Entry<String, JsonNode>> it = v.fields(); // a dict keeps JSON's order
    boolean first = true;
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      b.append(first ? "" : ", ").append(reprString(e.getKey())).append(": ").append(repr(e.getValue()));
      first = false;
    }
    return b.append('}').toString();
  }

  /** Python's {@code repr} of a str: single quotes unless the text holds ' and no ". */
  private static String reprString(String s) {
    char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    StringBuilder b = new StringBuilder().append(q);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == q || c == '\\') {
        b.append('\\').append(c);
      } else if (c == '\n') {
        b.append("\\n");
      } else if (c == '\r') {
        b.append("\\r");
      } else if (c == '\t') {
        b.append("\\t");
      } else if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\x%02x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append(q).toString();
  }
}
