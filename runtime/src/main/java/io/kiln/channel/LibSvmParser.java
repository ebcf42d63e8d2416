package io.kiln.channel;

/**
 * LibSVM lines as XGBoost reads them: {@code label[:weight] [qid:n] index:value ...}, indices used
 * as written (zero-based), anything after {@code #} a comment.
 *
 * <p>{@code qid:n} (a whole number, right after the label) is the row's query id; XGBoost makes
 * query groups of consecutive rows with the same id. Either every row of a share has one or none
 * has. A row's weight is kept only when some row gives one ({@link LabeledDataBuilder}). A value
 * spelt as missing ({@link MissingValues}) is missing; a missing label and infinite values are
 * refused. A line that looks like CSV says so: a channel without ContentType is LIBSVM, as on
 * SageMaker.
 */
final class LibSvmParser implements TextSplitReader.LineHandler {
  private static final String CSV_HINT = "the channel is read as LIBSVM (label index:value ...), which is also "
      + "what a channel without a ContentType is read as. If the data is CSV, set \"ContentType\": \"text/csv\" on "
      + "the channel (contentType: text/csv in Kiln's spec)";
  private final LabeledDataBuilder out;
  private int rowsWithQid;
  private int rowsWithoutQid;

  LibSvmParser(LabeledDataBuilder out) {
    this.out = out;
  }

