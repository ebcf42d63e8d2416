package io.kiln.channel;

import io.kiln.spi.ChannelObject;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A {@link ChannelObject} read through the Hadoop filesystem of its URI. It is decompressed on
 * opening only when its channel's CompressionType is Gzip: as in SageMaker's File mode, a
 * {@code model.tar.gz} in an uncompressed channel is handed over as stored.
 */
public final class HadoopChannelObject implements ChannelObject {
  private final ObjectRef ref;
  private final boolean gzip;
  private final Configuration conf;

  /**
   * @param ref the object
   * @param gzip whether {@link #open()} decompresses it (the channel's CompressionType is Gzip)
   * @param conf the storage settings
   */
  public HadoopChannelObject(ObjectRef ref, boolean gzip, Configuration conf) {
    this.ref = ref;
    this.gzip = gzip;
    this.conf = conf;
  }

  @Override
  public String uri() {
    return ref.uri();
  }

  @Override
  public String key() {
    return ref.key();
  }

  @Override
  public long size() {
    return ref.size();
  }

  @Override
  public InputStream open() throws IOException {
    Path path = new Path(ref.uri());
    InputStream in = path.getFileSystem(conf).open(path);
    if (!gzip) {
      return in;
    }
    try {
      return new GZIPInputStream(in, 1 << 16);
    } catch (IOException e) {
      in.close();
      throw e; // a ZipException when the object is not gzip data
    }
  }

  @Override
  public String toString() {
    return ref.uri();
  }
}
