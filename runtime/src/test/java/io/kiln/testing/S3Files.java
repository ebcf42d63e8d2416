package io.kiln.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Reads and writes test objects through Hadoop filesystems (s3a against the test S3 server, or file://). */
public final class S3Files {
  private S3Files() {}

  public static void write(Configuration conf, String uri, List<String> lines) {
    write(conf, uri, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  public static void write(Configuration conf, String uri, byte[] bytes) {
    Path p = new Path(uri);
    try (OutputStream out = p.getFileSystem(conf).create(p, true)) {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] read(Configuration conf, String uri) {
    Path p = new Path(uri);
    try (InputStream in = p.getFileSystem(conf).open(p)) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      in.transferTo(b);
      return b.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static boolean exists(Configuration conf, String uri) {
    Path p = new Path(uri);
    try {
      FileSystem fs = p.getFileSystem(conf);
      return fs.exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The names of the files under a directory, relative to it, at any depth, sorted; empty when the
   * directory does not exist.
   */
  public static List<String> list(Configuration conf, String uri) {
    Path dir = new Path(uri);
    List<String> out = new java.util.ArrayList<>();
    try {
      FileSystem fs = dir.getFileSystem(conf);
      String prefix = fs.makeQualified(dir).toUri().getPath();
      prefix = prefix.endsWith("/") ? prefix : prefix + "/";
      var it = fs.listFiles(dir, true);
      while (it.hasNext()) {
        out.add(it.next().getPath().toUri().getPath().substring(prefix.length()));
      }
    } catch (java.io.FileNotFoundException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    java.util.Collections.sort(out);
    return out;
  }

  /** The files of a model.tar.gz, by name. */
  public static Map<String, byte[]> untar(byte[] tarGz) {
    Map<String, byte[]> out = new TreeMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(
        new GzipCompressorInputStream(new java.io.ByteArrayInputStream(tarGz)))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (e.isFile()) {
          out.put(e.getName(), tar.readAllBytes());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
