package io.kiln.channel;

import io.kiln.spi.ContentType;
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
   * Reads {@code splits}; the result's column count is this worker's own (for LibSVM, the largest
   * index seen plus one), which callers agree on across workers.
   */
  public LabeledData read(String channel, ContentType type, List<InputSplit> splits, ReadOptions options) {
    boolean dense = type != ContentType.LIBSVM;
    boolean weighted = type == ContentType.LIBSVM || options.weightColumn();
    LabeledDataBuilder out = new LabeledDataBuilder(dense, weighted);
    switch (type) {
      case CSV -> {
        TextSplitReader reader = new TextSplitReader(conf);
        CsvParser parser = new CsvParser(out, options.weightColumn());
        for (InputSplit s : splits) {
          reader.read(s, channel, parser);
        }
      }
      case LIBSVM -> {
        TextSplitReader reader = new TextSplitReader(conf);
        LibSvmParser parser = new LibSvmParser(out);
        for (InputSplit s : splits) {
          reader.read(s, channel, parser);
        }
      }
      case PARQUET -> {
        for (InputSplit s : splits) {
          ParquetRows.read(s, channel, out, conf);
        }
      }
      default -> throw new IllegalStateException("no reader for " + type);
    }
    return out.build(out.maxIndex() + 1);
  }
}
