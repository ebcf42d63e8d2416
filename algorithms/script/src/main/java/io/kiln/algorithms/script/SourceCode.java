package io.kiln.algorithms.script;

import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import io.kiln.storage.StorageProbe;
import io.kiln.storage.Uris;
import java.io.BufferedInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * A script job's source code: the files of the SDK's {@code sourcedir.tar.gz} (or of a directory
 * URI), read once on the driver, checked, and shipped to every worker inside the worker function,
 * where {@link #writeTo} lays them out as SageMaker's {@code /opt/ml/code}.
 *
 * <p>Every entry's path stays inside the code directory: an absolute name, a {@code ..} segment, a
 * backslash, a link or a special file is refused naming the entry. At most {@value #MAX_BYTES}
 * bytes of files (uncompressed): larger code belongs in a package the workers install.
 *
 * @param uri the source as the user wrote it
 * @param files the files, by relative path ({@code /} separators), in archive order
 * @param executable the relative paths of files with an owner-executable bit in the archive
 */
public record SourceCode(String uri, Map<String, byte[]> files, Set<String> executable) implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The most bytes of source files shipped to the workers. */
  public static final long MAX_BYTES = 64L << 20;

  public SourceCode {
    files = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(files));
    executable = Set.copyOf(executable);
  }

  /**
   * Reads the source at {@code uri}: a gzip-compressed tar (whatever its name), or every file under a
   * directory.
   *
   * @throws KilnException USER when nothing is there, the object is not a tar.gz, an entry would
   *     leave the code directory or is a link, or the files exceed {@value #MAX_BYTES} bytes; INTERNAL
   *     (or as {@link StorageProbe#classify}) when storage fails
   */
  public static SourceCode fetch(String uri, Configuration conf) {
    org.apache.hadoop.fs.Path path = Uris.toPath(uri, conf);
    FileSystem fs;
    FileStatus status;
    try {
      fs = path.getFileSystem(conf);
      status = fs.getFileStatus(path);
    } catch (FileNotFoundException e) {
      throw KilnException.user("The script's source " + uri + " (algorithm.source, hyperparameter "
          + "sagemaker_submit_directory) does not exist; upload the code as a sourcedir.tar.gz or a directory there");
    } catch (IOException | RuntimeException e) {
      throw StorageProbe.classify(e, uri, "the script's source");
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    Set<String> executable = new java.util.HashSet<>();
    try {
      if (status.isDirectory()) {
        readDirectory(fs, path, uri, files);
      } else {
        try (InputStream in = new BufferedInputStream(fs.open(path), 1 << 16)) {
          unpack(in, uri, files, executable);
        }
      }
    } catch (IOException e) {
      throw KilnException.internal("Cannot read the script's source " + uri + ": " + e.getMessage(), e);
    }
    if (files.isEmpty()) {
      throw KilnException.user("The script's source " + uri + " holds no files; upload the code there");
    }
    return new SourceCode(uri, files, executable);
  }

  private static void readDirectory(FileSystem fs, org.apache.hadoop.fs.Path from, String uri,
      Map<String, byte[]> files) throws IOException {
    String base = from.toUri().getPath();
    base = base.endsWith("/") ? base : base + "/";
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(from, true);
    long total = 0;
    while (it.hasNext()) {
      LocatedFileStatus f = it.next();
      String p = f.getPath().toUri().getPath();
      if (!p.startsWith(base) || p.endsWith(".crc")) {
        continue;
      }
      String relative = checkedName(p.substring(base.length()), uri);
      total += f.getLen();
      checkSize(total, uri);
      try (InputStream in = fs.open(f.getPath())) {
        files.put(relative, in.readAllBytes());
      }
    }
  }

  /** Reads a tar.gz stream's regular files into {@code files}. */
  static void unpack(InputStream raw, String uri, Map<String, byte[]> files, Set<String> executable)
      throws IOException {
    raw.mark(2);
    int b1 = raw.read();
    int b2 = raw.read();
    raw.reset();
    if (b1 != 0x1f || b2 != 0x8b) {
      throw KilnException.user("The script's source " + uri + " is not a gzip-compressed tar (the SageMaker SDK's "
          + "sourcedir.tar.gz); give a .tar.gz of the code or a directory URI");
    }
    long total = 0;
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(raw))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        String name = e.getName();
        if (e.isDirectory()) {
          checkedName(name, uri);
          continue;
        }
        // commons-compress counts a symbolic link, hard link or device as a "file": check the type
        if (!e.isFile() || e.isSymbolicLink() || e.isLink() || e.isCharacterDevice() || e.isBlockDevice()
            || e.isFIFO()) {
          throw KilnException.user("The script's source " + uri + " holds '" + Messages.echo(name) + "', a link or "
              + "special file; a source archive may hold regular files and directories only");
        }
        String relative = checkedName(name, uri);
        total += e.getSize();
        checkSize(total, uri);
        files.put(relative, tar.readAllBytes());
        if ((e.getMode() & 0100) != 0) {
          executable.add(relative);
        }
      }
    } catch (KilnException k) {
      throw k;
    } catch (IOException e) {
      throw KilnException.user("The script's source " + uri + " is not a readable tar.gz (" + e.getMessage()
          + "); upload a complete sourcedir.tar.gz", e);
    }
  }

  private static void checkSize(long total, String uri) {
    if (total > MAX_BYTES) {
      throw KilnException.user("The script's source " + uri + " holds more than " + (MAX_BYTES >> 20) + " MiB of "
          + "files; ship data as a channel and libraries as a package, and keep the source to the code");
    }
  }

  /**
   * An archive entry's path relative to the code directory, {@code ./} prefixes and a trailing
   * {@code /} removed.
   *
   * @throws KilnException USER for a name that is absolute, holds {@code ..}, a backslash or a control
   *     character
   */
  static String checkedName(String name, String uri) {
    String n = name;
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    while (n.endsWith("/")) {
      n = n.substring(0, n.length() - 1);
    }
    List<String> segments = new ArrayList<>(List.of(n.split("/", -1)));
    if (name.startsWith("/") || n.contains("\\") || segments.contains("..") || n.chars().anyMatch(Character::isISOControl)
        || (!n.isEmpty() && (segments.contains("") || segments.contains(".")))) {
      throw KilnException.user("The script's source " + uri + " holds '" + Messages.echo(name) + "', a path outside "
          + "the code directory; refused (entries must be relative paths without '..')");
    }
    return n;
  }

  /** The relative paths of the files, sorted, for messages. */
  public List<String> names() {
    return files.keySet().stream().sorted().toList();
  }

  /**
   * Writes the files into {@code directory} (created when missing), each inside it (checked again:
   * the value may have been deserialised from anywhere); archive files with an executable bit get
   * the owner's.
   *
   * @throws KilnException USER for a path outside the directory, INTERNAL when the disk fails
   */
  public void writeTo(Path directory) {
    Path root = directory.toAbsolutePath().normalize();
    try {
      Files.createDirectories(root);
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        Path target = root.resolve(checkedName(f.getKey(), uri)).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
          throw KilnException.user("The script's source " + uri + " holds '" + Messages.echo(f.getKey())
              + "', a path outside the code directory; refused");
        }
        Files.createDirectories(target.getParent());
        Files.write(target, f.getValue());
        if (executable.contains(f.getKey())) {
          Set<PosixFilePermission> perms = new java.util.HashSet<>(Files.getPosixFilePermissions(target));
          perms.add(PosixFilePermission.OWNER_EXECUTE);
          Files.setPosixFilePermissions(target, perms);
        }
      }
    } catch (IOException e) {
      throw KilnException.internal("Cannot write the script's source into " + root + ": " + e.getMessage(), e);
    }
  }
}
