package io.kiln.spi;

/**
 * How worker code wants a channel read.
 *
 * @param weightColumn for CSV: the second column is an instance weight (XGBoost's csv_weights)
 */
public record ReadOptions(boolean weightColumn) {
  public static final ReadOptions DEFAULT = new ReadOptions(false);
}
