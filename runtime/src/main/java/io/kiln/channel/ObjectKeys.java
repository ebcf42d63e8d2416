package io.kiln.channel;

import io.kiln.spi.ChannelData;
import io.kiln.spi.DataObject;
import io.kiln.spi.KilnException;
import java.util.ArrayList;
import java.util.List;

/**
 * Names a channel's objects relative to its prefix, as SageMaker's File mode lays them out under
 * {@code /opt/ml/input/data/<channel>/}: below a folder prefix ({@code s3://b/images/}) the path
 * under it ({@code cats/001.jpg}); below a key prefix ({@code s3://b/train}) the path under the
 * prefix's folder ({@code train-2.csv}, {@code train/part-0}).
 *
 * <p>A key never starts with {@code /} and has no {@code .} or {@code ..} segment, so a download
 * cannot leave its directory.
 */
public final class ObjectKeys {
  private ObjectKeys() {}

  /** The channel's objects, in key order, with their keys. */
  public static List<ObjectRef> of(ChannelData channel, String hadoopPrefix) {
    String base = folder(hadoopPrefix);
    List<ObjectRef> out = new ArrayList<>();
    for (DataObject o : channel.objects()) {
      out.add(new ObjectRef(o.uri(), key(channel.name(), base, o.uri()), o.size()));
    }
    return out;
  }

  /** The object-path part of a Hadoop URI up to and including its last {@code /}. */
  static String folder(String hadoopPrefix) {
    String path = pathOf(hadoopPrefix);
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash + 1);
  }

  static String key(String channel, String folder, String objectUri) {
    String path = pathOf(objectUri);
    if (!path.startsWith(folder)) {
      throw KilnException.internal("Channel '" + channel + "': object " + objectUri + " is not under " + folder, null);
    }
    String key = path.substring(folder.length());
    while (key.startsWith("/")) {
      key = key.substring(1);
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw KilnException.user("Channel '" + channel + "': object key '" + key + "' has an empty, '.' or '..' "
            + "path segment, which cannot be laid out as a local file; rename the object");
      }
    }
    return key;
  }

  /** The path of a URI ({@code s3a://bucket/a/b} → {@code /a/b}; {@code file:/x/y} → {@code /x/y}). */
  private static String pathOf(String uri) {
    String path = new org.apache.hadoop.fs.Path(uri).toUri().getPath();
    if (uri.endsWith("/") && !path.endsWith("/")) {
      path = path + "/";
    }
    return path;
  }

  /**
   * Deals whole objects out to workers: object {@code i} (in key order) goes to worker
   * {@code i mod workers}. Empty objects are left out.
   */
  public static List<List<ObjectRef>> deal(List<ObjectRef> objects, int workers) {
    List<List<ObjectRef>> out = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      out.add(new ArrayList<>());
    }
    int i = 0;
    for (ObjectRef o : objects) {
      if (o.size() == 0) {
        continue;
      }
      out.get(i++ % workers).add(o);
    }
    return out;
  }
}