  @Override
  public void line(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == '#') {
        to = i;
        break;
      }
    }
    int i = skipSpace(b, from, to);
    if (i == to) {
      return;
    }
    int tokenEnd = tokenEnd(b, i, to);
    if (looksLikeCsv(b, i, tokenEnd)) {
      throw new TextSplitReader.LineError("'" + text(b, i, to) + "' looks like CSV (comma-separated values), but "
          + CSV_HINT);
    }
    int colon = indexOf(b, i, tokenEnd, (byte) ':');
    float label = number(b, i, colon < 0 ? tokenEnd : colon, "label");
    if (label != label) {
      throw new TextSplitReader.LineError("the label '" + text(b, i, colon < 0 ? tokenEnd : colon)
          + "' is a missing value; every row needs a label");
    }
    float weight = 1f;
    if (colon >= 0) {
      weight = number(b, colon + 1, tokenEnd, "weight");
      out.weightGiven();
    }
    out.startRow(label, weight);
    i = skipSpace(b, tokenEnd, to);
    boolean qid = false;
    if (i < to) {
      tokenEnd = tokenEnd(b, i, to);
      if (tokenEnd - i > 4 && b[i] == 'q' && b[i + 1] == 'i' && b[i + 2] == 'd' && b[i + 3] == ':') {
        out.qid(qid(b, i + 4, tokenEnd));
        qid = true;
        i = skipSpace(b, tokenEnd, to);
      }
    }
    if (qid) {
      if (rowsWithoutQid > 0) {
        throw new TextSplitReader.LineError("the row has a qid, but " + rowsWithoutQid + " row(s) before it have "
            + "none; give every row its query id (label qid:n index:value ...) or none");
      }
      rowsWithQid++;
    } else {
      if (rowsWithQid > 0) {
        throw new TextSplitReader.LineError("the row has no qid, but " + rowsWithQid + " row(s) before it have one; "
            + "give every row its query id right after the label (label qid:n index:value ...)");
      }
      rowsWithoutQid++;
    }
    int previous = -1;
    while (i < to) {
      tokenEnd = tokenEnd(b, i, to);
      colon = indexOf(b, i, tokenEnd, (byte) ':');
      if (colon < 0) {
        throw new TextSplitReader.LineError("'" + text(b, i, tokenEnd) + "' is not index:value"
            + (indexOf(b, from, to, (byte) ':') < 0 ? "; the line has no index:value pair at all and looks like "
                + "delimited text, but " + CSV_HINT : ""));
      }
      if (colon - i == 3 && b[i] == 'q' && b[i + 1] == 'i' && b[i + 2] == 'd') {
        throw new TextSplitReader.LineError("'" + text(b, i, tokenEnd) + "' comes after a feature; the qid goes "
            + "right after the label (label qid:n index:value ...)");
      }
      int index = index(b, i, colon);
      if (index <= previous) {
        throw new TextSplitReader.LineError("feature index " + index + " comes after " + previous
            + "; indices must increase along a row");
      }
      previous = index;
      out.entry(index, number(b, colon + 1, tokenEnd, "value of feature " + index));
      i = skipSpace(b, tokenEnd, to);
    }
    out.endRow();
  }

  /** A first token with a comma and no colon ({@code 1,0.5,3}): a CSV row, not a LIBSVM label. */
  private static boolean looksLikeCsv(byte[] b, int s, int tokenEnd) {
    boolean comma = false;
    for (int k = s; k < tokenEnd; k++) {
      byte c = b[k];
      if (c == ',') {
        comma = true;
      } else if (c == ':') {
        return false;
      }
    }
    return comma;
  }

  private static int qid(byte[] b, int s, int e) {
    long v = 0;
    for (int i = s; i < e; i++) {
      if (b[i] < '0' || b[i] > '9') {
        throw new TextSplitReader.LineError("qid '" + text(b, s, e) + "' is not a whole number >= 0");
      }
      v = v * 10 + (b[i] - '0');
      if (v > Integer.MAX_VALUE) {
        throw new TextSplitReader.LineError("qid " + text(b, s, e) + " is too large (at most " + Integer.MAX_VALUE
            + ")");
      }
    }
    return (int) v;
  }

  private static int index(byte[] b, int s, int e) {
    if (s == e) {
      throw new TextSplitReader.LineError("a feature index is empty");
    }
    long v = 0;
    for (int i = s; i < e; i++) {
      if (b[i] < '0' || b[i] > '9') {
        throw new TextSplitReader.LineError("feature index '" + text(b, s, e) + "' is not a whole number >= 0");
      }
      v = v * 10 + (b[i] - '0');
      if (v > Integer.MAX_VALUE - 1) {
        throw new TextSplitReader.LineError("feature index " + text(b, s, e) + " is too large");
      }
    }
    return (int) v;
  }

  private static float number(byte[] b, int s, int e, String what) {
    float v;
    try {
      if (s == e) {
        throw new NumberFormatException();
      }
      if (MissingValues.cannotStartANumber(b[s]) && MissingValues.isMissing(b, s, e)) {
        return Float.NaN;
      }
      v = FloatParser.parse(b, s, e);
    } catch (NumberFormatException ex) {
      if (s < e && MissingValues.isMissing(b, s, e)) {
        return Float.NaN;
      }
      if (s < e && MissingValues.isInfinity(b, s, e)) {
        throw infinite(b, s, e, what);
      }
      throw new TextSplitReader.LineError("the " + what + " '" + text(b, s, e) + "' is not a number");
    }
    if (Float.isInfinite(v)) {
      throw infinite(b, s, e, what);
    }
    return v;
  }

  private static TextSplitReader.LineError infinite(byte[] b, int s, int e, String what) {
    return new TextSplitReader.LineError("the " + what + " '" + text(b, s, e) + "' is infinite (a 32-bit float holds "
        + "at most ±3.4028235e38); replace it with a finite number, or leave the feature out for a missing value");
  }

  private static int skipSpace(byte[] b, int i, int to) {
    while (i < to && (b[i] == ' ' || b[i] == '\t')) {
      i++;
    }
    return i;
  }

  private static int tokenEnd(byte[] b, int i, int to) {
    while (i < to && b[i] != ' ' && b[i] != '\t') {
      i++;
    }
    return i;
  }

  private static int indexOf(byte[] b, int from, int to, byte c) {
    for (int i = from; i < to; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private static String text(byte[] b, int s, int e) {
    return new String(b, s, Math.min(e - s, 40), java.nio.charset.StandardCharsets.UTF_8);
  }
}
