package io.kiln.channel;

import io.kiln.spi.LabeledData;
import java.util.Arrays;

/**
 * Collects rows into growing arrays, dense (row-major) or CSR. Arrays may be longer than the data;
 * {@link LabeledData} says how much of them is used.
 */
final class LabeledDataBuilder {
  private final boolean dense;
  private final boolean weighted;
  private int rows;
  private int columns = -1;
  private float[] labels = new float[1024];
  private float[] weights;
  private float[] values = new float[8192];
  private long valueCount;
  private long[] rowOffsets;
  private int[] indices;
  private int maxIndex = -1;
  private int[] qids;
  private boolean weightGiven;

  LabeledDataBuilder(boolean dense, boolean weighted) {
    this.dense = dense;
    this.weighted = weighted;
    if (weighted) {
      weights = new float[1024];
    }
    if (!dense) {
      rowOffsets = new long[1025];
      indices = new int[8192];
    }
  }

  int rows() {
    return rows;
  }

  /** Columns fixed by the first dense row, or -1 before it. */
  int columns() {
    return columns;
  }

  void setColumns(int columns) {
    this.columns = columns;
  }

  /** Drops the last column of the dense rows read so far (a trailing delimiter, not a feature). */
  void dropLastColumn() {
    int width = columns;
    long w = 0;
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < width - 1; c++) {
        values[(int) w++] = values[(int) ((long) r * width + c)];
      }
    }
    valueCount = w;
    columns = width - 1;
  }

  /** Starts a row; for dense rows, then call {@link #value} exactly {@code columns} times. */
  void startRow(float label, float weight) {
    if (rows == labels.length) {
      labels = Arrays.copyOf(labels, grow(labels.length));
      if (weighted) {
        weights = Arrays.copyOf(weights, labels.length);
      }
      if (!dense) {
        rowOffsets = Arrays.copyOf(rowOffsets, labels.length + 1);
      }
    }
    if (qids != null && qids.length < labels.length) {
      qids = Arrays.copyOf(qids, labels.length);
    }
    labels[rows] = label;
    if (weighted) {
      weights[rows] = weight;
    }
    rows++;
  }

  /**
   * Sets the query id of the row just started. Call it for every row or none (the parser checks);
   * the first call allocates the ids.
   */
  void qid(int qid) {
    if (qids == null) {
      qids = new int[labels.length];
    }
    qids[rows - 1] = qid;
  }

  /**
   * Notes that a row gave its weight. Sparse (LIBSVM) rows keep their weights only when some row
   * gave one: XGBoost takes no per-row weights for query groups, and none given means none.
   */
  void weightGiven() {
    weightGiven = true;
  }

  void value(float v) {
    ensureValues();
    values[(int) valueCount++] = v;
  }

  void entry(int index, float v) {
    ensureValues();
    if (valueCount == indices.length) {
      indices = Arrays.copyOf(indices, values.length);
    }
    indices[(int) valueCount] = index;
    values[(int) valueCount++] = v;
    if (index > maxIndex) {
      maxIndex = index;
    }
  }

  /** Ends a sparse row. */
  void endRow() {
    rowOffsets[rows] = valueCount;
  }

  private void ensureValues() {
    if (valueCount == values.length) {
      if (values.length >= Integer.MAX_VALUE - 16) {
        throw new IllegalStateException("more than 2^31 values on one worker; use more workers");
      }
      values = Arrays.copyOf(values, grow(values.length));
      if (!dense && indices.length < values.length) {
        indices = Arrays.copyOf(indices, values.length);
      }
    }
  }

  int maxIndex() {
    return maxIndex;
  }

  LabeledData build(int totalColumns) {
    if (dense) {
      return new LabeledData(rows, Math.max(0, columns), labels, weights, values, null, null, null);
    }
    return new LabeledData(rows, totalColumns, labels, weightGiven ? weights : null, null, rowOffsets, indices, values,
        qids);
  }

  private static int grow(int n) {
    long next = (long) n * 2;
    return (int) Math.min(Integer.MAX_VALUE - 16, next);
  }
}
