package io.kiln.predict;

import io.kiln.spi.KilnException;
import io.kiln.storage.StorageProbe;
import io.kiln.storage.Uris;
import java.io.BufferedInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * A model's files on local disk, as SageMaker unpacks {@code model.tar.gz} into {@code /opt/ml/model}
 * before its container serves it: fetched from a URI (an S3 or Hadoop URI, or a local path) that
 * names either a {@code model.tar.gz} (a gzip-compressed tar; anything else is refused) or a
 * directory holding the model's files. Archive entries are regular files and directories whose paths
 * stay inside the directory (an absolute path, a {@code ..} segment or a link is refused).
 *
 * <p>On executors {@link #cached} keeps one copy per prediction run and JVM, so a model is
 * downloaded and unpacked once per executor whatever the number of tasks; copies are deleted when
 * the JVM exits.
 */
public final class ModelFiles {
  private static final Map<String, Path> CACHE = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> CACHE.values().forEach(ModelFiles::delete),
        "kiln-model-files-cleanup"));
  }

  private ModelFiles() {}

  /**
   * The model's files in a new local directory.
   *
   * @param uri where the model is, as the user wrote it (used in messages)
   * @throws KilnException USER when nothing is there, it is not a gzip-compressed tar, or it holds an
   *     entry that would leave the directory; INTERNAL when storage fails
   */
  public static Path fetch(String uri, Configuration conf) {
    Path dir;
    try {
      dir = Files.createTempDirectory("kiln-model-");
    } catch (IOException e) {
      throw KilnException.internal("Cannot make a local directory for the model: " + e.getMessage(), e);
    }
    boolean ok = false;
    try {
      fetchInto(uri, conf, dir);
      ok = true;
      return dir;
    } finally {
      if (!ok) {
        delete(dir);
      }
    }
  }

  /**
   * The model's files for prediction run {@code runId} in this JVM: fetched by the first caller,
   * shared by later ones (the tasks of one executor).
   */
  public static Path cached(String runId, String uri, Configuration conf) {
    return CACHE.computeIfAbsent(runId, k -> fetch(uri, conf));
  }

  /** Makes {@code dir} the cached copy of run {@code runId} (the driver's, reused by local tasks). */
  public static void seed(String runId, Path dir) {
    CACHE.putIfAbsent(runId, dir);
  }

  /** Forgets and deletes run {@code runId}'s copy in this JVM. */
  public static void release(String runId) {
    Path dir = CACHE.remove(runId);
    if (dir != null) {
      delete(dir);
    }
  }

  private static void fetchInto(String uri, Configuration conf, Path dir) {
    org.apache.hadoop.fs.Path path = Uris.toPath(uri, conf);
    FileStatus status;
    FileSystem fs;
    try {
      fs = path.getFileSystem(conf);
      status = fs.getFileStatus(path);
    } catch (FileNotFoundException e) {
      throw KilnException.user("No model at " + uri + " (no such object or directory); give the URI of a "
          + "model.tar.gz, or of a directory holding the model's files");
    } catch (IOException | RuntimeException e) {
      throw StorageProbe.classify(e, uri, "the model");
    }
    try {
      if (status.isDirectory()) {
        copyDirectory(fs, path, dir, uri);
      } else {
        try (InputStream in = new BufferedInputStream(fs.open(path), 1 << 16)) {
          unpack(in, dir, uri);
        }
      }
    } catch (IOException e) {
      throw KilnException.internal("Cannot read the model " + uri + ": " + e.getMessage(), e);
    }
  }

  private static void copyDirectory(FileSystem fs, org.apache.hadoop.fs.Path from, Path dir, String uri)
      throws IOException {
    String base = from.toUri().getPath();
    base = base.endsWith("/") ? base : base + "/";
    RemoteIterator<LocatedFileStatus> files = fs.listFiles(from, true);
    while (files.hasNext()) {
      LocatedFileStatus f = files.next();
      String p = f.getPath().toUri().getPath();
      if (!p.startsWith(base)) {
        continue;
      }
      String relative = p.substring(base.length());
      if (relative.isEmpty() || relative.endsWith(".crc")) {
        continue;
      }
      Path target = inside(dir, relative, uri);
      Files.createDirectories(target.getParent());
      try (InputStream in = fs.open(f.getPath())) {
        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /**
   * Unpacks a {@code model.tar.gz} stream into {@code dir}: regular files and directories only, none
   * outside {@code dir}. Also for an algorithm's {@code model} channel (SageMaker's incremental
   * training). The stream must support {@link InputStream#mark} (wrap it in a BufferedInputStream).
   *
   * @param uri the archive's name for messages
   * @throws KilnException USER naming {@code uri} for data that is not a tar.gz, a link or special
   *     file, a path leaving {@code dir}, or an archive without files
   */
  public static void unpack(InputStream raw, Path dir, String uri) throws IOException {
    raw.mark(2);
    int b1 = raw.read();
    int b2 = raw.read();
    raw.reset();
    if (b1 != 0x1f || b2 != 0x8b) {
      throw KilnException.user("The model " + uri + " is not a gzip-compressed tar (model.tar.gz, as SageMaker "
          + "training writes it); give the URI of a model.tar.gz, or of a directory holding the model's files");
    }
    int files = 0;
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(raw))) {
      TarArchiveEntry e;
      while ((e = tar.getNextTarEntry()) != null) {
        String name = e.getName();
        if (e.isDirectory()) {
          Files.createDirectories(inside(dir, name, uri));
          continue;
        }
        // commons-compress calls a link's entry a file too: ask for each kind
        if (!e.isFile() || e.isSymbolicLink() || e.isLink() || e.isCharacterDevice() || e.isBlockDevice()
            || e.isFIFO()) {
          throw KilnException.user("The model " + uri + " holds '" + name + "', a link or special file; a model "
              + "archive may hold regular files and directories only");
        }
        Path target = inside(dir, name, uri);
        Files.createDirectories(target.getParent());
        Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
        files++;
      }
    } catch (IOException e) {
      throw KilnException.user("The model " + uri + " is not a readable tar.gz (" + e.getMessage() + "); give "
          + "the URI of a complete model.tar.gz", e);
    }
    if (files == 0) {
      throw KilnException.user("The model " + uri + " holds no files");
    }
  }

  /** {@code dir/name}, refusing a name that would leave {@code dir}. */
  private static Path inside(Path dir, String name, String uri) {
    String n = name;
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    Path target = dir.resolve(n).normalize();
    if (n.startsWith("/") || n.contains("\\") || java.util.Arrays.asList(n.split("/")).contains("..")
        || !target.startsWith(dir)) {
      throw KilnException.user("The model " + uri + " holds '" + name + "', a path outside the model directory; "
          + "refused");
    }
    return target;
  }

  /** Deletes a local directory and everything in it, quietly (what cannot be deleted is left to the OS). */
  public static void delete(Path dir) {
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | java.io.UncheckedIOException ignored) {
      // left to the OS's temporary-file cleanup
    }
  }
}
