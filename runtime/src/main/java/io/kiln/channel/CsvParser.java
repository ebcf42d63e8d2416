package io.kiln.channel;

/**
 * SageMaker's CSV convention: no header, the label in the first column, then (with
 * {@code csv_weights}) the instance weight, then the features. With {@code label_size=0} every
 * column is a feature (the row's label is left 0; the reader drops the labels). An empty cell is a
 * missing value.
 */
final class CsvParser implements TextSplitReader.LineHandler {
  private final LabeledDataBuilder out;
  private final boolean weighted;
  private final boolean labelled;
  private int expectedCells = -1;
  private int firstRowCells = -1;

  CsvParser(LabeledDataBuilder out, boolean weighted) {
    this(out, weighted, true);
  }

  /** A parser for rows with the label first ({@code labelled}) or rows of features only (label_size=0). */
  CsvParser(LabeledDataBuilder out, boolean weighted, boolean labelled) {
    this.out = out;
    this.weighted = weighted;
    this.labelled = labelled;
  }

  @Override
  public void line(byte[] b, int from, int to) {
    if (isBlank(b, from, to)) {
      return;
    }
    int cells = 1;
    for (int i = from; i < to; i++) {
      if (b[i] == ',') {
        cells++;
      }
    }
    int leading = !labelled ? 0 : weighted ? 2 : 1;
    if (expectedCells < 0) {
      if (cells <= leading) {
        throw new TextSplitReader.LineError("found " + cells + " value(s); a row needs the label"
            + (weighted ? ", the weight" : "") + " and at least one feature");
      }
      expectedCells = cells;
      firstRowCells = cells;
      out.setColumns(cells - leading);
    } else if (cells != expectedCells) {
      throw new TextSplitReader.LineError("found " + cells + " values, but rows before it have " + firstRowCells
          + (labelled ? " (label" + (weighted ? ", weight" : "") + " and " + (firstRowCells - leading) + " features)"
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
      if (i == to || b[i] == ',') {
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
            throw new TextSplitReader.LineError("the label (column 1) is empty");
          }
          label = number(b, s, e, cell);
        } else if (weighted && cell == 1) {
          weight = s == e ? 1f : number(b, s, e, cell);
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

  private float number(byte[] b, int s, int e, int cell) {
    try {
      return FloatParser.parse(b, s, e);
    } catch (NumberFormatException ex) {
      String text = new String(b, s, Math.min(e - s, 40), java.nio.charset.StandardCharsets.UTF_8);
      String hint = cell != 0 ? "" : labelled ? "; CSV channels have no header row and the label comes first"
          : "; CSV channels have no header row";
      throw new TextSplitReader.LineError("column " + (cell + 1) + " is '" + text + "', which is not a number"
          + hint);
    }
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
