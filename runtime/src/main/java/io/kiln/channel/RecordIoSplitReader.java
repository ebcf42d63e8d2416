package io.kiln.channel;

import static io.kiln.channel.RecordIoProtobuf.MAGIC;
import static io.kiln.channel.RecordIoProtobuf.MAGIC_HEX;
import static io.kiln.channel.RecordIoProtobuf.flag;
import static io.kiln.channel.RecordIoProtobuf.length;
import static io.kiln.channel.RecordIoProtobuf.littleEndian;
import static io.kiln.channel.RecordIoProtobuf.padded;

import io.kiln.spi.KilnException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads the RecordIO records of one split ({@link RecordIoProtobuf} describes the framing), joining
 * the parts of a multi-part record with the magic number between them as dmlc-core's reader does,
 * and hands each record's data to a {@link RecordHandler}.
 *
 * <p><b>How an object is shared among workers.</b> The split planner cuts RecordIO objects into
 * byte ranges exactly as it cuts text, and a record belongs to the range its first header starts in.
 * A worker whose range starts at 0 reads from there; any other finds its first record as MXNet's
 * RecordIO splitter does: the first 4-byte-aligned offset at or after its start that holds the magic
 * number followed by a length word whose continuation flag is 0 or 1 (a record's first header). It
 * then follows the headers' lengths, never searching again, past the end of its range to the end of
 * the record that straddles it. Cutting by bytes rather than dealing out whole objects keeps every
 * worker busy when a channel is one large object, which is how SageMaker's own examples upload
 * {@code write_numpy_to_dense_tensor} output; whole objects would leave workers idle or without
 * data.
 *
 * <p>A writer that escapes the magic (dmlc-core's, continuation flags 1-3) never leaves it at an
 * aligned offset inside a record, so that search finds only true headers. The SageMaker SDK's
 * writer does not escape it: a record's data can, very rarely (about once in 2^34 aligned words of
 * random data), hold the magic where a search would look. So the worker that reads the record
 * straddling the end of its range checks that record's bytes from there on, which are exactly the
 * bytes the next worker searches before it reaches the true next header; should the magic and a
 * first-part flag be there, the job fails with a message saying so instead of a record being read
 * twice or garbled. Every record is therefore read by exactly one worker, or the job fails.
 *
 * <p>A gzip object is read whole, from its start, by one worker; offsets in messages then count
 * uncompressed bytes.
 */
final class RecordIoSplitReader {
  private static final int BUFFER = 1 << 16;

  /** Handles one record's data, {@code data[0, length)}. */
  interface RecordHandler {
    void record(byte[] data, int length);
  }

  /**
   * A problem with one record's content, found by a {@link RecordHandler} before the record's object
   * and position are known: the reader reports it as a USER error naming them.
   */
  static final class RecordError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RecordError(String message) {
      super(message, null, false, false);
    }
  }

  private final Configuration conf;

  RecordIoSplitReader(Configuration conf) {
    this.conf = conf;
  }

  /**
   * Reads every record whose first header starts in {@code split} (all of a gzip object).
   *
   * @throws KilnException USER naming the channel, object, record (counted from 0 in the object)
   *     and byte offset for data that is not RecordIO (a wrong magic number), a truncated record, a
   *     continuation part where a record must start, data that cannot be shared at the split's end
   *     (see the class comment), and whatever the handler refuses; INTERNAL when the object cannot be
   *     read
   */
  void read(InputSplit split, String channel, RecordHandler handler) {
    Path path = new Path(split.uri());
    try {
      FileSystem fs = path.getFileSystem(conf);
      try (FSDataInputStream raw = fs.open(path)) {
        Source source;
        if (split.gzip()) {
          source = new Source(new GZIPInputStream(raw, BUFFER), 0);
        } else if (split.start() == 0) {
          source = new Source(raw, 0);
        } else {
          long aligned = padded(split.start());
          raw.seek(aligned);
          source = new Source(raw, aligned);
          if (!firstRecord(source, split.end())) {
            return; // no record starts in this range: the one before covers it
          }
        }
        new Walk(split, channel, handler, source).run();
      }
    } catch (ZipException e) {
      throw KilnException.user("Channel '" + channel + "': " + split.uri() + " is not valid gzip data ("
          + e.getMessage() + "); set the channel's compression to None if it is not compressed");
    } catch (EOFException e) {
      if (!split.gzip()) {
        throw KilnException.internal("Channel '" + channel + "': cannot read " + split.uri() + ": " + e.getMessage(), e);
      }
      throw KilnException.user("Channel '" + channel + "': " + split.uri() + " is truncated gzip data ("
          + e.getMessage() + "); replace it with the complete object");
    } catch (IOException e) {
      throw KilnException.internal("Channel '" + channel + "': cannot read " + split.uri() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Moves {@code source} to the first aligned offset before {@code end} that holds a record's first
   * header; false when there is none.
   */
  private static boolean firstRecord(Source source, long end) throws IOException {
    while (source.offset < end) {
      if (source.fill(8) < 8) {
        return false;
      }
      if (startsRecord(source.buf, source.pos, 8)) {
        return true;
      }
      source.skip(4);
    }
    return false;
  }

  /**
   * Whether {@code b[at, at + 8)}, of which {@code available} bytes exist, is what a worker's search
   * takes for a record's first header: the magic number, then a length word with flag 0 or 1.
   */
  private static boolean startsRecord(byte[] b, int at, int available) {
    return available >= 8 && littleEndian(b, at) == MAGIC && flag(littleEndian(b, at + 4)) <= 1;
  }

  /** Follows the headers from the source's position to the first record starting at or after the split's end. */
  private final class Walk {
    private final InputSplit split;
    private final String channel;
    private final RecordHandler handler;
    private final Source source;
    /** Where the next worker's search starts, or -1 when no worker starts later in this object. */
    private final long nextSearch;
    private byte[] data = new byte[4096];
    /** The index of the next record in the object, or -1 until an error needs it. */
    private long index;

    Walk(InputSplit split, String channel, RecordHandler handler, Source source) {
      this.split = split;
      this.channel = channel;
      this.handler = handler;
      this.source = source;
      this.nextSearch = split.gzip() || split.end() >= split.objectSize() ? -1 : padded(split.end());
      this.index = source.offset == 0 ? 0 : -1;
    }

    void run() throws IOException {
      long end = split.gzip() ? Long.MAX_VALUE : split.end();
      while (source.offset < end) {
        long start = source.offset;
        int available = source.fill(8);
        if (available == 0) {
          return; // the object ends after a whole record
        }
        int size = 0;
        int part = 0;
        while (true) {
          long header = source.offset;
          available = source.fill(8);
          if (available < 8) {
            throw located(start, part == 0
                ? "the object ends " + available + " byte(s) into the record's 8-byte header; replace the object "
                    + "with a complete copy"
                : "the object ends inside part " + (part + 1) + " of the record's header at byte offset " + header
                    + "; replace the object with a complete copy");
          }
          int magic = littleEndian(source.buf, source.pos);
          if (magic != MAGIC) {
            throw located(start, String.format("found 0x%08x at byte offset %d where a RecordIO header's magic number "
                + "%s must be: the object is not RecordIO-protobuf data (check the channel's ContentType) or is "
                + "corrupt from there on", magic, header, MAGIC_HEX));
          }
          int word = littleEndian(source.buf, source.pos + 4);
          int flag = flag(word);
          int length = length(word);
          if (part == 0 && flag != 0 && flag != 1) {
            throw located(start, "the header at byte offset " + header + " has continuation flag " + flag
                + ", which only a later part of a record has; the object is corrupt or was cut in the middle of a "
                + "record");
          }
          if (part > 0 && flag != 2 && flag != 3) {
            throw located(start, "part " + (part + 1) + " of the record (header at byte offset " + header
                + ") has continuation flag " + flag + " where 2 or 3 must follow a record's first part; the object "
                + "is corrupt");
          }
          source.skip(8);
          int paddedLength = (int) padded(length);
          ensure((long) size + paddedLength + 4);
          int got = source.read(data, size, paddedLength);
          if (got < length) {
            throw located(start, "the record is truncated: its header at byte offset " + header + " states " + length
                + " bytes of data, but the object ends after " + got + "; replace the object with a complete copy");
          }
          checkShareable(start, header + 8, size, got);
          size += length;
          if (flag == 0 || flag == 3) {
            break;
          }
          littleEndian(data, size, MAGIC); // dmlc-core's reader puts the magic back between parts
          size += 4;
          part++;
        }
        try {
          handler.record(data, size);
        } catch (RecordError e) {
          throw located(start, e.getMessage());
        }
        if (index >= 0) {
          index++;
        }
      }
    }

    /**
     * Fails when bytes the next worker searches ({@code data[from, from + count)}, at
     * {@code fileOffset} in the object) hold what it would take for a record's start.
     */
    private void checkShareable(long start, long fileOffset, int from, int count) {
      if (nextSearch < 0 || fileOffset + count <= nextSearch) {
        return;
      }
      // fileOffset is aligned (headers and padded data are), so aligned file offsets are aligned here
      for (int i = (int) Math.max(0, nextSearch - fileOffset); i + 8 <= count; i += 4) {
        if (startsRecord(data, from + i, count - i)) {
          throw located(start, "the record holds RecordIO's magic number at byte offset " + (fileOffset + i)
              + ", where the worker that reads the object from byte " + split.end() + " on would take it for "
              + "the start of a record; its writer did not escape the magic number. Rewrite the object with a "
              + "writer that escapes it (MXNet's or dmlc-core's RecordIO writer), or train with another number of "
              + "workers or with the data in more objects, so that no worker starts there");
        }
      }
      // the word after the data is a header's magic (flag bits 110) or the end of the object: never a start
    }

    private void ensure(long capacity) {
      if (capacity > data.length) {
        data = Arrays.copyOf(data, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(capacity, 2L * data.length)));
      }
    }

    private KilnException located(long start, String message) {
      long i = index >= 0 ? index : recordIndex(start);
      return KilnException.user("Channel '" + channel + "': " + split.uri() + " record "
          + (i >= 0 ? i + " (counting from 0) " : "") + "at byte offset " + start
          + (split.gzip() ? " of the uncompressed data" : "") + ": " + message);
    }

    /** The index of the record starting at {@code offset}, counted from the object's start; -1 if unknown. */
    private long recordIndex(long offset) {
      // errors are rare: walk the headers from the object's start rather than keep count while reading
      Path path = new Path(split.uri());
      try (InputStream in = path.getFileSystem(conf).open(path)) {
        Source s = new Source(in, 0);
        long count = 0;
        while (s.offset < offset) {
          if (s.fill(8) < 8 || littleEndian(s.buf, s.pos) != MAGIC) {
            return -1;
          }
          int word = littleEndian(s.buf, s.pos + 4);
          if (flag(word) <= 1) {
            count++;
          }
          long skip = 8 + padded(length(word));
          while (skip > 0) {
            int available = s.fill((int) Math.min(skip, BUFFER));
            if (available == 0) {
              return -1;
            }
            int n = (int) Math.min(skip, available);
            s.skip(n);
            skip -= n;
          }
        }
        return s.offset == offset ? count : -1;
      } catch (IOException e) {
        return -1;
      }
    }
  }

  /** A stream read through a buffer that knows the object offset of its position. */
  private static final class Source {
    final InputStream in;
    byte[] buf = new byte[BUFFER];
    int pos;
    int lim;
    /** The object offset of {@code buf[pos]}. */
    long offset;

    Source(InputStream in, long offset) {
      this.in = in;
      this.offset = offset;
    }

    /** Makes up to {@code n} bytes available at {@code buf[pos]}; the count available (fewer only at the end). */
    int fill(int n) throws IOException {
      if (lim - pos >= n) {
        return lim - pos;
      }
      if (pos > 0) {
        System.arraycopy(buf, pos, buf, 0, lim - pos);
        lim -= pos;
        pos = 0;
      }
      while (lim < n) {
        int r = in.read(buf, lim, buf.length - lim);
        if (r < 0) {
          break;
        }
        lim += r;
      }
      return lim - pos;
    }

    void skip(int n) {
      pos += n;
      offset += n;
    }

    /** Copies up to {@code n} bytes to {@code dst[at]}; the count copied (fewer only at the end). */
    int read(byte[] dst, int at, int n) throws IOException {
      int fromBuffer = Math.min(n, lim - pos);
      System.arraycopy(buf, pos, dst, at, fromBuffer);
      skip(fromBuffer);
      int done = fromBuffer;
      while (done < n) {
        int r = in.read(dst, at + done, n - done);
        if (r < 0) {
          break;
        }
        done += r;
        offset += r;
      }
      return done;
    }
  }
}
