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
 * to exactly one worker (the split rule of {@link InputSplit}: a line belongs to the split it
 * starts in). Lines are decoded as UTF-8 (malformed bytes become U+FFFD) without their ending
 * ({@code \n} or {@code \r\n}); a UTF-8 byte order mark at the start of an object is dropped. A
 * gzip object (channel compression Gzip, or a {@code .gz} name) is one split, read whole.
 */
public final class ChannelLines {
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private final Configuration conf;

  public ChannelLines(Configuration conf) {
    this.conf = conf;
  }

  /**
   * Reads {@code splits} in order, handing each line to {@code handler}.
   *
   * @throws KilnException USER for a {@link BadRecordException} (naming the object and line
   *     number), ALGORITHM for any other exception of the handler (its cause kept), INTERNAL when
   *     storage fails; a {@link KilnException} the handler throws passes unchanged
   */
  public void read(String channel, List<InputSplit> splits, LineHandler handler) {
    TextSplitReader reader = new TextSplitReader(conf);
    for (InputSplit split : splits) {
      boolean[] first = {split.gzip() || split.start() == 0};
      reader.read(split, channel, (b, from, to) -> {
        int start = from;
        if (first[0]) {
          first[0] = false;
          if (to - from >= 3 && b[from] == BOM[0] && b[from + 1] == BOM[1] && b[from + 2] == BOM[2]) {
            start += 3;
          }
        }
        String line = new String(b, start, to - start, StandardCharsets.UTF_8);
        try {
          handler.line(line);
        } catch (BadRecordException e) {
          throw new TextSplitReader.LineError(e.getMessage() == null ? "the algorithm refused the line"
              : e.getMessage());
        } catch (KilnException e) {
          throw e;
        } catch (Exception e) {
          throw new TextSplitReader.LineError(ErrorType.ALGORITHM, "the algorithm failed on the line: "
              + e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        }
      });
    }
  }
}
