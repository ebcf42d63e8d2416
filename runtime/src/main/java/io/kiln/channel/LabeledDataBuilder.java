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
    labels[rows] = label;
    if (weighted) {
      weights[rows] = weight;
    }
    rows++;
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
    return new LabeledData(rows, totalColumns, labels, weights, null, rowOffsets, indices, values);
  }

  private static int grow(int n) {
    long next = (long) n * 2;
    return (int) Math.min(Integer.MAX_VALUE - 16, next);
  }
}
