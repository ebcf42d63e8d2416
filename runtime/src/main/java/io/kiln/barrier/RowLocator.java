package io.kiln.barrier;

import io.kiln.channel.ChannelLines;
import io.kiln.channel.InputSplit;
import io.kiln.spi.BadRecordException;
import io.kiln.spi.ContentType;
import io.kiln.spi.KilnException;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/**
 * Finds where one row of a worker's share of a row channel comes from, for
 * {@link io.kiln.spi.WorkerContext#rowError}. The rows {@code read} returns are the worker's splits
 * in order: a Parquet split is a range of rows, so row {@code i} is found by counting; a text split's
 * rows are its lines that hold a row (as the CSV and LibSVM readers count them: a line that is not
 * blank, for LibSVM once a {@code #} comment is removed), found by reading the share again up to the
 * row, and named with the runtime's own object and line numbering.
 */
final class RowLocator {
  private RowLocator() {}

  /** The error naming {@code row}'s object and line or row; empty when the share has fewer rows. */
  static Optional<KilnException> error(String channel, ContentType type, List<InputSplit> splits, long row,
      String message, Configuration conf) {
    if (row < 0) {
      return Optional.empty();
    }
    if (type.equals(ContentType.PARQUET)) {
      long left = row;
      for (InputSplit s : splits) {
        if (left < s.length()) {
          return Optional.of(KilnException.user("Channel '" + channel + "': " + s.uri() + " row "
              + (s.start() + left + 1) + ": " + message));
        }
        left -= s.length();
      }
      return Optional.empty();
    }
    if (!type.equals(ContentType.CSV) && !type.equals(ContentType.LIBSVM)) {
      return Optional.empty();
    }
    boolean libsvm = type.equals(ContentType.LIBSVM);
    long[] seen = {0};
    try {
      new ChannelLines(conf).read(channel, splits, line -> {
        String content = libsvm && line.indexOf('#') >= 0 ? line.substring(0, line.indexOf('#')) : line;
        if (blank(content)) {
          return;
        }
        if (seen[0]++ == row) {
          throw new BadRecordException(message);
        }
      });
    } catch (KilnException e) {
      // ChannelLines names the object and line of the row refused above
      return Optional.of(e);
    }
    return Optional.empty();
  }

  /** Only spaces and tabs, as the readers see a line without a row. */
  private static boolean blank(String line) {
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c != ' ' && c != '\t') {
        return false;
      }
    }
    return true;
  }
}
