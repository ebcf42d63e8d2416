package io.kiln.spi;

/**
 * How a user's value is echoed into a message: on one line, and short enough that the message's
 * own point survives. A value with a line break could otherwise forge lines in the job log (a fake
 * {@code [Completed]} line), and a 10,000-character URI would push the real cause out of a
 * FailureReason (which SageMaker caps at 1,024 characters).
 */
public final class Messages {
  /** Characters of a value echoed in full; a longer value keeps its head and tail around a count. */
  public static final int MAX_ECHO = 200;

  private Messages() {}

  /**
   * {@code value} for a message: control characters escaped as Java escapes ({@code \n},
   * {@code \t}, {@code \u001b}), and a value longer than {@link #MAX_ECHO} characters cut to its
   * first 120 and last 40 characters around {@code …(N characters)…}. Null becomes {@code null}.
   */
  public static String echo(String value) {
    if (value == null) {
      return "null";
    }
    String v = value;
    if (v.length() > MAX_ECHO) {
      v = v.substring(0, 120) + "…(" + value.length() + " characters)…" + v.substring(v.length() - 40);
    }
    return oneLine(v);
  }

  /**
   * {@code text} on one line: line breaks, tabs and other control characters escaped as Java
   * escapes ({@code \n}, {@code \t}, {@code \u001b}); nothing is cut.
   */
  public static String oneLine(String text) {
    StringBuilder b = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String escaped = switch (c) {
        case '\n' -> "\\n";
        case '\r' -> "\\r";
        case '\t' -> "\\t";
        default -> Character.isISOControl(c) || c == '\u2028' || c == '\u2029'
            ? String.format("\\u%04x", (int) c) : null;
      };
      if (escaped != null && b == null) {
        b = new StringBuilder(text.length() + 8).append(text, 0, i);
      }
      if (b != null) {
        if (escaped != null) {
          b.append(escaped);
        } else {
          b.append(c);
        }
      }
    }
    return b == null ? text : b.toString();
  }
}
