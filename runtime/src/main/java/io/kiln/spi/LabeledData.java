package io.kiln.spi;

/**
 * One worker's rows of a channel: labels, optional weights and features, stored either dense
 * (row-major, {@code NaN} for missing) or as CSR.
 *
 * @param rows number of rows
 * @param columns number of feature columns (for CSR: the largest index seen plus one)
 * @param labels one label per row, or null for rows read without labels ({@code label_size=0})
 * @param weights one weight per row, or null (for LIBSVM: null unless some row gives
 *     {@code label:weight})
 * @param dense row-major values ({@code rows * columns}), or null when sparse
 * @param rowOffsets CSR row offsets ({@code rows + 1}), or null when dense
 * @param indices CSR column indices, or null when dense
 * @param values CSR values, or null when dense
 * @param qids one query id per row, as LIBSVM rows give it ({@code label qid:n index:value ...});
 *     null when the rows have none. Ranking objectives make query groups of consecutive rows with
 *     the same qid
 */
public record LabeledData(
    int rows,
    int columns,
    float[] labels,
    float[] weights,
    float[] dense,
    long[] rowOffsets,
    int[] indices,
    float[] values,
    int[] qids) {

  /** Rows without query ids. */
  public LabeledData(int rows, int columns, float[] labels, float[] weights, float[] dense, long[] rowOffsets,
      int[] indices, float[] values) {
    this(rows, columns, labels, weights, dense, rowOffsets, indices, values, null);
  }

  public boolean isDense() {
    return dense != null;
  }
}
