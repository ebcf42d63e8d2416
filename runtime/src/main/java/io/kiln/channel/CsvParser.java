package io.kiln.channel;

/**
 * SageMaker's CSV convention: no header, the label in the first column, then (with
 * {@code csv_weights}) the instance weight, then the features. With {@code label_size=0} every
 * column is a feature (the row's label is left 0; the reader drops the labels).
 *
 * <p>As SageMaker's XGBoost container reads CSV:
 * <ul>
 *   <li>the delimiter is the channel's sniffed one ({@link CsvDelimiter}), a comma by default;
 *   <li>columns are fields, empty or not: a row whose last field is empty ({@code 1,0.5,}) has a
 *       missing last feature, like an empty cell anywhere, when other rows of the channel fill that
 *       column in (pandas writes a missing last value so); when every row of the channel ends so,
 *       or other rows have one field fewer ({@code 0,0.2,1.0,} beside {@code 1,0.3,2.0}), the
 *       empty field is a trailing delimiter and not a column, as native XGBoost reads it;
 *   <li>an empty cell, or one spelling a missing value ({@link MissingValues}: {@code nan},
 *       {@code NaN}, {@code -nan}, {@code NA}, {@code null} ...), is a missing feature. A missing
 *       weight is 1.
 * </ul>
 * Kiln refuses what that container would read wrongly without a word: a missing label, an infinite
 * value ({@code inf}, or a number beyond a float's range such as {@code 1e39}), any other text, and
 * rows whose column counts differ.
 */
final class CsvParser implements TextSplitReader.LineHandler {
  private final LabeledDataBuilder out;
  private final boolean weighted;
  private final boolean labelled;
  private final byte delimiter;
  private int expectedCells = -1;
  private int firstRowCells = -1;
  private boolean everyRowTrailingEmpty;

  CsvParser(LabeledDataBuilder out, boolean weighted) {
    this(out, weighted, true);
  }

  /** A parser for rows with the label first ({@code labelled}) or rows of features only (label_size=0). */
  CsvParser(LabeledDataBuilder out, boolean weighted, boolean labelled) {
    this(out, weighted, labelled, (byte) ',');
  }

  /** A parser for rows whose cells are separated by {@code delimiter}. */
  CsvParser(LabeledDataBuilder out, boolean weighted, boolean labelled, byte delimiter) {
    this.out = out;
    this.weighted = weighted;
    this.labelled = labelled;
    this.delimiter = delimiter;
  }

  @Override
  public void line(byte[] b, int from, int to) {
    if (isBlank(b, from, to)) {
      return;
    }
    final byte d = delimiter;
    int cells = 1;
    int lastDelimiter = -1;
    for (int i = from; i < to; i++) {
      if (b[i] == d) {
        cells++;
        lastDelimiter = i;
      }
    }
    boolean trailingEmpty = lastDelimiter >= 0 && isBlank(b, lastDelimiter + 1, to);
    int leading = !labelled ? 0 : weighted ? 2 : 1;
    if (expectedCells < 0) {
      if (cells - (trailingEmpty ? 1 : 0) <= leading) {
        throw new TextSplitReader.LineError("found " + (cells - (trailingEmpty ? 1 : 0)) + " value(s); a row needs "
            + "the label" + (weighted ? ", the weight" : "") + " and at least one feature" + delimiterHint());
      }
      // a trailing empty field is either a missing last feature or a trailing delimiter: later rows say which
      expectedCells = cells;
      firstRowCells = cells;
      everyRowTrailingEmpty = trailingEmpty;
      out.setColumns(cells - leading);
    } else if (cells == expectedCells) {
      everyRowTrailingEmpty &= trailingEmpty;
    } else if (cells == expectedCells - 1 && everyRowTrailingEmpty && !trailingEmpty) {
      // "0,0.2,1.0,\n1,0.3,2.0": the rows before had a trailing delimiter, not a missing last feature
      out.dropLastColumn();
      expectedCells = cells;
      firstRowCells = cells;
      everyRowTrailingEmpty = false;
    } else if (cells == expectedCells + 1 && trailingEmpty) {
      // "1,0.3,2.0\n0,0.2,1.0,": native XGBoost ignores one empty field after the last delimiter
      cells--;
      to = lastDelimiter;
    } else {
      throw new TextSplitReader.LineError("found " + cells + " values, but rows before it have " + firstRowCells
          + (labelled ? " (label" + (weighted ? ", weight" : "") + " and " + (firstRowCells - leading) + " features)"
              : "") + (trailingEmpty || everyRowTrailingEmpty ? " (an empty cell counts as a value: a missing one)"
              : ""));
    }
    if (!labelled) {
      out.startRow(0f, 1f);
    }
    int cell = 0;
    int start = from;
    float label = 0;
    float weight = 1;
    for (int i = from; i <= to; i++) {
      if (i == to || b[i] == d) {
        int s = start;
        int e = i;
        while (s < e && (b[s] == ' ' || b[s] == '\t')) {
          s++;
        }
        while (e > s && (b[e - 1] == ' ' || b[e - 1] == '\t')) {
          e--;
        }
        if (cell == 0 && labelled) {
          if (s == e) {
            throw new TextSplitReader.LineError("the label (column 1) is empty; every row needs a label");
          }
          label = number(b, s, e, cell);
          if (label != label) {
            throw new TextSplitReader.LineError("the label (column 1) is '" + text(b, s, e)
                + "', a missing value; every row needs a label");
          }
        } else if (weighted && cell == 1) {
          weight = s == e ? 1f : number(b, s, e, cell);
          if (weight != weight) {
            weight = 1f;
          }
          out.startRow(label, weight);
        } else {
          if (cell == leading && !weighted && labelled) {
            out.startRow(label, 1f);
          }
          out.value(s == e ? Float.NaN : number(b, s, e, cell));
        }
        cell++;
        start = i + 1;
      }
    }
  }

