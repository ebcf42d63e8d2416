package io.kiln.spi;

import java.io.IOException;
import java.io.InputStream;

/**
 * One whole object of a channel, as worker code sees it.
 *
 * <p>{@link #key()} is the object's path relative to the channel's prefix with {@code /}
 * separators ({@code cats/001.jpg} for {@code s3://b/images/cats/001.jpg} under
 * {@code s3://b/images/}); for a prefix that is not a folder ({@code s3://b/train}) it is the
 * object's name below the prefix's folder ({@code train-2.csv}). It never contains {@code ..} or
 * starts with {@code /}.
 */
public interface ChannelObject {

  /** The object's full URI, in the scheme Kiln reads it through. */
  String uri();

  /** The object's path relative to the channel prefix (see the class comment). */
  String key();

  /** The stored length in bytes (compressed, for a gzip channel). */
  long size();

  /**
   * Opens the object for reading from its first byte. For a channel whose CompressionType is Gzip
   * the stream is the decompressed data. The caller closes it.
   *
   * @throws IOException when the object cannot be opened (gone, no permission, storage down)
   */
  InputStream open() throws IOException;
}
