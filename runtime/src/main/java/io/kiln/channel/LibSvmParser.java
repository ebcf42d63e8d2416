package io.kiln.channel;

/**
 * LibSVM lines as XGBoost reads them: {@code label[:weight] [qid:n] index:value ...}, indices used
 * as written (zero-based), anything after {@code #} a comment.
 */
final class LibSvmParser implements TextSplitReader.LineHandler {
  private final LabeledDataBuilder out;

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
    int colon = indexOf(b, i, tokenEnd, (byte) ':');
    float label = number(b, i, colon < 0 ? tokenEnd : colon, "label");
    float weight = colon < 0 ? 1f : number(b, colon + 1, tokenEnd, "weight");
    out.startRow(label, weight);
    i = skipSpace(b, tokenEnd, to);
    int previous = -1;
    while (i < to) {
      tokenEnd = tokenEnd(b, i, to);
      colon = indexOf(b, i, tokenEnd, (byte) ':');
      if (colon < 0) {
        throw new TextSplitReader.LineError("'" + text(b, i, tokenEnd) + "' is not index:value");
      }
      if (colon - i == 3 && b[i] == 'q' && b[i + 1] == 'i' && b[i + 2] == 'd') {
        i = skipSpace(b, tokenEnd, to);
        continue;
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
    try {
      if (s == e) {
        throw new NumberFormatException();
      }
      return FloatParser.parse(b, s, e);
    } catch (NumberFormatException ex) {
      throw new TextSplitReader.LineError("the " + what + " '" + text(b, s, e) + "' is not a number");
    }
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
