package io.kiln.channel;

import io.kiln.spi.BadRecordException;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.LineHandler;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * Streams the lines of one worker's text splits to a {@link LineHandler}, each line of the channel
 * to exactly one worker (the split rule of {@link InputSplit}).
 */
public final class ChannelLines {
  private final Configuration conf;

  public ChannelLines(Configuration conf) {
    this.conf = conf;
  }

  /**
   * Reads {@code splits} in order, handing each line (UTF-8, without its ending) to {@code handler}.
   *
   * @throws KilnException USER for a {@link BadRecordException} (with the object and line), ALGORITHM
   *     for any other exception of the handler, INTERNAL when storage fails
   */
  public void read(String channel, List<InputSplit> splits, LineHandler handler) {
    TextSplitReader reader = new TextSplitReader(conf);
    for (InputSplit split : splits) {
      reader.read(split, channel, (b, from, to) -> {
        String line = new String(b, from, to - from, StandardCharsets.UTF_8);
        try {
          handler.line(line);
        } catch (BadRecordException e) {
          throw new TextSplitReader.LineError(e.getMessage());
        } catch (KilnException e) {
          throw e;
        } catch (Exception e) {
          throw new KilnException(ErrorType.ALGORITHM, "Channel '" + channel + "': " + split.uri()
              + ": the algorithm failed on a line: " + e, e);
        }
      });
    }
  }
}
