package io.kiln.channel;

import io.kiln.spec.ChannelSpec;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.DataObject;
import io.kiln.spi.KilnException;
import io.kiln.storage.StorageProbe;
import io.kiln.storage.Uris;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Lists a channel's objects with SageMaker's S3Prefix meaning: {@code s3://b/train} matches every
 * key that starts with {@code train} ({@code train/part-0}, {@code train.csv},
 * {@code train-2.csv}); {@code s3://b/train/} matches the keys under {@code train/}.
 *
 * <p>Names starting with {@code _} or {@code .} ({@code _SUCCESS}, {@code .crc} files, Hadoop's
 * hidden files) and empty directory markers are left out. Objects are sorted by key, so the
 * assignment of rows to workers depends only on what the channel holds.
 */
public final class ChannelLister {
  private final Configuration conf;

  public ChannelLister(Configuration conf) {
    this.conf = conf;
  }

  public ChannelData list(ChannelSpec channel, ContentType contentType) {
    return list(channel, contentType, java.util.Map.of());
  }

  /** Lists a channel whose ContentType was written with {@code parameters} ({@code label_size}). */
  public ChannelData list(ChannelSpec channel, ContentType contentType, java.util.Map<String, String> parameters) {
    String hadoopUri = Uris.toHadoopUri(channel.uri(), conf);
    List<DataObject> objects;
    try {
      objects = listPrefix(hadoopUri);
    } catch (IOException | RuntimeException e) {
      throw StorageProbe.classify(e, channel.uri(), "channel '" + channel.name() + "'");
    }
    if (objects.isEmpty()) {
      throw KilnException.user("Channel '" + channel.name() + "' has no data: nothing matches the prefix "
          + channel.uri() + ". Check the URI (S3Prefix matches keys that start with it)");
    }
    long total = objects.stream().mapToLong(DataObject::size).sum();
    if (total == 0) {
      throw KilnException.user("Channel '" + channel.name() + "' is empty: the " + objects.size()
          + " object(s) under " + channel.uri() + " hold 0 bytes");
    }
    boolean gzip = channel.compression() == ChannelSpec.Compression.Gzip;
    return new ChannelData(channel.name(), channel.uri(), contentType, channel.distribution(), gzip, objects,
        parameters);
  }

  List<DataObject> listPrefix(String uri) throws IOException {
    Path prefix = new Path(uri);
    FileSystem fs = prefix.getFileSystem(conf);
    List<DataObject> out = new ArrayList<>();
    if (uri.endsWith("/")) {
      collect(fs, prefix, out);
    } else {
      Path parent = prefix.getParent();
      String start = prefix.getName();
      FileStatus[] entries;
      try {
        entries = parent == null ? new FileStatus[] {fs.getFileStatus(prefix)} : fs.listStatus(parent);
      } catch (FileNotFoundException e) {
        return out;
      }
      for (FileStatus s : entries) {
        String name = s.getPath().getName();
        if (!name.startsWith(start) || hidden(name)) {
          continue;
        }
        if (s.isDirectory()) {
          collect(fs, s.getPath(), out);
        } else if (s.getLen() > 0 || !name.endsWith("/")) {
          out.add(new DataObject(s.getPath().toString(), s.getLen()));
        }
      }
    }
    out.sort(Comparator.comparing(DataObject::uri));
    return out;
  }

  private static void collect(FileSystem fs, Path dir, List<DataObject> out) throws IOException {
    RemoteIterator<LocatedFileStatus> it;
    try {
      it = fs.listFiles(dir, true);
    } catch (FileNotFoundException e) {
      return;
    }
    while (it.hasNext()) {
      LocatedFileStatus s = it.next();
      if (!s.isFile() || hiddenBelow(dir, s.getPath())) {
        continue;
      }
      out.add(new DataObject(s.getPath().toString(), s.getLen()));
    }
  }

  private static boolean hiddenBelow(Path root, Path file) {
    for (Path p = file; p != null && !p.equals(root); p = p.getParent()) {
      if (hidden(p.getName())) {
        return true;
      }
    }
    return false;
  }

  private static boolean hidden(String name) {
    return name.startsWith("_") || name.startsWith(".");
  }
}
