package io.kiln.predict;

import io.kiln.spi.KilnException;
import io.kiln.spi.Predictions;
import java.util.List;
import java.util.Locale;

/**
 * The {@code Accept} types {@code kiln predict} writes, one line per input record (Batch Transform's
 * {@code AssembleWith: Line}); see {@link Predictions} for how a row's outputs become a line. Over
 * whole objects ({@link io.kiln.spi.ObjectPredictor}) a record is an object, its line the model's
 * JSON document: {@link #JSON} and {@link #JSON_LINES} are taken there, and write the same line.
 */
public enum OutputFormat {
  /** {@code text/csv}: the outputs' values, comma-separated. */
  CSV("text/csv"),
  /** {@code application/jsonlines}: a JSON object per line, the outputs as its members. */
  JSON_LINES("application/jsonlines"),
  /**
   * {@code application/json}: one JSON document per input object, for whole-object input only (the
   * document an endpoint answers one request with; rows are written as {@link #JSON_LINES}).
   */
  JSON("application/json");

  private final String mime;

  OutputFormat(String mime) {
    this.mime = mime;
  }

  /** The MIME type, as SageMaker's {@code Accept} names it. */
  public String mime() {
    return mime;
  }

  /**
   * The format an {@code --accept} value names: {@code text/csv} ({@code csv}),
   * {@code application/jsonlines} ({@code jsonlines}, {@code application/jsonl}) or
   * {@code application/json} ({@code json}); parameters after {@code ;} are ignored, case is not
   * significant.
   *
   * @throws KilnException USER naming the value and the accepted ones
   */
  public static OutputFormat parse(String accept) {
    String base = accept.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    return switch (base) {
      case "text/csv", "csv" -> CSV;
      case "application/jsonlines", "application/jsonl", "application/x-jsonlines", "jsonlines" -> JSON_LINES;
      case "application/json", "json" -> JSON;
      default -> throw KilnException.user("--accept '" + accept + "' is not an output type kiln predict writes; "
          + "use text/csv (the default for text/csv input) or application/jsonlines, or application/json for "
          + "whole-object input such as images");
    };
  }

  /**
   * Appends row {@code r} of {@code p} as one line, with its {@code \n}.
   *
   * @throws IllegalStateException for {@link #JSON}, which rows are not written in
   */
  public void appendLine(Predictions p, int r, StringBuilder out) {
    if (this == JSON) {
      throw new IllegalStateException("rows are not written as application/json");
    }
    List<Predictions.Output> outputs = p.outputs();
    if (this == JSON_LINES) {
      out.append('{');
      for (int i = 0; i < outputs.size(); i++) {
        Predictions.Output o = outputs.get(i);
        if (i > 0) {
          out.append(", ");
        }
        jsonString(o.name(), out);
        out.append(": ");
        value(o, r, true, out);
      }
      out.append("}\n");
      return;
    }
    boolean quoteVectors = outputs.size() > 1;
    for (int i = 0; i < outputs.size(); i++) {
      Predictions.Output o = outputs.get(i);
      if (i > 0) {
        out.append(',');
      }
      boolean quote = quoteVectors && o instanceof Predictions.Vectors;
      if (quote) {
        out.append('"');
      }
      value(o, r, false, out);
      if (quote) {
        out.append('"');
      }
    }
    out.append('\n');
  }

  private static void value(Predictions.Output o, int r, boolean json, StringBuilder out) {
    if (o instanceof Predictions.Numbers n) {
      out.append(json ? PythonText.json(n.values()[r]) : PythonText.repr(n.values()[r]));
    } else if (o instanceof Predictions.Integers n) {
      out.append(n.values()[r]);
    } else if (o instanceof Predictions.Vectors n) {
      double[] v = n.values()[r];
      out.append('[');
      for (int k = 0; k < v.length; k++) {
        if (k > 0) {
          out.append(", ");
        }
        out.append(json ? PythonText.json(v[k]) : PythonText.repr(v[k]));
      }
      out.append(']');
    }
  }

  /** A JSON string as json.dumps writes it (non-ASCII escaped, as its default ensure_ascii does). */
  private static void jsonString(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
