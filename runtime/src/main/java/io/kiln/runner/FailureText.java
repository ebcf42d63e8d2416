package io.kiln.runner;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The last line of defence for what a user reads as a job's FailureReason: whatever an algorithm or
 * a native library put into an exception's message, no native backtrace and no path of a temporary
 * native library reaches the record. Algorithms say what went wrong in their own words
 * ({@code KilnException}); this only removes what would otherwise leak through, as native XGBoost's
 * messages do ({@code [10:16:08] /workspace/src/objective/multiclass_obj.cu:68: Check failed: valid:
 * ... Stack trace: [bt] (0) /tmp/libxgboost4j9709803724631222972.so(...)}).
 */
public final class FailureText {
  /** A native log prefix: a time stamp and the source file and line. */
  private static final Pattern NATIVE_PREFIX = Pattern.compile(
      "\\[\\d{2}:\\d{2}:\\d{2}\\] (?:[A-Z]+: )?[^\\s:]+\\.(?:cc|cu|h|hpp|cpp|cuh|c):\\d+: ");
  /** A shared library's path, e.g. a native library unpacked into the temp directory. */
  private static final Pattern LIBRARY_PATH = Pattern.compile("(?:/[^\\s/():]+)+/?lib[^\\s/():]*\\.so(?:\\.\\d+)*");
  /** A backtrace frame line, as dmlc and glibc print them. */
  private static final Pattern FRAME = Pattern.compile("^\\s*(?:\\[bt\\]|#\\d+\\s|\\d+: ).*");

  private FailureText() {}

  /**
   * {@code text} without native backtraces ({@code Stack trace:} and the frame lines after it), native
   * log prefixes (time stamp, source file and line) and native library paths (replaced by
   * {@code <native library>}); blank lines removed. Returns null for null.
   */
  public static String clean(String text) {
    if (text == null) {
      return null;
    }
    List<String> kept = new ArrayList<>();
    for (String line : text.split("\\R")) {
      int trace = line.indexOf("Stack trace:");
      if (trace >= 0) {
        line = line.substring(0, trace);
        String rest = NATIVE_PREFIX.matcher(line).replaceAll("").strip();
        if (!rest.isEmpty()) {
          kept.add(LIBRARY_PATH.matcher(rest).replaceAll("<native library>"));
        }
        break;
      }
      if (FRAME.matcher(line).matches()) {
        continue;
      }
      String cleaned = LIBRARY_PATH.matcher(NATIVE_PREFIX.matcher(line).replaceAll("")).replaceAll("<native library>");
      if (!cleaned.isBlank()) {
        kept.add(cleaned.stripTrailing());
      }
    }
    return String.join("\n", kept);
  }
}
