package io.kiln.storage;

import io.kiln.spi.KilnException;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * Small-file storage over any Hadoop filesystem, for job records, logs, checkpoints and artifacts.
 *
 * <p>Writes are all-or-nothing: on object stores an object appears only when its upload completes;
 * elsewhere the bytes go to a hidden temporary file that is renamed over the target.
 *
 * <p>Local files ({@code file:} URIs and paths without a scheme) are read, listed, checked and
 * deleted with {@code java.nio} rather than Hadoop's local filesystem: the same files (Kiln writes
 * none of Hadoop's {@code .crc} side files), without Hadoop's configuration, login and filesystem
 * set-up, which cost a command that only reads a local job root a third of a second. A store made
 * with {@link #Store(Supplier)} builds its Hadoop configuration only when a non-local URI needs it.
 */
public final class Store {
  private final Supplier<Configuration> confSource;
  private Configuration conf;

  public Store(Configuration conf) {
    this.conf = conf;
    this.confSource = () -> conf;
  }

  /** A store whose Hadoop configuration is made by {@code conf} on first use (at most once). */
  public Store(Supplier<Configuration> conf) {
    this.confSource = conf;
  }

  /** The Hadoop configuration (made now when this store was given a supplier and has not used it). */
  public synchronized Configuration conf() {
    if (conf == null) {
      conf = confSource.get();
    }
    return conf;
  }

  public Path path(String uri) {
    return Uris.toPath(uri, this::conf);
  }

  /**
   * The local file {@code uri} names ({@code file:} or no scheme), as Hadoop's local filesystem
   * resolves it (the path of the URI as Hadoop's {@link Path} parses it); null for any other scheme.
   */
  static java.nio.file.Path localFile(String uri) {
    String u = uri.trim();
    String scheme = Uris.scheme(u);
    if (scheme == null) {
      return java.nio.file.Paths.get(u).toAbsolutePath().normalize();
    }
    if (!scheme.equals("file")) {
      return null;
    }
    return java.nio.file.Paths.get(new Path(u).toUri().getPath());
  }

  public FileSystem fileSystem(Path p) throws IOException {
    return p.getFileSystem(conf());
  }

  public Optional<byte[]> read(String uri) {
    java.nio.file.Path local = localFile(uri);
    if (local != null) {
      try {
        return Optional.of(java.nio.file.Files.readAllBytes(local));
      } catch (java.nio.file.NoSuchFileException e) {
        return Optional.empty();
      } catch (IOException e) {
        throw KilnException.internal("Cannot read " + uri + ": " + e.getMessage(), e);
      }
    }
    Path p = path(uri);
    try (InputStream in = fileSystem(p).open(p)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return Optional.of(out.toByteArray());
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw KilnException.internal("Cannot read " + uri + ": " + e.getMessage(), e);
    }
  }

  public Optional<String> readText(String uri) {
    return read(uri).map(b -> new String(b, StandardCharsets.UTF_8));
  }

  public void writeText(String uri, String text) {
    write(uri, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes {@code bytes} so that readers see either the old content or all of the new. */
  public void write(String uri, byte[] bytes) {
    write(uri, out -> out.write(bytes));
  }

  /** Streams content to {@code uri}, all-or-nothing; a failed writer leaves nothing behind. */
  public void write(String uri, Writer writer) {
    Path target = path(uri);
    try {
      if (isLocal(target)) {
        writeLocal(java.nio.file.Paths.get(target.toUri()), writer);
        return;
      }
      FileSystem fs = fileSystem(target);
      if (Uris.isObjectStore(target.toString())) {
        FSDataOutputStream out = fs.create(target, true);
        boolean ok = false;
        try {
          writer.write(out);
          ok = true;
        } finally {
          if (ok) {
            out.close();
          } else {
            abort(out);
          }
        }
        return;
      }
      Path tmp = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
      boolean ok = false;
      try {
        try (FSDataOutputStream out = fs.create(tmp, false)) {
          writer.write(out);
        }
        FileContext.getFileContext(target.toUri(), conf()).rename(tmp, target, Options.Rename.OVERWRITE);
        ok = true;
      } finally {
        if (!ok) {
          fs.delete(tmp, false);
        }
      }
    } catch (IOException e) {
      throw KilnException.internal("Cannot write " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * Local files: a hidden temporary file renamed over the target (no Hadoop .crc side files),
   * readable and writable by its owner only (records and logs may name a user's data and settings).
   */
  private static void writeLocal(java.nio.file.Path target, Writer writer) throws IOException {
    java.nio.file.Files.createDirectories(target.getParent());
    java.nio.file.Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    try {
      createOwnerOnly(tmp);
      try (OutputStream out = java.nio.file.Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.WRITE,
          java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
        writer.write(out);
      }
      java.nio.file.Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      java.nio.file.Files.deleteIfExists(tmp);
    }
  }

  /** Creates an empty file with mode 0600 where the filesystem has POSIX permissions. */
  private static void createOwnerOnly(java.nio.file.Path file) throws IOException {
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      java.nio.file.Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    } else {
      java.nio.file.Files.createFile(file);
    }
  }

  private static boolean isLocal(Path p) {
    return "file".equals(p.toUri().getScheme());
  }

  /** How long an object-store create waits before reading its object back (see {@link #createIfAbsent}). */
  static final long CREATE_SETTLE_MILLIS = 1_000;

  /**
   * Creates {@code uri} only if it does not exist; returns false when it already did, or when
   * another creator won. {@code bytes} must differ between creators (a record or lease names its
   * owner). Atomic on filesystems with an exclusive create (local, HDFS). Object stores (S3 through
   * s3a here) have none, so it is a check, a write, a wait of {@value #CREATE_SETTLE_MILLIS} ms and
   * a read back: S3's read-after-write consistency makes the last writer's bytes the ones every
   * creator reads, so of creators that interleave, only the last writer wins — unless one of them
   * read back its own bytes before another's check-to-write gap ended, a window of that gap's
   * length (milliseconds) that the wait makes unlikely but cannot close.
   */
  public boolean createIfAbsent(String uri, byte[] bytes) {
    Path target = path(uri);
    try {
      if (Uris.isObjectStore(target.toString())) {
        if (fileSystem(target).exists(target)) {
          return false;
        }
        write(uri, bytes);
        try {
          Thread.sleep(CREATE_SETTLE_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw KilnException.internal("Interrupted while creating " + uri, e);
        }
        return read(uri).map(b -> java.util.Arrays.equals(b, bytes)).orElse(false);
      }
      if (isLocal(target)) {
        java.nio.file.Path local = java.nio.file.Paths.get(target.toUri());
        java.nio.file.Files.createDirectories(local.getParent());
        createOwnerOnly(local); // exclusive: throws FileAlreadyExistsException when it exists
        try (OutputStream out = java.nio.file.Files.newOutputStream(local, java.nio.file.StandardOpenOption.WRITE)) {
          out.write(bytes);
        }
        return true;
      }
      FileContext fc = FileContext.getFileContext(target.toUri(), conf());
      fc.mkdir(target.getParent(), null, true);
      try (FSDataOutputStream out = fc.create(target, EnumSet.of(CreateFlag.CREATE))) {
        out.write(bytes);
      }
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException | java.nio.file.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      if (exists(uri)) {
        return false;
      }
      throw KilnException.internal("Cannot create " + uri + ": " + e.getMessage(), e);
    }
  }

  public boolean exists(String uri) {
    java.nio.file.Path local = localFile(uri);
    if (local != null) {
      return java.nio.file.Files.exists(local);
    }
    Path p = path(uri);
    try {
      return fileSystem(p).exists(p);
    } catch (IOException e) {
      throw KilnException.internal("Cannot check " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * Deletes {@code uri}; a directory only when {@code recursive} (with everything under it, symbolic
   * links removed, never followed). Nothing there is not an error.
   */
  public void delete(String uri, boolean recursive) {
    java.nio.file.Path local = localFile(uri);
    if (local != null) {
      try {
        if (recursive && java.nio.file.Files.isDirectory(local, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          try (java.util.stream.Stream<java.nio.file.Path> all = java.nio.file.Files.walk(local)) {
            for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) all.sorted(Comparator.reverseOrder())::iterator) {
              java.nio.file.Files.deleteIfExists(f);
            }
          }
        } else {
          java.nio.file.Files.deleteIfExists(local);
        }
      } catch (IOException e) {
        throw KilnException.internal("Cannot delete " + uri + ": " + e.getMessage(), e);
      }
      return;
    }
    Path p = path(uri);
    try {
      if (recursive && Uris.isObjectStore(p.toString())) {
        deleteDeepestFirst(fileSystem(p), p);
      } else {
        fileSystem(p).delete(p, recursive);
      }
    } catch (FileNotFoundException e) {
      // already gone
    } catch (IOException e) {
      throw KilnException.internal("Cannot delete " + uri + ": " + e.getMessage(), e);
    }
  }

  /**
   * An object store's tree, leaves first: every object, then each directory marker after everything
   * under it. s3a's own recursive delete sends a parent's marker ({@code dir/}) before its children,
   * and S3 servers that keep objects as files (s3proxy's filesystem backends, the embedded default
   * and the tests' server) answer a marker whose directory is not yet empty only after retrying for
   * 10 s, or with an error; s3a leaves such markers behind its renames and deletes (a job's staging
   * directory after its model was moved out). S3 itself is indifferent to the order. Objects go one
   * by one, then each directory with a recursive delete that finds only markers left. Costs a
   * listing per directory and a request or two per object: meant for the small trees Kiln deletes (a
   * job's staging directory, one checkpoint).
   */
  static void deleteDeepestFirst(FileSystem fs, Path p) throws IOException {
    FileStatus status;
    try {
      status = fs.getFileStatus(p);
    } catch (FileNotFoundException e) {
      return;
    }
    if (!status.isDirectory()) {
      fs.delete(p, false);
      return;
    }
    for (FileStatus child : fs.listStatus(p)) {
      deleteDeepestFirst(fs, child.getPath());
    }
    // only markers are left (s3a re-creates the parent's as it deletes its last child): a recursive
    // delete takes them without first asking whether the directory is empty
    fs.delete(p, true);
  }

  /**
   * One entry of a listing.
   *
   * @param name the entry's last path segment
   * @param directory whether it is a directory (on object stores: a common prefix)
   */
  public record Entry(String name, boolean directory) {}

  /** The entries directly under {@code uri} (a directory or prefix ending in '/'), or none. */
  public List<Entry> list(String uri) {
    java.nio.file.Path local = localFile(uri);
    if (local != null) {
      List<Entry> out = new ArrayList<>();
      try (java.nio.file.DirectoryStream<java.nio.file.Path> entries = java.nio.file.Files.newDirectoryStream(local)) {
        for (java.nio.file.Path e : entries) {
          out.add(new Entry(e.getFileName().toString(), java.nio.file.Files.isDirectory(e)));
        }
      } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException e) {
        return new ArrayList<>();
      } catch (IOException e) {
        throw KilnException.internal("Cannot list " + uri + ": " + e.getMessage(), e);
      }
      return out;
    }
    Path p = path(uri);
    try {
      List<Entry> out = new ArrayList<>();
      for (FileStatus s : fileSystem(p).listStatus(p)) {
        out.add(new Entry(s.getPath().getName(), s.isDirectory()));
      }
      return out;
    } catch (FileNotFoundException e) {
      return new ArrayList<>();
    } catch (IOException e) {
      throw KilnException.internal("Cannot list " + uri + ": " + e.getMessage(), e);
    }
  }

  private static void abort(FSDataOutputStream out) {
    // an s3a stream uploads on close; aborting it leaves no object behind
    try {
      out.abort();
    } catch (UnsupportedOperationException e) {
      try {
        out.close();
      } catch (IOException ignored) {
        // the write already failed; that failure is the one reported
      }
    }
  }

  /** Writes content to a stream. */
  @FunctionalInterface
  public interface Writer {
    void write(OutputStream out) throws IOException;
  }
}
