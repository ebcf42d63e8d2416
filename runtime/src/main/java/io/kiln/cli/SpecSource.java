package io.kiln.cli;

import io.kiln.spec.SpecReader;
import io.kiln.spi.KilnException;
import io.kiln.storage.Uris;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Reads the SPEC argument of {@code kiln train} / {@code kiln tune}, which is one of:
 *
 * <ul>
 *   <li>a URI of any Hadoop filesystem ({@code s3://}, {@code s3a://}, {@code hdfs://}, {@code file:}
 *       ...), read with the cluster's Hadoop configuration (its {@code core-site.xml} and the
 *       {@code spark.hadoop.*} settings); {@code s3://} goes through s3a unless the cluster serves it
 *       itself (EMRFS), as {@link Uris#toHadoopUri} maps every URI;
 *   <li>a local file, relative to the working directory; in cluster mode a file shipped with
 *       {@code spark-submit --files job.yaml} is in the driver's working directory (YARN localises it
 *       there), so {@code job.yaml} names it;
 *   <li>a bare file name that is not in the working directory but is the name (or {@code #alias})
 *       of one of the files spark-submit was given with {@code --files} ({@code spark.files}, or
 *       {@code spark.yarn.dist.files} on YARN): that file is read where {@code --files} named it.
 *       This is client mode's case, where {@code SparkFiles.get} would return a copy of the same
 *       file once a SparkContext had started; reading the original lets a bad spec end the command
 *       (exit 2) before any Spark starts.
 * </ul>
 *
 * <p>Every spec read is UTF-8 and at most {@link SpecReader#MAX_SPEC_BYTES}; every error is a USER
 * {@link KilnException} of one line naming the URI or file. Loads no Spark classes (the CLI's
 * commands read their spec before Spark starts).
 */
public final class SpecSource {
  private SpecSource() {}

  /**
   * The text of the spec {@code spec} names, and how messages name it (the {@code source} for the
   * spec readers).
   */
  public record Text(String text, String source) {}

  /**
   * Reads the spec the command line names.
   *
   * @param spec the SPEC argument
   * @param settings the command's settings: Hadoop configuration and spark-submit's {@code --files}
   * @throws KilnException USER: missing, unreadable, too large or not UTF-8, naming {@code spec}
   */
  public static Text read(String spec, KilnSettings settings) {
    String s = spec.trim();
    if (s.isEmpty()) {
      throw KilnException.user("The SPEC argument is empty; give a spec file or URI (e.g. s3://bucket/job.yaml)");
    }
    if (isUri(s)) {
      if (s.regionMatches(true, 0, "file:", 0, 5)) {
        return local(fileUri(s), s);
      }
      return remote(s, settings.hadoopConf());
    }
    Path path = Paths.get(s);
    if (Files.exists(path) || s.contains("/") || s.contains(java.io.File.separator)) {
      return local(path, s);
    }
    Optional<String> shipped = shipped(s, settings);
    if (shipped.isPresent()) {
      String where = shipped.get();
      return isUri(where) && !where.regionMatches(true, 0, "file:", 0, 5) ? remote(where, settings.hadoopConf())
          : local(isUri(where) ? fileUri(where) : Paths.get(where), where);
    }
    throw KilnException.user("Spec file " + s + " does not exist (in the working directory "
        + Paths.get("").toAbsolutePath() + ", nor among spark-submit's --files); give its path or URI");
  }

  private static Path fileUri(String uri) {
    try {
      return Paths.get(java.net.URI.create(uri));
    } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
      throw KilnException.user("Spec " + uri + " is not a valid file URI; write file:///absolute/path or a plain path");
    }
  }

  private static Text local(Path file, String source) {
    return new Text(SpecReader.readFile(file), source);
  }

  /** Reads a spec through Hadoop's FileSystem; {@code uri} as the user wrote it names it in messages. */
  static Text remote(String uri, Configuration hadoop) {
    // refused before it is echoed or opened: credentials in it (masked in the message), '..', control characters
    io.kiln.spec.SpecUris.check(uri, "The spec's URI");
    org.apache.hadoop.fs.Path path;
    try {
      path = Uris.toPath(uri, hadoop);
    } catch (IllegalArgumentException e) {
      throw KilnException.user("Spec " + uri + " is not a valid URI: " + firstLine(e));
    }
    try {
      FileSystem fs = path.getFileSystem(hadoop);
      try (InputStream in = fs.open(path)) {
        return new Text(SpecReader.readText(in, "Spec " + uri), uri);
      }
    } catch (FileNotFoundException e) {
      throw KilnException.user("Spec " + uri + " does not exist (no such object or file); check the bucket and key");
    } catch (IOException | RuntimeException e) {
      if (e instanceof KilnException k) {
        throw k;
      }
      throw KilnException.user("Cannot read spec " + uri + ": " + firstLine(e), e);
    }
  }

  /** The entry of spark-submit's {@code --files} whose file name (or {@code #alias}) is {@code name}. */
  static Optional<String> shipped(String name, KilnSettings settings) {
    for (String key : new String[] {"spark.files", "spark.yarn.dist.files"}) {
      String files = settings.values().get(key);
      if (files == null) {
        continue;
      }
      for (String entry : files.split(",")) {
        String e = entry.trim();
        if (e.isEmpty()) {
          continue;
        }
        int hash = e.indexOf('#');
        String location = hash >= 0 ? e.substring(0, hash) : e;
        String alias = hash >= 0 ? e.substring(hash + 1) : location.substring(location.lastIndexOf('/') + 1);
        if (alias.equals(name)) {
          return Optional.of(location);
        }
      }
    }
    return Optional.empty();
  }

  /** A scheme of two or more characters and a colon: {@code s3://...}, {@code file:/...}. */
  static boolean isUri(String s) {
    String scheme = Uris.scheme(s);
    return scheme != null && scheme.length() > 1;
  }

  private static String firstLine(Throwable t) {
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
