package io.kiln.predict;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Numbers written as Python writes them, because SageMaker's inference containers are Python and
 * Batch Transform users compare or parse their output: {@code repr(float)} (the shortest decimal
 * that reads back as the same double; positional from 1e-4 up to below 1e16, else exponent form with
 * a signed, at least two-digit exponent: {@code 1e-05}, {@code 1.5e+16}; {@code nan}, {@code inf}),
 * and {@code json.dumps} of a float ({@code NaN}, {@code Infinity}, {@code -Infinity}; otherwise the
 * same repr). Java's {@code Double.toString} differs (more digits on Java 17, {@code 1.0E-5}).
 */
public final class PythonText {
  private PythonText() {}

  /** Python's {@code repr(v)} for a float (a double). */
  public static String repr(double v) {
    if (Double.isNaN(v)) {
      return "nan";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    if (v == 0) {
      return (Double.doubleToRawLongBits(v) < 0 ? "-" : "") + "0.0";
    }
    BigDecimal shortest = shortest(Math.abs(v));
    String digits = shortest.unscaledValue().toString();
    int n = digits.length();
    int decpt = n - shortest.scale(); // value = 0.<digits> * 10^decpt
    StringBuilder out = new StringBuilder(24);
    if (v < 0) {
      out.append('-');
    }
    if (decpt <= -4 || decpt > 16) {
      out.append(digits.charAt(0));
      if (n > 1) {
        out.append('.').append(digits, 1, n);
      }
      int exp = decpt - 1;
      out.append('e').append(exp < 0 ? '-' : '+');
      int a = Math.abs(exp);
      if (a < 10) {
        out.append('0');
      }
      out.append(a);
    } else if (decpt <= 0) {
      out.append("0.");
      out.append("0".repeat(-decpt));
      out.append(digits);
    } else if (decpt < n) {
      out.append(digits, 0, decpt).append('.').append(digits, decpt, n);
    } else {
      out.append(digits).append("0".repeat(decpt - n)).append(".0");
    }
    return out.toString();
  }

  /** {@code json.dumps} of a Python float: as {@link #repr} but {@code NaN}, {@code Infinity}, {@code -Infinity}. */
  public static String json(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "Infinity" : "-Infinity";
    }
    return repr(v);
  }

  /**
   * The decimal with the fewest significant digits that reads back as {@code v} (positive, finite);
   * of several with that many digits, the closest to {@code v} (David Gay's shortest mode, which
   * Python's repr uses). Trailing zeros stripped.
   */
  static BigDecimal shortest(double v) {
    BigDecimal exact = new BigDecimal(v);
    for (int p = 1; p <= 17; p++) {
      MathContext[] modes = {new MathContext(p, RoundingMode.HALF_EVEN), new MathContext(p, RoundingMode.FLOOR),
          new MathContext(p, RoundingMode.CEILING)};
      BigDecimal best = null;
      BigDecimal bestGap = null;
      for (MathContext m : modes) {
        BigDecimal c = exact.round(m);
        if (c.doubleValue() != v) {
          continue;
        }
        BigDecimal gap = c.subtract(exact).abs();
        if (best == null || gap.compareTo(bestGap) < 0) {
          best = c;
          bestGap = gap;
        }
      }
      if (best != null) {
        return best.stripTrailingZeros();
      }
    }
    return exact.round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros();
  }
}
