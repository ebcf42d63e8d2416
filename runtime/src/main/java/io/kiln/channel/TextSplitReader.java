package io.kiln.channel;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads the lines of one text split, handing each line's bytes to a {@link LineHandler} without
 * making strings. A line belongs to the split in which it starts.
 */
final class TextSplitReader {
  private static final int BUFFER = 1 << 20;

  /** Parses one line; {@code b[from, to)} excludes the line ending. */
  interface LineHandler {
    void line(byte[] b, int from, int to);
  }

  /**
   * A failure inside one line, before the line number is known: a parse error (USER) or, for lines
   * handed to algorithm code, that code's failure (ALGORITHM, with its exception as the cause).
   */
  static final class LineError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorType type;

    LineError(String message) {
      this(ErrorType.USER, message, null);
    }

    LineError(ErrorType type, String message, Throwable cause) {
      super(message, cause, false, false);
      this.type = type;
    }
  }

  private final Configuration conf;

  TextSplitReader(Configuration conf) {
    this.conf = conf;
  }

  void read(InputSplit split, String channel, LineHandler handler) {
    Path path = new Path(split.uri());
    try {
      FileSystem fs = path.getFileSystem(conf);
      try (FSDataInputStream raw = fs.open(path)) {
        long position = 0;
        InputStream in = raw;
        if (split.gzip()) {
          in = new GZIPInputStream(raw, 1 << 16);
        } else if (split.start() > 0) {
          raw.seek(split.start() - 1);
          position = split.start() - 1;
        }
        scan(in, split, position, channel, handler);
      }
    } catch (java.util.zip.ZipException e) {
      throw KilnException.user("Channel '" + channel + "': " + split.uri() + " is not valid gzip data ("
          + e.getMessage() + "); set the channel's compression to None if it is not compressed");
    } catch (java.io.EOFException e) {
      if (!split.gzip()) {
        throw KilnException.internal("Channel '" + channel + "': cannot read " + split.uri() + ": " + e.getMessage(), e);
      }
      throw KilnException.user("Channel '" + channel + "': " + split.uri() + " is truncated gzip data ("
          + e.getMessage() + "); replace it with the complete object");
    } catch (IOException e) {
      throw KilnException.internal("Channel '" + channel + "': cannot read " + split.uri() + ": " + e.getMessage(), e);
    }
  }

  private void scan(InputStream in, InputSplit split, long startPosition, String channel, LineHandler handler)
      throws IOException {
    boolean whole = split.gzip();
    long end = whole ? Long.MAX_VALUE : split.end();
    byte[] buf = new byte[BUFFER];
    int len = 0;
    long bufStart = startPosition; // file offset of buf[0]
    boolean skipFirst = !whole && split.start() > 0;
    int lineStart = 0;
    boolean eof = false;
    while (true) {
      // find the end of the line that begins at lineStart
      int nl = -1;
      int searchFrom = lineStart;
      while (true) {
        for (int i = searchFrom; i < len; i++) {
          if (buf[i] == '\n') {
            nl = i;
            break;
          }
        }
        if (nl >= 0 || eof) {
          break;
        }
        // need more bytes: compact and refill
        if (lineStart > 0) {
          System.arraycopy(buf, lineStart, buf, 0, len - lineStart);
          bufStart += lineStart;
          len -= lineStart;
          searchFrom -= lineStart;
          lineStart = 0;
        }
        if (len == buf.length) {
          byte[] bigger = new byte[buf.length * 2];
          System.arraycopy(buf, 0, bigger, 0, len);
          buf = bigger;
        }
        int searchedTo = len;
        int n = in.read(buf, len, buf.length - len);
        if (n < 0) {
          eof = true;
        } else {
          len += n;
        }
        searchFrom = searchedTo;
      }
      long lineOffset = bufStart + lineStart;
      if (lineOffset >= end || (nl < 0 && lineStart >= len)) {
        return;
      }
      int lineEnd = nl >= 0 ? nl : len;
      if (skipFirst) {
        skipFirst = false;
      } else {
        int to = lineEnd;
        if (to > lineStart && buf[to - 1] == '\r') {
          to--;
        }
        try {
          handler.line(buf, lineStart, to);
        } catch (LineError e) {
          throw new KilnException(e.type, "Channel '" + channel + "': " + split.uri() + " line "
              + lineNumber(split, lineOffset) + ": " + e.getMessage(), e.getCause());
        }
      }
      if (nl < 0) {
        return;
      }
      lineStart = nl + 1;
    }
  }

  /** The 1-based line number of the line starting at {@code offset}, counted from the file start. */
  private long lineNumber(InputSplit split, long offset) {
    // errors are rare: count from the start of the object rather than while scanning
    Path path = new Path(split.uri());
    try (InputStream raw = path.getFileSystem(conf).open(path);
        InputStream in = split.gzip() ? new GZIPInputStream(raw) : raw) {
      long line = 1;
      long pos = 0;
      byte[] buf = new byte[BUFFER];
      while (pos < offset) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, offset - pos));
        if (n < 0) {
          break;
        }
        for (int i = 0; i < n; i++) {
          if (buf[i] == '\n') {
            line++;
          }
        }
        pos += n;
      }
      return line;
    } catch (IOException e) {
      return -1;
    }
  }
}