  /**
   * Whether every row so far ended with an empty field after its last delimiter, and the count
   * includes that field as a (missing) last feature. Native XGBoost (dmlc's CSV reader, which
   * SageMaker's container uses) reads such a file as one feature fewer, a trailing delimiter; a
   * row elsewhere in the channel with the field filled in makes it a missing last feature instead,
   * so the caller decides once every worker has read its rows ({@link ChannelReader#readRows}).
   */
  boolean everyRowTrailingEmpty() {
    return expectedCells >= 0 && everyRowTrailingEmpty;
  }

  /** The cell's value: NaN for a missing-value spelling; errors for infinities and other text. */
  private float number(byte[] b, int s, int e, int cell) {
    if (MissingValues.cannotStartANumber(b[s]) && MissingValues.isMissing(b, s, e)) {
      return Float.NaN;
    }
    float v;
    try {
      v = FloatParser.parse(b, s, e);
    } catch (NumberFormatException ex) {
      if (MissingValues.isMissing(b, s, e)) {
        return Float.NaN;
      }
      if (MissingValues.isInfinity(b, s, e)) {
        throw infinite(b, s, e, cell);
      }
      String hint = cell != 0 ? "" : labelled ? "; CSV channels have no header row and the label comes first"
          : "; CSV channels have no header row";
      if (isIndexValue(b, s, e) || delimiter == ':' && indexOf(b, s, e, (byte) ' ') >= 0) {
        throw new TextSplitReader.LineError("column " + (cell + 1) + " is '" + text(b, s, e) + "', an index:value "
            + "pair as LIBSVM writes features, but the channel is read as CSV" + delimiterHint() + ". If the data is "
            + "LIBSVM, set \"ContentType\": \"text/libsvm\" on the channel (contentType: text/libsvm in Kiln's spec)");
      }
      throw new TextSplitReader.LineError("column " + (cell + 1) + " is '" + text(b, s, e) + "', which is not a number"
          + hint + delimiterHint());
    }
    if (Float.isInfinite(v)) {
      throw infinite(b, s, e, cell);
    }
    return v;
  }

  /**
   * Whether {@code b[s, e)} is a LIBSVM feature ({@code 3:0.25}, or {@code qid:7}): a whole-number
   * index (or {@code qid}), a colon and a number.
   */
  static boolean isIndexValue(byte[] b, int s, int e) {
    int colon = -1;
    for (int i = s; i < e; i++) {
      if (b[i] == ':') {
        colon = i;
        break;
      }
    }
    if (colon <= s || colon == e - 1) {
      return false;
    }
    boolean index = true;
    for (int i = s; i < colon; i++) {
      index &= b[i] >= '0' && b[i] <= '9';
    }
    if (!index && !(colon - s == 3 && b[s] == 'q' && b[s + 1] == 'i' && b[s + 2] == 'd')) {
      return false;
    }
    try {
      FloatParser.parse(b, colon + 1, e);
      return true;
    } catch (NumberFormatException ex) {
      return false;
    }
  }

  private static TextSplitReader.LineError infinite(byte[] b, int s, int e, int cell) {
    return new TextSplitReader.LineError("column " + (cell + 1) + " is '" + text(b, s, e) + "', which is infinite "
        + "(a 32-bit float holds at most ±3.4028235e38); replace it with a finite number, or leave the cell empty "
        + "for a missing value");
  }

  /** Says which delimiter the channel was read with when it is not the comma. */
  private String delimiterHint() {
    return delimiter == ',' ? "" : " (cells split at " + CsvDelimiter.describe(delimiter)
        + ", the delimiter sniffed from the channel's first line)";
  }

  private static int indexOf(byte[] b, int s, int e, byte c) {
    for (int i = s; i < e; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  private static String text(byte[] b, int s, int e) {
    return new String(b, s, Math.min(e - s, 40), java.nio.charset.StandardCharsets.UTF_8);
  }

  private static boolean isBlank(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != ' ' && b[i] != '\t') {
        return false;
      }
    }
    return true;
  }
}
