package io.kiln.channel;

import java.io.Serializable;

/**
 * A piece of one object that one worker reads.
 *
 * <p>For text, {@code [start, end)} is a byte range and the worker reads every line that starts in
 * it (the line that straddles {@code end} included, the one straddling {@code start} left to the
 * previous split); for RecordIO, every record whose first header starts in it
 * ({@link RecordIoSplitReader}). For Parquet it is a range of rows. A compressed object is always
 * read whole.
 *
 * @param uri the object, as a Hadoop URI
 * @param start first byte (or row)
 * @param end one past the last byte (or row)
 * @param objectSize the whole object's length in bytes
 * @param unit what {@code start} and {@code end} count
 * @param gzip whether the object is gzip-compressed
 */
public record InputSplit(String uri, long start, long end, long objectSize, Unit unit, boolean gzip)
    implements Serializable {

  /** What a split's offsets count. */
  public enum Unit {
    BYTES,
    ROWS
  }

  public long length() {
    return end - start;
  }
}
