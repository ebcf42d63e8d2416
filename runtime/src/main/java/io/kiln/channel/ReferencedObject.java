package io.kiln.channel;

import io.kiln.spi.ChannelObject;
import io.kiln.spi.KilnException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * An object an augmented manifest's line names by URI ({@code source-ref}), opened as the channel's
 * own objects are ({@link HadoopChannelObject}). Its size is looked up on first use. A missing
 * object is the user's error, named with the manifest, the line, the attribute and the URI as
 * written.
 */
final class ReferencedObject implements ChannelObject {
  private final String written;
  private final String hadoopUri;
  private final String key;
  private final boolean gzip;
  private final Configuration conf;
  private final String where;
  private long size = -1;

  /**
   * @param written the URI as written in the manifest
   * @param hadoopUri the URI Kiln reads through
   * @param key the object's path in its bucket
   * @param gzip whether it is decompressed on opening (the channel's CompressionType is Gzip)
   * @param conf the storage settings
   * @param where the manifest, line and attribute naming it, for messages
   */
  ReferencedObject(String written, String hadoopUri, String key, boolean gzip, Configuration conf, String where) {
    this.written = written;
    this.hadoopUri = hadoopUri;
    this.key = key;
    this.gzip = gzip;
    this.conf = conf;
    this.where = where;
  }

  @Override
  public String uri() {
    return hadoopUri;
  }

  @Override
  public String key() {
    return key;
  }

  /**
   * {@inheritDoc}
   *
   * @throws KilnException USER when the object does not exist or cannot be read with Kiln's
   *     credentials; INTERNAL when storage fails otherwise
   */
  @Override
  public long size() {
    if (size < 0) {
      Path path = new Path(hadoopUri);
      try {
        FileStatus status = path.getFileSystem(conf).getFileStatus(path);
        if (status.isDirectory()) {
          throw KilnException.user(where + ", which is a folder, not an object; name an object");
        }
        size = status.getLen();
      } catch (FileNotFoundException e) {
        throw missing();
      } catch (AccessDeniedException e) {
        throw denied(e);
      } catch (IOException e) {
        throw KilnException.internal(where + ": cannot read it: " + e.getMessage(), e);
      }
    }
    return size;
  }

  /**
   * {@inheritDoc}
   *
   * @throws KilnException USER when the object does not exist or cannot be read with Kiln's
   *     credentials
   */
  @Override
  public InputStream open() throws IOException {
    try {
      return new HadoopChannelObject(new ObjectRef(hadoopUri, key, Math.max(size, 0)), gzip, conf).open();
    } catch (FileNotFoundException e) {
      throw missing();
    } catch (AccessDeniedException e) {
      throw denied(e);
    }
  }

  private KilnException denied(AccessDeniedException e) {
    return KilnException.user(where + ", which Kiln's credentials may not read (access denied); check "
        + "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the instance role) and the bucket's policy", e);
  }

  private KilnException missing() {
    return KilnException.user(where + ", which does not exist; upload it or fix the line");
  }

  @Override
  public String toString() {
    return written;
  }
}
