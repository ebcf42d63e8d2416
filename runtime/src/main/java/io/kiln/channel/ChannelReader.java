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

  public ChannelReader(Configuration conf) {
    this.conf = conf;
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
    boolean labelled = options.labelSize() == null || options.labelSize() == 1;
    if (type.equals(ContentType.RECORDIO_PROTOBUF)) {
      // dense or CSR as the records are (decided by the first); no weights (the weight column is CSV's)
      RecordIoRows rows = new RecordIoRows(labelled);
      RecordIoSplitReader reader = new RecordIoSplitReader(conf);
      for (InputSplit s : splits) {
        reader.read(s, channel, rows);
      }
      return labelled ? rows.build() : withoutLabels(rows.build());
    }
    boolean dense = !type.equals(ContentType.LIBSVM);
    boolean weighted = type.equals(ContentType.LIBSVM) || options.weightColumn();
    LabeledDataBuilder out = new LabeledDataBuilder(dense, weighted);
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
        reader.read(s, channel, parser);
      }
    } else if (type.equals(ContentType.LIBSVM)) {
      if (!labelled) {
        throw KilnException.user("Channel '" + channel + "' is text/libsvm, whose rows always start with a label; "
            + "use text/csv;label_size=0 for rows without labels");
      }
      TextSplitReader reader = new TextSplitReader(conf);
      LibSvmParser parser = new LibSvmParser(out);
      for (InputSplit s : splits) {
        reader.read(s, channel, parser);
      }
    } else if (type.equals(ContentType.PARQUET)) {
      for (InputSplit s : splits) {
        ParquetRows.read(s, channel, out, conf, labelled);
      }
    } else {
      throw new IllegalArgumentException("channel " + channel + " is " + type + ", which has no row reader");
    }
    LabeledData data = out.build(out.maxIndex() + 1);
    return labelled ? data : withoutLabels(data);
  }

  private static LabeledData withoutLabels(LabeledData data) {
    return new LabeledData(data.rows(), data.columns(), null, data.weights(), data.dense(), data.rowOffsets(),
        data.indices(), data.values(), data.qids());
  }
}
