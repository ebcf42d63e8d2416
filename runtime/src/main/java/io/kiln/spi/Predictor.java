package io.kiln.spi;

import java.util.OptionalInt;

/**
 * A trained model that predicts, for batch prediction ({@code kiln predict}, SageMaker's Batch
 * Transform). An {@link Algorithm} makes one from a local copy of its model directory (the files of
 * {@code model.tar.gz}) with {@link Algorithm#predictor(java.nio.file.Path)}; the runtime makes one
 * per Spark task on the executor that runs it, from a copy of the model unpacked once per executor,
 * so a predictor need not be serialisable or thread-safe: one thread calls it, then closes it.
 *
 * <p>Input: a batch of dense float32 feature rows, row-major, as the runtime parsed them from the
 * input records (for {@code text/csv}: every column is a feature, Batch Transform's input has no
 * label column). {@code NaN} is a missing value (an empty CSV cell, or {@code nan}, {@code NA},
 * {@code null} ...); an algorithm that cannot take missing values throws a USER
 * {@link KilnException} naming the row (counted from 0 within the batch; the runtime adds the
 * object and line). Infinite values never reach a predictor (the parsers refuse them).
 *
 * <p>Output: per row, an ordered set of named values ({@link Predictions}), written by the runtime as
 * one output line per input record in the requested {@code Accept} type.
 */
public interface Predictor extends AutoCloseable {

  /**
   * The number of features every row must have, when the model fixes it (XGBoost: the booster's
   * feature count); empty when rows of any width are taken. The runtime checks each batch against
   * it before {@link #predict} and refuses a mismatch as a USER error naming both numbers.
   */
  OptionalInt featureCount();

  /**
   * Predicts {@code rows} rows.
   *
   * @param features row-major values, {@code rows * columns} of them; NaN for missing
   * @param rows the number of rows (at least 1)
   * @param columns features per row (equal to {@link #featureCount()} when that is present)
   * @return one value per row in each of the outputs, always the same outputs in the same order
   * @throws KilnException USER for data the model cannot take (naming the row), else ALGORITHM
   */
  Predictions predict(float[] features, int rows, int columns);

  /** Frees what the model holds (native memory); the predictor is not used afterwards. */
  @Override
  void close();
}
