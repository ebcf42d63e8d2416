package io.kiln.cli;

import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/**
 * The jars {@code scripts/kiln} leaves off a read-only command's class path: s3a (hadoop-aws), the
 * AWS SDK it calls and wildfly-openssl, named by the system property {@value #PROPERTY} (a
 * path-separated list) and loaded only when a command opens an object-store URI.
 *
 * <p>Why: a lookup of a class that no jar has (picocli probes for Groovy at start-up) reads the
 * central directory of every jar on the class path, and the AWS SDK bundle's holds 131,000 entries:
 * a sixth of what {@code kiln describe} on a local job root cost. Hadoop finds {@code fs.s3a.impl}
 * through its configuration's class loader ({@link Configuration#setClassLoader}), which is where
 * these jars go; their classes see everything else through the command's own class loader.
 */
final class S3aJars {
  /** The system property the launcher sets. */
  static final String PROPERTY = "kiln.cli.s3a-classpath";
  private static ClassLoader loader;

  private S3aJars() {}

  /**
   * Gives {@code conf} the class loader with the deferred jars when the launcher deferred any; leaves
   * it alone otherwise (the jars are then on the class path, as under spark-submit).
   */
  static Configuration apply(Configuration conf) {
    ClassLoader l = loader();
    if (l != null) {
      conf.setClassLoader(l);
    }
    return conf;
  }

  private static synchronized ClassLoader loader() {
    String jars = System.getProperty(PROPERTY);
    if (loader == null && jars != null && !jars.isBlank()) {
      List<URL> urls = new ArrayList<>();
      for (String jar : jars.split(java.io.File.pathSeparator)) {
        if (!jar.isBlank()) {
          try {
            urls.add(Paths.get(jar).toUri().toURL());
          } catch (MalformedURLException e) {
            throw new IllegalArgumentException(PROPERTY + " names a jar that is not a path: " + jar, e);
          }
        }
      }
      loader = new URLClassLoader("kiln-s3a", urls.toArray(URL[]::new), S3aJars.class.getClassLoader());
    }
    return loader;
  }
}
