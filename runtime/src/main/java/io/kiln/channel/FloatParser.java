package io.kiln.channel;

/**
 * Parses decimal numbers from bytes without making strings, rounding exactly as
 * {@link Float#parseFloat} does.
 *
 * <p>The fast path takes numbers with at most 7 significant digits and a decimal exponent of at
 * most 10: the mantissa and the power of ten are then exact floats, and one IEEE float multiply
 * or divide rounds correctly. Anything else falls back to {@link Float#parseFloat}.
 */
final class FloatParser {
  private static final float[] POW10 = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
  private static final int MAX_EXACT_MANTISSA = 1 << 24;

  private FloatParser() {}

  /** Parses {@code b[from, to)} (already trimmed); throws NumberFormatException when not a number. */
  static float parse(byte[] b, int from, int to) {
    int i = from;
    boolean negative = false;
    if (i < to && (b[i] == '-' || b[i] == '+')) {
      negative = b[i] == '-';
      i++;
    }
    long mantissa = 0;
    int digits = 0;
    int scale = 0;
    boolean any = false;
    boolean significant = false;
    while (i < to && b[i] >= '0' && b[i] <= '9') {
      any = true;
      if (b[i] != '0' || significant) {
        significant = true;
        digits++;
      }
      mantissa = mantissa * 10 + (b[i] - '0');
      if (digits > 9) {
        return slow(b, from, to);
      }
      i++;
    }
    if (i < to && b[i] == '.') {
      i++;
      while (i < to && b[i] >= '0' && b[i] <= '9') {
        any = true;
        if (b[i] != '0' || significant) {
          significant = true;
          digits++;
        }
        mantissa = mantissa * 10 + (b[i] - '0');
        scale--;
        if (digits > 9) {
          return slow(b, from, to);
        }
        i++;
      }
    }
    if (!any) {
      return slow(b, from, to);
    }
    if (i < to) {
      if (b[i] != 'e' && b[i] != 'E') {
        return slow(b, from, to);
      }
      i++;
      boolean expNegative = false;
      if (i < to && (b[i] == '-' || b[i] == '+')) {
        expNegative = b[i] == '-';
        i++;
      }
      int exp = 0;
      boolean expAny = false;
      while (i < to && b[i] >= '0' && b[i] <= '9') {
        expAny = true;
        exp = exp * 10 + (b[i] - '0');
        if (exp > 1000) {
          return slow(b, from, to);
        }
        i++;
      }
      if (!expAny || i < to) {
        return slow(b, from, to);
      }
      scale += expNegative ? -exp : exp;
    }
    if (mantissa >= MAX_EXACT_MANTISSA || scale > 10 || scale < -10) {
      return slow(b, from, to);
    }
    float m = (float) mantissa;
    float v = scale >= 0 ? m * POW10[scale] : m / POW10[-scale];
    return negative ? -v : v;
  }

  private static float slow(byte[] b, int from, int to) {
    String s = new String(b, from, to - from, java.nio.charset.StandardCharsets.ISO_8859_1);
    return Float.parseFloat(s);
  }
}
