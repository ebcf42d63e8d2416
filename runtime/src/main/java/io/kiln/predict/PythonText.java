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
 * same repr). Java's {@code Double.toString} differs (more digits on Java 17, {@code 1.0E-5}); so does
 * the Schubfach algorithm (Java 19's, and Jackson's {@code DoubleToDecimal}), which keeps two digits
 * where one reads back ({@code 4.9E-324} where Python writes {@code 5e-324}): hence {@link #shortest}.
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
    // the nearest p-digit decimal reads back as v for every p from some p0 on (p-digit decimals are
    // among the (p+1)-digit ones): binary search for p0
    int lo = 1;
    int hi = 17;
    BigDecimal found = exact.round(new MathContext(17, RoundingMode.HALF_EVEN));
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      BigDecimal c = exact.round(new MathContext(mid, RoundingMode.HALF_EVEN));
      if (c.doubleValue() == v) {
        hi = mid;
        found = c;
      } else {
        lo = mid + 1;
      }
    }
    if (lo == 17 || found.precision() > lo) {
      found = exact.round(new MathContext(lo, RoundingMode.HALF_EVEN));
    }
    // next to a power of two the interval that reads back as v is lopsided: a decimal with fewer digits
    // on its wider side may read back although the nearest one does not
    for (int p = lo - 1; p >= 1; p--) {
      BigDecimal best = null;
      for (RoundingMode mode : new RoundingMode[] {RoundingMode.FLOOR, RoundingMode.CEILING}) {
        BigDecimal c = exact.round(new MathContext(p, mode));
        if (c.doubleValue() == v && (best == null
            || c.subtract(exact).abs().compareTo(best.subtract(exact).abs()) < 0)) {
          best = c;
        }
      }
      if (best == null) {
        break;
      }
      found = best;
    }
    return found.stripTrailingZeros();
  }
}
