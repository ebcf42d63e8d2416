package io.kiln.channel;

import io.kiln.spi.ContentType;
import io.kiln.spi.KilnException;
import io.kiln.spi.LabeledData;
import io.kiln.spi.ReadOptions;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/** Reads one worker's splits of a channel into memory. */
public final class ChannelReader {
  private final Configuration conf;
  private InputSplit reading;

  public ChannelReader(Configuration conf) {
    this.conf = conf;
  }

  /** The split being read when the last read failed; null before any read. */
  public InputSplit failedSplit() {
    return reading;
  }

  /**
   * Reads {@code splits}, a CSV channel's delimiter sniffed from the first of them; see
   * {@link #read(String, ContentType, List, ReadOptions, InputSplit)}.
   */
  public LabeledData read(String channel, ContentType type, List<InputSplit> splits, ReadOptions options) {
    return read(channel, type, splits, options, splits.isEmpty() ? null : splits.get(0));
  }

  /**
   * Reads {@code splits}; the result's column count is this worker's own (for LibSVM, the largest
   * index seen plus one; for RecordIO-protobuf, the records' width: a dense record's value count or a
   * sparse record's shape), which callers agree on across workers.
   *
   * @param delimiterFrom for CSV: the object whose first non-blank line gives the delimiter
   *     ({@link CsvDelimiter}), the channel's first object so that every worker reads with the same
   *     one (only its URI and compression are used); null: a comma
   */
  public LabeledData read(String channel, ContentType type, List<InputSplit> splits, ReadOptions options,
      InputSplit delimiterFrom) {
    Rows rows = readRows(channel, type, splits, options, delimiterFrom);
    return rows.trailingEmptyField() ? dropLastColumn(rows.data()) : rows.data();
  }

  /**
   * One worker's rows, and whether every one of them (CSV only) ended with an empty field after
   * its last delimiter, which {@code data} then holds as a missing last feature. Whether that
   * field is a column depends on the whole channel, so workers agree on it: it is a trailing
   * delimiter (drop it with {@link #dropLastColumn}) when every worker's rows end so, as native
   * XGBoost reads such a file, or when other workers' rows have one column fewer.
   */
  public record Rows(LabeledData data, boolean trailingEmptyField) {}

  /** Reads {@code splits} as {@link #read(String, ContentType, List, ReadOptions, InputSplit)}, keeping a trailing empty field. */
  public Rows readRows(String channel, ContentType type, List<InputSplit> splits, ReadOptions options,
      InputSplit delimiterFrom) {
    boolean labelled = options.labelSize() == null || options.labelSize() == 1;
    reading = delimiterFrom;
    if (type.equals(ContentType.RECORDIO_PROTOBUF)) {
      // dense or CSR as the records are (decided by the first); no weights (the weight column is CSV's)
      RecordIoRows rows = new RecordIoRows(labelled);
      RecordIoSplitReader reader = new RecordIoSplitReader(conf);
      for (InputSplit s : splits) {
        reading = s;
        reader.read(s, channel, rows);
      }
      return new Rows(labelled ? rows.build() : withoutLabels(rows.build()), false);
    }
    boolean dense = !type.equals(ContentType.LIBSVM);
    boolean weighted = type.equals(ContentType.LIBSVM) || options.weightColumn();
    LabeledDataBuilder out = new LabeledDataBuilder(dense, weighted);
    boolean trailingEmpty = false;
    if (type.equals(ContentType.CSV)) {
      TextSplitReader reader = new TextSplitReader(conf);
      byte delimiter;
      try {
        delimiter = delimiterFrom == null ? (byte) ','
            : CsvDelimiter.sniff(conf, delimiterFrom.uri(), delimiterFrom.gzip());
      } catch (KilnException e) {
        throw new KilnException(e.type(), "Channel '" + channel + "': " + e.getMessage(), e.getCause());
      }
      CsvParser parser = new CsvParser(out, options.weightColumn(), labelled, delimiter);
      for (InputSplit s : splits) {
        reading = s;
        reader.read(s, channel, parser);
      }
      trailingEmpty = parser.everyRowTrailingEmpty();
    } else if (type.equals(ContentType.LIBSVM)) {
      if (!labelled) {
        throw KilnException.user("Channel '" + channel + "' is text/libsvm, whose rows always start with a label; "
            + "use text/csv;label_size=0 for rows without labels");
      }
      TextSplitReader reader = new TextSplitReader(conf);
      LibSvmParser parser = new LibSvmParser(out);
      for (InputSplit s : splits) {
        reading = s;
        reader.read(s, channel, parser);
      }
    } else if (type.equals(ContentType.PARQUET)) {
      for (InputSplit s : splits) {
        reading = s;
        ParquetRows.read(s, channel, out, conf, labelled);
      }
    } else {
      throw new IllegalArgumentException("channel " + channel + " is " + type + ", which has no row reader");
    }
    LabeledData data = out.build(out.maxIndex() + 1);
    return new Rows(labelled ? data : withoutLabels(data), trailingEmpty);
  }

  /** {@code data} (dense) without its last feature column. */
  public static LabeledData dropLastColumn(LabeledData data) {
    int width = data.columns();
    float[] v = data.dense();
    long w = 0;
    for (long r = 0; r < data.rows(); r++) {
      for (int c = 0; c < width - 1; c++) {
        v[(int) w++] = v[(int) (r * width + c)];
      }
    }
    return new LabeledData(data.rows(), width - 1, data.labels(), data.weights(), v, null, null, null);
  }

  private static LabeledData withoutLabels(LabeledData data) {
    return new LabeledData(data.rows(), data.columns(), null, data.weights(), data.dense(), data.rowOffsets(),
        data.indices(), data.values(), data.qids());
  }
}
