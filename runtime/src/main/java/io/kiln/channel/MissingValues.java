package io.kiln.channel;

import java.util.List;
import java.util.Locale;

/**
 * The spellings of a missing value in text cells, besides an empty cell.
 *
 * <p>Case is ignored. The list is the union of what the writers of training data put for a missing
 * number: NumPy ({@code nan}) and C's printf ({@code nan}, {@code -nan}, {@code nan(…)}); Java
 * ({@code NaN}); R ({@code NA}); pandas, whose {@code read_csv} default {@code na_values} are all
 * here ({@code #N/A}, {@code #N/A N/A}, {@code #NA}, {@code -1.#IND}, {@code -1.#QNAN},
 * {@code 1.#IND}, {@code 1.#QNAN}, {@code <NA>}, {@code N/A}, {@code NA}, {@code NULL},
 * {@code NaN}, {@code None}, {@code n/a}, {@code nan}, {@code null}); and the UCI repository's
 * {@code ?}. Native XGBoost's CSV reader (SageMaker's XGBoost container in File mode) reads every
 * one of these as missing too, as it reads any text that is not a number; Kiln refuses other text
 * instead.
 */
final class MissingValues {
  /** Lower case. */
  static final List<String> SPELLINGS = List.of("nan", "-nan", "+nan", "na", "n/a", "#n/a", "#n/a n/a", "#na",
      "<na>", "null", "none", "1.#ind", "-1.#ind", "1.#qnan", "-1.#qnan", "?");

  private static final byte[][] BYTES = SPELLINGS.stream()
      .map(s -> s.getBytes(java.nio.charset.StandardCharsets.US_ASCII)).toArray(byte[][]::new);

  private MissingValues() {}

  /** Whether {@code b[s, e)} (trimmed) spells a missing value: a listed spelling or C's {@code [±]nan(chars)}. */
  static boolean isMissing(byte[] b, int s, int e) {
    int n = e - s;
    for (byte[] spelling : BYTES) {
      if (spelling.length == n && equalsIgnoreCase(b, s, spelling)) {
        return true;
      }
    }
    // C99 strtod: [sign] NAN ( n-char-sequence )
    int i = s;
    if (i < e && (b[i] == '-' || b[i] == '+')) {
      i++;
    }
    if (e - i >= 5 && lower(b[i]) == 'n' && lower(b[i + 1]) == 'a' && lower(b[i + 2]) == 'n' && b[i + 3] == '('
        && b[e - 1] == ')') {
      for (int k = i + 4; k < e - 1; k++) {
        byte c = b[k];
        if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_')) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  /** Whether {@code b[s, e)} spells infinity as C, Java or NumPy write it ({@code inf}, {@code -Infinity} ...). */
  static boolean isInfinity(byte[] b, int s, int e) {
    String t = new String(b, s, e - s, java.nio.charset.StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
    if (t.startsWith("-") || t.startsWith("+")) {
      t = t.substring(1);
    }
    return t.equals("inf") || t.equals("infinity");
  }

  /** Whether a cell starting with {@code c} can only be a missing-value spelling or an error, never a number. */
  static boolean cannotStartANumber(byte c) {
    return c > '9' || c == '#' || c == '<' || c == '?';
  }

  private static boolean equalsIgnoreCase(byte[] b, int s, byte[] lowerCase) {
    for (int k = 0; k < lowerCase.length; k++) {
      if (lower(b[s + k]) != lowerCase[k]) {
        return false;
      }
    }
    return true;
  }

  private static int lower(byte c) {
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
  }
}
