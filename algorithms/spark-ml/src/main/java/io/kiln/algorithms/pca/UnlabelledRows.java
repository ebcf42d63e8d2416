package io.kiln.algorithms.pca;

import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.KilnException;
import io.kiln.spi.LabeledData;
import io.kiln.spi.ReadOptions;
import io.kiln.spi.WorkerContext;
import java.io.Serializable;
import java.util.List;

/**
 * One worker's rows of a channel for an unsupervised built-in (K-Means, PCA), as dense double rows
 * of exactly {@code feature_dim} features.
 *
 * <p>Which columns are features follows SageMaker's common training formats (Common Data Formats -
 * Training, "Using CSV Format": "To run unsupervised learning algorithms that don't have a target,
 * specify the number of label columns in the content type ... 'content_type=text/csv;label_size=0'"):
 * plain {@code text/csv} (and Parquet) means {@code label_size=1}, so its first column is a label
 * these algorithms ignore; {@code label_size=0} makes every column a feature. A RecordIO-protobuf
 * record's features are its {@code features["values"]} tensor, dense or sparse, and its label (the
 * SDK's {@code record_set} writes none for these algorithms) is ignored.
 *
 * @param rows the number of rows
 * @param columns the feature count ({@code feature_dim})
 * @param values row-major, {@code rows * columns}
 */
public record UnlabelledRows(int rows, int columns, double[] values) {

  /**
   * How a channel is read, decided on the driver from its ContentType.
   *
   * @param channel the channel's name
   * @param labelSize the label columns to skip (0 or 1); 0 for RecordIO-protobuf
   * @param plainCsv whether the ContentType is text/csv or Parquet without {@code label_size} (for
   *     the hint in a feature-count message)
   */
  public record Layout(String channel, int labelSize, boolean plainCsv) implements Serializable {

    /** The layout of {@code channel} as the job gives it. */
    public static Layout of(ChannelData channel) {
      boolean records = channel.contentType().equals(ContentType.RECORDIO_PROTOBUF);
      boolean stated = channel.contentTypeParameters().containsKey("label_size");
      return new Layout(channel.name(), records ? 0 : channel.labelSize(), !records && !stated);
    }
  }

  /**
   * Reads this worker's rows. <em>Collective</em>: every worker ends with the same outcome; a bad
   * row anywhere fails every worker with the channel's first bad row (lowest rank's).
   *
   * @param featureDim the {@code feature_dim} hyperparameter
   * @throws KilnException USER when the rows do not have {@code feature_dim} features (naming both and,
   *     for plain text/csv, the label_size fix), or a feature is missing (empty cell, NaN), naming
   *     the object and line
   */
  public static UnlabelledRows read(WorkerContext ctx, Layout layout, int featureDim) {
    LabeledData data = ctx.read(layout.channel(), new ReadOptions(false, layout.labelSize()));
    int columns = data.columns();
    if (data.isDense() ? columns != featureDim : columns > featureDim) {
      String hint = layout.plainCsv() && columns == featureDim - 1
          ? ". Its ContentType has no label_size, so the first column is read as a label (SageMaker's rule for "
              + "text/csv); for rows without a label write ContentType text/csv;label_size=0"
          : "";
      throw KilnException.user("Channel '" + layout.channel() + "' has rows of " + columns + " features, but "
          + "feature_dim=" + featureDim + " (the hyperparameter): set feature_dim to the number of"
          + " features in a row" + hint);
    }
    double[] values = new double[Math.multiplyExact(data.rows(), featureDim)];
    String bad = "";
    if (data.isDense()) {
      float[] dense = data.dense();
      for (int i = 0; i < values.length && bad.isEmpty(); i++) { // the matrix may be longer than rows x columns
        if (!Float.isFinite(dense[i])) {
          bad = ctx.rowError(layout.channel(), i / featureDim, "feature " + (i % featureDim + 1) + " is "
              + (Float.isNaN(dense[i]) ? "missing (an empty cell or NaN)" : "infinite")
              + "; " + "every feature needs a finite value").getMessage();
        }
        values[i] = dense[i];
      }
    } else {
      for (int r = 0; r < data.rows() && bad.isEmpty(); r++) {
        for (long p = data.rowOffsets()[r]; p < data.rowOffsets()[r + 1]; p++) {
          float v = data.values()[(int) p];
          if (!Float.isFinite(v)) {
            bad = ctx.rowError(layout.channel(), r, "feature index " + data.indices()[(int) p] + " is not a finite "
                + "number; every feature needs a finite value").getMessage();
            break;
          }
          values[r * featureDim + data.indices()[(int) p]] = v;
        }
      }
    }
    List<String> all = ctx.allGather(bad);
    for (String message : all) {
      if (!message.isEmpty()) {
        throw KilnException.user(message);
      }
    }
    return new UnlabelledRows(data.rows(), featureDim, values);
  }
}
