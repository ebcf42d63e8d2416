package io.kiln.spi;

/**
 * How worker code wants a channel read into a {@link LabeledData}.
 *
 * @param weightColumn for CSV: the column after the label is an instance weight (XGBoost's
 *     csv_weights); needs a label column
 * @param labelSize 0 (rows have no label: {@link LabeledData#labels()} is null) or 1 (the first
 *     column is the label); null takes the channel's {@code label_size} ContentType parameter,
 *     whose default is 1. When given, it must agree with a {@code label_size} the channel states:
 *     an algorithm that needs labels asks for 1 and a channel written {@code text/csv;label_size=0}
 *     is then refused as a user error rather than read without labels
 */
public record ReadOptions(boolean weightColumn, Integer labelSize) {
  /** The channel decides ({@code label_size}, default 1); no weight column. */
  public static final ReadOptions DEFAULT = new ReadOptions(false, null);

  public ReadOptions {
    if (labelSize != null && labelSize != 0 && labelSize != 1) {
      throw new IllegalArgumentException("labelSize must be 0 or 1, not " + labelSize);
    }
    if (weightColumn && labelSize != null && labelSize == 0) {
      throw new IllegalArgumentException("a weight column needs a label column (labelSize 1)");
    }
  }

  /** The channel's label_size decides, with or without a weight column. */
  public ReadOptions(boolean weightColumn) {
    this(weightColumn, null);
  }

  /** Rows with the label first (and a weight after it when {@code weightColumn}). */
  public static ReadOptions labelled(boolean weightColumn) {
    return new ReadOptions(weightColumn, 1);
  }

  /** Rows without labels. */
  public static ReadOptions unlabelled() {
    return new ReadOptions(false, 0);
  }
}
