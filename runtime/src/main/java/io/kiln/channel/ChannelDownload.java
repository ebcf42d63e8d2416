package io.kiln.channel;

import io.kiln.spi.ChannelObject;
import io.kiln.spi.KilnException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipException;

/**
 * Copies channel objects into a local directory at their keys (SageMaker's File mode:
 * {@code s3://b/images/cats/001.jpg} under the prefix {@code s3://b/images/} becomes
 * {@code <directory>/cats/001.jpg}). A file is written under a temporary name beside its target and
 * renamed when complete, so the directory never holds a half-copied object under its real name; a
 * failed copy leaves no temporary file behind. An existing file at a target is replaced.
 */
public final class ChannelDownload {
  private static final String PARTIAL = ".kiln-partial";

  private ChannelDownload() {}

  /**
   * Copies {@code objects} into {@code directory} (created when missing).
   *
   * @param channel the channel's name, for messages
   * @param objects the objects; each {@link ChannelObject#open()} gives the bytes to write
   * @param decompressed whether {@code open()} decompresses gzip (a Gzip channel): the local files
   *     then lose a {@code .gz} ending ({@code part-0.csv.gz} becomes {@code part-0.csv})
   * @param directory the local directory
   * @return {@code directory}
   * @throws KilnException USER for keys that cannot all be files (one key is the folder of another,
   *     or two keys name the same file once {@code .gz} is dropped), a key that would leave the
   *     directory, or gzip data that is invalid or truncated; INTERNAL when storage or the local disk
   *     fails
   */
  public static Path copy(String channel, List<ChannelObject> objects, boolean decompressed, Path directory) {
    Path root = directory.toAbsolutePath().normalize();
    List<Path> targets = targets(channel, objects, decompressed, root);
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw KilnException.internal("Channel '" + channel + "': cannot create the download directory " + root + ": "
          + e, e);
    }
    for (int i = 0; i < objects.size(); i++) {
      copyOne(channel, objects.get(i), targets.get(i), decompressed);
    }
    return directory;
  }

  /** Each object's local file, in the objects' order; refuses keys that cannot all be laid out. */
  private static List<Path> targets(String channel, List<ChannelObject> objects, boolean decompressed,
      Path root) {
    Map<Path, String> targets = new LinkedHashMap<>();
    Map<Path, String> folders = new HashMap<>();
    for (ChannelObject o : objects) {
      String name = o.key();
      if (decompressed && name.length() > 3 && name.endsWith(".gz") && !name.endsWith("/.gz")) {
        name = name.substring(0, name.length() - 3);
      }
      Path target = root.resolve(name).normalize();
      if (!target.startsWith(root) || target.equals(root) || o.key().startsWith("/")) {
        throw KilnException.user("Channel '" + channel + "': object key '" + o.key() + "' would be written outside "
            + root + "; rename the object");
      }
      String previous = targets.put(target, o.key());
      if (previous != null) {
        throw KilnException.user("Channel '" + channel + "': objects '" + previous + "' and '" + o.key()
            + "' would both be written to " + root.relativize(target) + " (a Gzip channel's files lose their .gz); "
            + "rename one of them");
      }
      for (Path p = target.getParent(); p != null && !p.equals(root); p = p.getParent()) {
        folders.putIfAbsent(p, o.key());
      }
    }
    for (Map.Entry<Path, String> t : targets.entrySet()) {
      String below = folders.get(t.getKey());
      if (below != null) {
        throw KilnException.user("Channel '" + channel + "': object '" + t.getValue() + "' is also the folder of '"
            + below + "', and a local path cannot be both a file and a folder; rename one of them");
      }
    }
    return List.copyOf(targets.keySet());
  }

  private static void copyOne(String channel, ChannelObject o, Path target, boolean decompressed) {
    Path partial = target.resolveSibling("." + target.getFileName() + PARTIAL);
    boolean done = false;
    try {
      Files.createDirectories(target.getParent());
      try (InputStream in = open(channel, o, decompressed);
          OutputStream out = Files.newOutputStream(partial)) {
        byte[] buf = new byte[1 << 16];
        while (true) {
          int n;
          try {
            n = in.read(buf);
          } catch (ZipException | EOFException e) {
            throw badGzip(channel, o, decompressed, e);
          } catch (IOException e) {
            throw KilnException.internal("Channel '" + channel + "': cannot read " + o.uri() + ": " + e, e);
          }
          if (n < 0) {
            break;
          }
          out.write(buf, 0, n);
        }
      }
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      done = true;
    } catch (IOException e) {
      throw KilnException.internal("Channel '" + channel + "': cannot write " + target + ": " + e, e);
    } finally {
      if (!done) {
        try {
          Files.deleteIfExists(partial);
        } catch (IOException ignored) {
          // the failure being reported matters more
        }
      }
    }
  }

  private static InputStream open(String channel, ChannelObject o, boolean decompressed) {
    try {
      return o.open();
    } catch (ZipException | EOFException e) {
      throw badGzip(channel, o, decompressed, e);
    } catch (IOException e) {
      throw KilnException.internal("Channel '" + channel + "': cannot open " + o.uri() + ": " + e, e);
    }
  }

  private static KilnException badGzip(String channel, ChannelObject o, boolean decompressed, IOException e) {
    if (!decompressed) {
      return KilnException.internal("Channel '" + channel + "': cannot read " + o.uri() + ": " + e, e);
    }
    return KilnException.user("Channel '" + channel + "': " + o.uri() + " is not valid gzip data (" + e.getMessage()
        + "); set the channel's compression to None if it is not compressed, or replace the object");
  }
}
