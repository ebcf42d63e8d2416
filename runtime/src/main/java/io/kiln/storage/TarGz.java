package io.kiln.storage;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.io.BufferedOutputStream;
import java.io.FileNotFoundException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Packs a directory into a gzip-compressed tar, as SageMaker packs {@code /opt/ml/model} into
 * {@code model.tar.gz} and {@code /opt/ml/output/data} into {@code output.tar.gz}: the directory's
 * files at the top level of the archive (subdirectories as path prefixes, {@code /}-separated), in
 * name order, POSIX long names. The archive is streamed to a {@link Store} URI (all-or-nothing),
 * file by file: neither the archive nor a file is held in memory.
 */
public final class TarGz {
  private static final int BUFFER = 1 << 16;

  private TarGz() {}

  /** True when {@code directory} (a local directory) holds at least one regular file, at any depth. */
  public static boolean hasFiles(java.nio.file.Path directory) {
    try (Stream<java.nio.file.Path> s = Files.walk(directory)) {
      return s.anyMatch(Files::isRegularFile);
    } catch (IOException e) {
      throw KilnException.internal("Cannot list " + directory + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes the regular files under a local {@code directory} as a tar.gz to {@code uri}; each entry
   * keeps its file's size, modification time and mode.
   *
   * @return the archive's size in bytes
   * @throws KilnException INTERNAL when the directory cannot be read or the archive not written
   */
  public static long write(java.nio.file.Path directory, Store store, String uri) {
    List<java.nio.file.Path> files;
    try (Stream<java.nio.file.Path> s = Files.walk(directory)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw KilnException.internal("Cannot list the directory " + directory, e);
    }
    long[] size = new long[1];
    store.write(uri, out -> {
      Counting counted = new Counting(out);
      try (TarArchiveOutputStream tar = open(counted)) {
        for (java.nio.file.Path f : files) {
          String name = directory.relativize(f).toString().replace('\\', '/');
          TarArchiveEntry entry = new TarArchiveEntry(f.toFile(), name);
          tar.putArchiveEntry(entry);
          try (InputStream in = Files.newInputStream(f)) {
            in.transferTo(tar);
          }
          tar.closeArchiveEntry();
        }
        tar.finish();
      }
      size[0] = counted.count;
    });
    return size[0];
  }

  /**
   * The files under a directory of a Hadoop filesystem ({@code s3a://}, {@code hdfs://},
   * {@code file:}), at any depth, in name order; empty when the directory does not exist. Hidden
   * checksum files of Hadoop's local filesystem are not listed.
   *
   * @throws KilnException INTERNAL when the listing fails
   */
  public static List<LocatedFileStatus> listFiles(String directoryUri, Store store) {
    Path dir = store.path(directoryUri);
    try {
      FileSystem fs = store.fileSystem(dir);
      List<LocatedFileStatus> files = new ArrayList<>();
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(dir, true);
      while (it.hasNext()) {
        LocatedFileStatus f = it.next();
        if (f.isFile()) {
          files.add(f);
        }
      }
      files.sort(Comparator.comparing(f -> f.getPath().toUri().getPath()));
      return files;
    } catch (FileNotFoundException e) {
      return List.of();
    } catch (IOException e) {
      throw KilnException.internal("Cannot list " + directoryUri + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code files} (from {@link #listFiles} of {@code directoryUri}) as a tar.gz to
   * {@code uri}, each named by its path relative to the directory, read from the filesystem as it
   * is written (mode 0644, the file's modification time).
   *
   * @return the archive's size in bytes
   * @throws KilnException ALGORITHM for a file whose relative name has {@code .} or {@code ..}
   *     segments (it could escape the directory it is unpacked into); INTERNAL when reading or
   *     writing fails
   */
  public static long write(String directoryUri, List<LocatedFileStatus> files, Store store, String uri) {
    Path dir = store.path(directoryUri);
    String prefix;
    try {
      prefix = store.fileSystem(dir).makeQualified(dir).toUri().getPath();
    } catch (IOException e) {
      throw KilnException.internal("Cannot open " + directoryUri + ": " + e.getMessage(), e);
    }
    prefix = prefix.endsWith("/") ? prefix : prefix + "/";
    List<String> names = new ArrayList<>();
    for (LocatedFileStatus f : files) {
      names.add(relativeName(prefix, f.getPath(), directoryUri));
    }
    long[] size = new long[1];
    store.write(uri, out -> {
      Counting counted = new Counting(out);
      try (TarArchiveOutputStream tar = open(counted)) {
        for (int i = 0; i < files.size(); i++) {
          LocatedFileStatus f = files.get(i);
          TarArchiveEntry entry = new TarArchiveEntry(names.get(i));
          entry.setSize(f.getLen());
          entry.setModTime(f.getModificationTime());
          tar.putArchiveEntry(entry);
          long copied;
          try (InputStream in = f.getPath().getFileSystem(store.conf()).open(f.getPath())) {
            copied = in.transferTo(tar);
          }
          if (copied != f.getLen()) {
            throw new IOException(f.getPath() + " changed while it was archived (listed " + f.getLen()
                + " bytes, read " + copied + ")");
          }
          tar.closeArchiveEntry();
        }
        tar.finish();
      }
      size[0] = counted.count;
    });
    return size[0];
  }

  private static String relativeName(String prefix, Path file, String directoryUri) {
    String path = file.toUri().getPath();
    if (!path.startsWith(prefix) || path.length() == prefix.length()) {
      throw KilnException.internal("Listed " + file + " is not under " + directoryUri, null);
    }
    String name = path.substring(prefix.length());
    for (String segment : name.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new KilnException(ErrorType.ALGORITHM, "Model file '" + name + "' under " + directoryUri
            + " has an empty, '.' or '..' path segment; name files as plain relative paths");
      }
    }
    return name;
  }

  private static TarArchiveOutputStream open(OutputStream out) throws IOException {
    TarArchiveOutputStream tar = new TarArchiveOutputStream(
        new GzipCompressorOutputStream(new BufferedOutputStream(new NonClosing(out), BUFFER)));
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    return tar;
  }

  /** Lets the tar stream finish without closing the store's stream, which the store closes. */
  private static final class NonClosing extends FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }

  /** Counts the bytes that reach the store. */
  private static final class Counting extends FilterOutputStream {
    long count;

    Counting(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
