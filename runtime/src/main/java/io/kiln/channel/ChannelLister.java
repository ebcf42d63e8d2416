package io.kiln.channel;

import io.kiln.spec.ChannelSpec;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.DataObject;
import io.kiln.spi.KilnException;
import io.kiln.spi.S3DataType;
import io.kiln.storage.StorageProbe;
import io.kiln.storage.Uris;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Lists a channel's objects, once, on the driver, by what its URI names (SageMaker's S3DataType):
 *
 * <ul>
 *   <li>S3Prefix: {@code s3://b/train} matches every key that starts with {@code train}
 *       ({@code train/part-0}, {@code train.csv}, {@code train-2.csv}); {@code s3://b/train/}
 *       matches the keys under {@code train/}. Spark's and Hadoop's markers ({@link #marker}:
 *       {@code _SUCCESS}, {@code .crc} files, {@code _temporary/}) and empty directory markers are
 *       left out silently; other names starting with {@code _} or {@code .} are left out with a
 *       notice naming them and their bytes (a hidden file is rarely data in the channel's format).
 *   <li>ManifestFile: the objects a {@link Manifest} lists (every one must exist; none is left
 *       out for its name). Their sizes come from one HEAD request per key, {@value #THREADS} at a
 *       time, or, for a manifest of more than {@value #HEAD_LIMIT} keys, from one listing of the
 *       keys' deepest common folder (stopped once it has seen {@value #LIST_FACTOR} times as many
 *       objects as there are keys; the keys not seen by then get a HEAD request each).
 *   <li>AugmentedManifestFile: the manifest itself, whose lines the workers read.
 * </ul>
 *
 * <p>Objects are sorted by URI, so the assignment of rows to workers depends only on what the
 * channel holds: a manifest listing a prefix's objects, in any order, reads as that prefix does.
 */
public final class ChannelLister {
  /** Manifests with at most this many keys are sized by HEAD requests alone. */
  static final int HEAD_LIMIT = 1000;
  /** Concurrent HEAD requests while sizing a manifest's objects. */
  static final int THREADS = 16;
  /** A listing for a manifest stops after this many times as many objects as it has keys. */
  static final int LIST_FACTOR = 20;

  private final Configuration conf;
  private final int headLimit;

  public ChannelLister(Configuration conf) {
    this(conf, HEAD_LIMIT);
  }

  /** A lister that sizes manifests of more than {@code headLimit} keys by listing (for tests). */
  ChannelLister(Configuration conf, int headLimit) {
    this.conf = conf;
    this.headLimit = headLimit;
  }

  public ChannelData list(ChannelSpec channel, ContentType contentType) {
    return list(channel, contentType, java.util.Map.of());
  }

  /**
   * Lists a channel whose ContentType was written with {@code parameters} ({@code label_size}).
   *
   * @throws KilnException USER when the channel has no data, its manifest is missing, malformed or
   *     names a missing object, or its store cannot be used (see {@link StorageProbe#classify})
   */
  public ChannelData list(ChannelSpec channel, ContentType contentType, java.util.Map<String, String> parameters) {
    return list(channel, contentType, parameters, notice -> { });
  }

  /**
   * As {@link #list(ChannelSpec, ContentType, java.util.Map)}; objects under a prefix whose names
   * start with {@code _} or {@code .} and are not Spark's or Hadoop's markers ({@link #marker}) are
   * left out, and {@code notices} receives one line naming them and their bytes.
   */
  public ChannelData list(ChannelSpec channel, ContentType contentType, java.util.Map<String, String> parameters,
      java.util.function.Consumer<String> notices) {
    boolean gzip = channel.compression() == ChannelSpec.Compression.Gzip;
    String what = "channel '" + channel.name() + "'";
    if (channel.dataType() == S3DataType.AugmentedManifestFile) {
      DataObject manifest;
      try {
        manifest = manifestObject(channel);
      } catch (IOException | RuntimeException e) {
        throw e instanceof KilnException k ? k : StorageProbe.classify(e, channel.uri(), what);
      }
      if (manifest.size() == 0) {
        throw KilnException.user("Channel '" + channel.name() + "' is empty: the augmented manifest " + channel.uri()
            + " holds no lines");
      }
      return new ChannelData(channel.name(), channel.uri(), contentType, channel.distribution(), gzip,
          List.of(manifest), parameters, S3DataType.AugmentedManifestFile, channel.attributeNames());
    }
    if (channel.dataType() == S3DataType.ManifestFile) {
      Manifest manifest;
      List<DataObject> objects;
      try {
        DataObject object = manifestObject(channel);
        Path path = new Path(object.uri());
        try (InputStream in = path.getFileSystem(conf).open(path)) {
          manifest = Manifest.parse(in, channel.name(), channel.uri());
        }
        objects = sizes(channel, manifest);
      } catch (IOException | RuntimeException e) {
        throw e instanceof KilnException k ? k : StorageProbe.classify(e, channel.uri(), what);
      }
      objects.sort(Comparator.comparing(DataObject::uri));
      if (objects.stream().mapToLong(DataObject::size).sum() == 0) {
        throw KilnException.user("Channel '" + channel.name() + "' is empty: the " + objects.size()
            + " object(s) the manifest " + channel.uri() + " lists hold 0 bytes");
      }
      return new ChannelData(channel.name(), manifest.prefix(), contentType, channel.distribution(), gzip, objects,
          parameters, S3DataType.ManifestFile, List.of());
    }
    String hadoopUri = Uris.toHadoopUri(channel.uri(), conf);
    List<DataObject> objects;
    List<DataObject> skipped = new ArrayList<>();
    try {
      objects = listPrefix(hadoopUri, skipped);
    } catch (IOException | RuntimeException e) {
      throw StorageProbe.classify(e, channel.uri(), what);
    }
    if (!skipped.isEmpty()) {
      notices.accept(skippedNotice(channel.name(), skipped));
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
    return new ChannelData(channel.name(), channel.uri(), contentType, channel.distribution(), gzip, objects,
        parameters);
  }

  /**
   * The manifest object of a ManifestFile or AugmentedManifestFile channel.
   *
   * @throws KilnException USER when it does not exist or is a folder
   */
  private DataObject manifestObject(ChannelSpec channel) throws IOException {
    Path path = new Path(Uris.toHadoopUri(channel.uri(), conf));
    FileStatus status;
    String kind = channel.dataType() == S3DataType.ManifestFile ? "manifest" : "augmented manifest";
    try {
      status = path.getFileSystem(conf).getFileStatus(path);
    } catch (FileNotFoundException e) {
      throw KilnException.user("Channel '" + channel.name() + "': the " + kind + " " + channel.uri()
          + " does not exist; with dataType (S3DataType) " + channel.dataType() + " the uri (S3Uri) names the "
          + kind + " object: check it, or use S3Prefix for the objects under a prefix");
    }
    if (status.isDirectory()) {
      throw KilnException.user("Channel '" + channel.name() + "': the " + kind + " " + channel.uri() + " is a "
          + "folder, not an object; with dataType (S3DataType) " + channel.dataType() + " the uri (S3Uri) names "
          + "the " + kind + " object: check it, or use S3Prefix for the objects under a prefix");
    }
    return new DataObject(status.getPath().toString(), status.getLen());
  }

  /**
   * The objects a manifest lists, with their sizes, in manifest order.
   *
   * @throws KilnException USER naming the manifest, the entry and the object (as written) when an
   *     object does not exist or is a folder
   */
  private List<DataObject> sizes(ChannelSpec channel, Manifest manifest) throws IOException {
    int n = manifest.keys().size();
    Path[] paths = new Path[n];
    String prefix = Uris.toHadoopUri(manifest.prefix(), conf); // the scheme is the prefix's: map it once
    for (int i = 0; i < n; i++) {
      paths[i] = new Path(prefix + manifest.keys().get(i));
    }
    FileSystem fs = paths[0].getFileSystem(conf);
    FileStatus[] found = new FileStatus[n];
    if (n > headLimit) {
      listCommonFolder(fs, paths, found);
    }
    int missing = head(fs, paths, found);
    if (missing >= 0) {
      throw KilnException.user("Channel '" + channel.name() + "': manifest " + channel.uri() + " entry ["
          + (missing + 1) + "] names " + manifest.uri(missing) + ", which does not exist; upload it, or fix or "
          + "remove the entry");
    }
    List<DataObject> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String at = "Channel '" + channel.name() + "': manifest " + channel.uri() + " entry [" + (i + 1) + "] names "
          + manifest.uri(i);
      if (found[i].isDirectory()) {
        throw KilnException.user(at + ", which is a folder, not an object; list the objects in it");
      }
      out.add(new DataObject(found[i].getPath().toString(), found[i].getLen()));
    }
    return out;
  }

  /**
   * Fills {@code found} from one recursive listing of the deepest folder all {@code paths} share,
   * ending early after {@link #LIST_FACTOR} times as many objects as there are paths.
   */
  static void listCommonFolder(FileSystem fs, Path[] paths, FileStatus[] found) throws IOException {
    Map<String, Integer> index = new HashMap<>();
    String common = null;
    for (int i = 0; i < paths.length; i++) {
      String p = fs.makeQualified(paths[i]).toString();
      index.put(p, i);
      common = common == null ? p : commonPrefix(common, p);
    }
    Path folder = new Path(common.substring(0, common.lastIndexOf('/') + 1));
    long budget = (long) LIST_FACTOR * paths.length;
    RemoteIterator<LocatedFileStatus> it;
    try {
      it = fs.listFiles(folder, true);
    } catch (FileNotFoundException e) {
      return;
    }
    int remaining = paths.length;
    for (long seen = 0; remaining > 0 && seen < budget && it.hasNext(); seen++) {
      LocatedFileStatus s = it.next();
      Integer i = index.get(s.getPath().toString());
      if (i != null && found[i] == null) {
        found[i] = s;
        remaining--;
      }
    }
  }

  private static String commonPrefix(String a, String b) {
    int n = Math.min(a.length(), b.length());
    int i = 0;
    while (i < n && a.charAt(i) == b.charAt(i)) {
      i++;
    }
    return a.substring(0, i);
  }

  /**
   * Fills the gaps of {@code found} with one HEAD (getFileStatus) per path, {@link #THREADS} at a
   * time, stopping soon after an object is found missing.
   *
   * @return the lowest index found missing, or -1 when every path was found
   */
  private static int head(FileSystem fs, Path[] paths, FileStatus[] found) throws IOException {
    List<Integer> todo = new ArrayList<>();
    for (int i = 0; i < paths.length; i++) {
      if (found[i] == null) {
        todo.add(i);
      }
    }
    if (todo.isEmpty()) {
      return -1;
    }
    AtomicInteger missing = new AtomicInteger(Integer.MAX_VALUE);
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(THREADS, todo.size()), r -> {
      Thread t = new Thread(r, "kiln-manifest-head");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<?>> futures = new ArrayList<>(todo.size());
      for (int i : todo) {
        futures.add(pool.submit(() -> {
          if (missing.get() != Integer.MAX_VALUE) {
            return null;
          }
          try {
            found[i] = fs.getFileStatus(paths[i]);
          } catch (FileNotFoundException e) {
            missing.accumulateAndGet(i, Math::min);
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      return missing.get() == Integer.MAX_VALUE ? -1 : missing.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while sizing the manifest's objects");
    } finally {
      pool.shutdownNow();
    }
  }

  List<DataObject> listPrefix(String uri) throws IOException {
    return listPrefix(uri, new ArrayList<>());
  }

  /** Lists {@code uri}'s objects; hidden ones that are not Spark's or Hadoop's markers go to {@code skipped}. */
  List<DataObject> listPrefix(String uri, List<DataObject> skipped) throws IOException {
    Path prefix = new Path(uri);
    FileSystem fs = prefix.getFileSystem(conf);
    List<DataObject> out = new ArrayList<>();
    if (uri.endsWith("/")) {
      collect(fs, prefix, out, skipped);
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
        if (!name.startsWith(start)) {
          continue;
        }
        if (hidden(name)) {
          if (!marker(name)) {
            if (s.isDirectory()) {
              collect(fs, s.getPath(), skipped, new ArrayList<>());
            } else {
              skipped.add(new DataObject(s.getPath().toString(), s.getLen()));
            }
          }
          continue;
        }
        if (s.isDirectory()) {
          collect(fs, s.getPath(), out, skipped);
        } else if (s.getLen() > 0 || !name.endsWith("/")) {
          out.add(new DataObject(s.getPath().toString(), s.getLen()));
        }
      }
    }
    out.sort(Comparator.comparing(DataObject::uri));
    return out;
  }

  private static void collect(FileSystem fs, Path dir, List<DataObject> out, List<DataObject> skipped)
      throws IOException {
    RemoteIterator<LocatedFileStatus> it;
    try {
      it = fs.listFiles(dir, true);
    } catch (FileNotFoundException e) {
      return;
    }
    while (it.hasNext()) {
      LocatedFileStatus s = it.next();
      if (!s.isFile()) {
        continue;
      }
      String hidden = hiddenBelow(dir, s.getPath());
      if (hidden != null) {
        if (!marker(hidden) && !(s.getLen() == 0 && hidden.endsWith("_$folder$"))) {
          skipped.add(new DataObject(s.getPath().toString(), s.getLen()));
        }
        continue;
      }
      out.add(new DataObject(s.getPath().toString(), s.getLen()));
    }
  }

  private static String skippedNotice(String channel, List<DataObject> skipped) {
    skipped.sort(Comparator.comparing(DataObject::uri));
    StringBuilder b = new StringBuilder("Channel '").append(channel).append("': left out ").append(skipped.size())
        .append(" object(s) whose names start with '_' or '.' (")
        .append(skipped.stream().mapToLong(DataObject::size).sum()).append(" bytes): ");
    for (int i = 0; i < Math.min(5, skipped.size()); i++) {
      DataObject o = skipped.get(i);
      b.append(i == 0 ? "" : ", ").append(io.kiln.spi.Messages.echo(o.uri())).append(" (").append(o.size())
          .append(" bytes)");
    }
    if (skipped.size() > 5) {
      b.append(" and ").append(skipped.size() - 5).append(" more");
    }
    return b.append(". Rename them to read them (Spark's markers such as _SUCCESS are left out silently)").toString();
  }

  /** The outermost hidden name on the path from {@code root} to {@code file}, or null. */
  private static String hiddenBelow(Path root, Path file) {
    String found = null;
    for (Path p = file; p != null && !p.equals(root); p = p.getParent()) {
      if (hidden(p.getName())) {
        found = p.getName();
      }
    }
    return found;
  }

  private static boolean hidden(String name) {
    return name.startsWith("_") || name.startsWith(".");
  }

  /**
   * Names Spark, Hadoop and their committers leave beside data, which are not data: skipped without
   * a word. {@code _SUCCESS}, {@code _temporary/} (a write in progress), Parquet's
   * {@code _metadata} / {@code _common_metadata} summaries, Databricks' {@code _started_*} /
   * {@code _committed_*}, checksum files {@code .name.crc}, {@code .spark-staging-*}, and the
   * {@code _$folder$} directory markers of older S3 tools.
   */
  static boolean marker(String name) {
    return name.equals("_SUCCESS") || name.equals("_temporary") || name.equals("_metadata")
        || name.equals("_common_metadata") || name.startsWith("_started_") || name.startsWith("_committed_")
        || (name.startsWith(".") && name.endsWith(".crc")) || name.startsWith(".spark-staging")
        || name.endsWith("_$folder$");
  }
}
