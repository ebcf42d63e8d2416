package io.kiln.spi;

/**
 * How worker code wants a channel read into a {@link LabeledData}.
 *
 * @param weightColumn for CSV: the column after the label is an instance weight (XGBoost's
 *     csv_weights)
 * @param labelSize 0 (rows have no label: {@link LabeledData#labels()} is null) or 1 (the first
 *     column is the label); null takes the channel's {@code label_size} ContentType parameter,
 *     whose default is 1
 */
public record ReadOptions(boolean weightColumn, Integer labelSize) {
  public static final ReadOptions DEFAULT = new ReadOptions(false, null);

  public ReadOptions {
    if (labelSize != null && labelSize != 0 && labelSize != 1) {
      throw new IllegalArgumentException("labelSize must be 0 or 1, not " + labelSize);
    }
    if (weightColumn && labelSize != null && labelSize == 0) {
      throw new IllegalArgumentException("a weight column needs a label column (labelSize 1)");
    }
  }

  /** Labelled rows (or the channel's label_size), with or without a weight column. */
  public ReadOptions(boolean weightColumn) {
    this(weightColumn, null);
  }

  /** Rows without labels. */
  public static ReadOptions unlabelled() {
    return new ReadOptions(false, 0);
  }
}
