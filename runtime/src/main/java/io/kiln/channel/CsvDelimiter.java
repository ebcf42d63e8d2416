package io.kiln.channel;

import io.kiln.spi.KilnException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The delimiter of a {@code text/csv} channel, sniffed from its first line as SageMaker's XGBoost
 * container does: that container reads the first line of a data file and asks Python's
 * {@code csv.Sniffer} for the delimiter. On a single line the sniffer counts each 7-bit ASCII
 * character; of the characters present it takes the first of {@code , \t ; space :} (its
 * preference order), else the most frequent one, a tie going to the character with the larger
 * code.
 *
 * <p>One deliberate difference: the sniffer may pick a character that is part of the numbers
 * themselves ({@code 0|0.5|0.25|0.125} gives {@code 0}, and a one-column line its only
 * character), which would cut every number apart. Kiln never splits on a digit, a letter,
 * {@code .}, {@code +} or {@code -}: it takes the most frequent other character instead, and a
 * line with none is one column (the delimiter stays {@code ,}). Quoted fields are not looked for
 * (training data are numbers; a quote makes the cell "not a number" with the file and line named).
 */
final class CsvDelimiter {
  /** The sniffer's preference order among several candidates. */
  private static final byte[] PREFERRED = {',', '\t', ';', ' ', ':'};
  private static final int MAX_LINE = 16 << 20;

  private CsvDelimiter() {}

  /** The delimiter of the line {@code b[from, to)} (no line ending). */
  static byte sniff(byte[] b, int from, int to) {
    int[] counts = new int[127];
    for (int i = from; i < to; i++) {
      int c = b[i];
      if (c >= 0 && c < 127) {
        counts[c]++;
      }
    }
    for (byte p : PREFERRED) {
      if (counts[p] > 0) {
        return p;
      }
    }
    int best = -1;
    for (int c = 0; c < 127; c++) {
      if (counts[c] > 0 && !partOfValue(c) && (best < 0 || counts[c] >= counts[best])) {
        best = c;
      }
    }
    return best < 0 ? (byte) ',' : (byte) best;
  }

  /** Characters a number or a missing-value spelling is made of, which never delimit cells. */
  static boolean partOfValue(int c) {
    return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '+'
        || c == '-';
  }

  /**
   * The delimiter of the first non-blank line of an object ({@code ,} when the object has none).
   *
   * @param uri the object, a Hadoop URI
   * @param gzip whether the object is gzip-compressed
   * @throws KilnException USER when the object cannot be read as gzip, INTERNAL when it cannot be read
   */
  static byte sniff(Configuration conf, String uri, boolean gzip) {
    Path path = new Path(uri);
    try (InputStream raw = path.getFileSystem(conf).open(path);
        InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw) {
      byte[] buf = new byte[1 << 16];
      int len = 0;
      int lineStart = 0;
      while (true) {
        int nl = -1;
        for (int i = lineStart; i < len; i++) {
          if (buf[i] == '\n') {
            nl = i;
            break;
          }
        }
        if (nl >= 0) {
          int end = nl > lineStart && buf[nl - 1] == '\r' ? nl - 1 : nl;
          if (!blank(buf, lineStart, end)) {
            return sniff(buf, lineStart, end);
          }
          lineStart = nl + 1;
          continue;
        }
        if (lineStart > 0) {
          System.arraycopy(buf, lineStart, buf, 0, len - lineStart);
          len -= lineStart;
          lineStart = 0;
        }
        if (len == buf.length) {
          if (buf.length >= MAX_LINE) {
            return sniff(buf, 0, len); // a first line longer than 16 MiB: its first 16 MiB decide
          }
          buf = java.util.Arrays.copyOf(buf, buf.length * 2);
        }
        int n = in.read(buf, len, buf.length - len);
        if (n < 0) {
          int end = len > 0 && buf[len - 1] == '\r' ? len - 1 : len;
          return blank(buf, 0, end) ? (byte) ',' : sniff(buf, 0, end);
        }
        len += n;
      }
    } catch (java.util.zip.ZipException e) {
      throw KilnException.user(uri + " is not valid gzip data (" + e.getMessage()
          + "); set the channel's compression to None if it is not compressed");
    } catch (IOException e) {
      throw KilnException.internal("Cannot read " + uri + " to find its CSV delimiter: " + e.getMessage(), e);
    }
  }

  /** The delimiter as messages show it. */
  static String describe(byte d) {
    return switch (d) {
      case '\t' -> "a tab";
      case ' ' -> "a space";
      default -> "'" + (char) d + "'";
    };
  }

  private static boolean blank(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != ' ' && b[i] != '\t') {
        return false;
      }
    }
    return true;
  }
}
