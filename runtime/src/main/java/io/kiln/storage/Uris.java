package io.kiln.storage;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Turns the URIs users write into the Hadoop paths Kiln reads and writes through.
 *
 * <p>{@code s3://} goes through s3a unless the cluster already serves the {@code s3} scheme itself
 * (EMRFS on EMR). A path without a scheme is a local file.
 */
public final class Uris {
  private Uris() {}

  public static Path toPath(String uri, Configuration conf) {
    return new Path(toHadoopUri(uri, conf));
  }

  /** {@link #toPath(String, Configuration)} with the configuration made only for an {@code s3://} URI. */
  public static Path toPath(String uri, Supplier<Configuration> conf) {
    return new Path(toHadoopUri(uri, conf));
  }

  public static String toHadoopUri(String uri, Configuration conf) {
    return toHadoopUri(uri, () -> conf);
  }

  /**
   * The URI Kiln reads and writes {@code uri} through: a path without a scheme as a {@code file:}
   * URI, {@code s3://} as {@code s3a://} unless the cluster serves {@code s3} itself (the only case
   * that asks for {@code conf}), anything else as given.
   */
  public static String toHadoopUri(String uri, Supplier<Configuration> conf) {
    String u = uri.trim();
    String scheme = scheme(u);
    if (scheme == null) {
      return Paths.get(u).toAbsolutePath().normalize().toUri().toString();
    }
    if (scheme.equals("s3") && !servesS3(conf.get())) {
      return "s3a" + u.substring(2);
    }
    return u;
  }

  /** True when a filesystem other than Kiln's mapping is configured for {@code s3://} (EMRFS). */
  public static boolean servesS3(Configuration conf) {
    if (conf.get("fs.s3.impl") != null) {
      return true;
    }
    try {
      FileSystem.getFileSystemClass("s3", conf);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  public static boolean isObjectStore(String uri) {
    String s = scheme(uri);
    return s != null && (s.equals("s3") || s.equals("s3a") || s.equals("s3n") || s.equals("gs")
        || s.equals("wasb") || s.equals("wasbs") || s.equals("abfs") || s.equals("abfss") || s.equals("oss"));
  }

  /** The bucket (authority) of an object store URI, or null. */
  public static String bucket(String uri) {
    try {
      return new URI(uri.trim()).getAuthority();
    } catch (URISyntaxException e) {
      return null;
    }
  }

  public static String scheme(String uri) {
    int colon = uri.indexOf(':');
    int slash = uri.indexOf('/');
    if (colon <= 0 || (slash >= 0 && slash < colon)) {
      return null;
    }
    String s = uri.substring(0, colon).toLowerCase(Locale.ROOT);
    return s.matches("[a-z][a-z0-9+.-]*") && s.length() > 1 ? s : null;
  }

  /** Joins a base URI and a relative path with exactly one slash. */
  public static String join(String base, String... parts) {
    StringBuilder b = new StringBuilder(base);
    for (String p : parts) {
      if (b.length() > 0 && b.charAt(b.length() - 1) != '/') {
        b.append('/');
      }
      b.append(p.startsWith("/") ? p.substring(1) : p);
    }
    return b.toString();
  }
}
