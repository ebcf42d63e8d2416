package io.kiln.storage;

import io.kiln.spi.KilnException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Checks from the driver, before any work, that a storage location answers and accepts Kiln's
 * credentials, failing within seconds and saying which of the two is wrong.
 *
 * <p>s3a and the AWS SDK retry with backoff and Spark retries tasks on top, so an unreachable
 * endpoint can otherwise take minutes to fail; the probe uses its own filesystem instance with
 * one attempt and short timeouts.
 */
public final class StorageProbe {
  private final Configuration probeConf;

  public StorageProbe(Configuration conf) {
    Configuration c = new Configuration(conf);
    c.set("fs.s3a.attempts.maximum", "1");
    c.set("fs.s3a.retry.limit", "1");
    c.set("fs.s3a.retry.interval", "100ms");
    c.set("fs.s3a.retry.throttle.limit", "1");
    c.set("fs.s3a.retry.throttle.interval", "100ms");
    c.set("fs.s3a.connection.establish.timeout", "3000");
    c.set("fs.s3a.connection.timeout", "5000");
    c.set("fs.s3a.connection.request.timeout", "10000");
    c.set("fs.s3a.bucket.probe", "0");
    this.probeConf = c;
  }

  /** Lists the parent of {@code uri}; throws a USER error when the store cannot be used. */
  public void checkReadable(String uri, String what) {
    Path p = Uris.toPath(uri, probeConf);
    Path parent = p.getParent() == null ? p : p.getParent();
    try (FileSystem fs = FileSystem.newInstance(p.toUri(), probeConf)) {
      try {
        fs.listStatus(parent);
      } catch (FileNotFoundException e) {
        if (e.getClass().getSimpleName().equals("UnknownStoreException")) {
          throw e;
        }
        // the prefix does not exist yet; the store answered
      }
    } catch (IOException | RuntimeException e) {
      throw classify(e, uri, what);
    }
  }

  /** Writes and deletes a small object under {@code dirUri}; throws a USER error when it cannot. */
  public void checkWritable(String dirUri, String what) {
    Path dir = Uris.toPath(dirUri, probeConf);
    Path probe = new Path(dir, ".kiln-write-probe-" + System.nanoTime());
    try (FileSystem fs = FileSystem.newInstance(dir.toUri(), probeConf)) {
      try (var out = fs.create(probe, true)) {
        out.write('k');
      }
      fs.delete(probe, false);
    } catch (IOException | RuntimeException e) {
      throw classify(e, dirUri, what);
    }
  }

  public static KilnException classify(Throwable e, String uri, String what) {
    String scheme = Uris.scheme(uri);
    boolean s3 = scheme != null && scheme.startsWith("s3");
    for (Throwable t = e; t != null; t = t.getCause()) {
      String name = t.getClass().getSimpleName();
      String msg = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
      if (t instanceof ConnectException || t instanceof UnknownHostException
          || t instanceof NoRouteToHostException || t instanceof SocketTimeoutException
          || name.equals("ConnectTimeoutException") || name.equals("HttpHostConnectException")
          || msg.contains("connection refused") || msg.contains("unable to execute http request")) {
        return KilnException.user("Cannot reach the S3 endpoint for " + what + " " + uri + ": "
            + firstLine(t) + ". Check AWS_ENDPOINT_URL (or spark.hadoop.fs.s3a.endpoint) and that the "
            + "server is running" + (s3 ? "" : ""), e);
      }
      if (name.equals("UnknownStoreException") || msg.contains("nosuchbucket")
          || msg.contains("bucket does not exist")) {
        return KilnException.user("The bucket of " + what + " " + uri + " does not exist; create it or fix the URI",
            e);
      }
      if (t instanceof AccessDeniedException || msg.contains("invalidaccesskeyid")
          || msg.contains("signaturedoesnotmatch") || msg.contains("status code: 403")
          || msg.contains("access denied") || msg.contains("forbidden")) {
        return KilnException.user("The S3 endpoint rejected Kiln's credentials for " + what + " " + uri
            + " (access denied). Check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the instance role)", e);
      }
      if (t instanceof InterruptedIOException && !(t instanceof SocketTimeoutException)) {
        return KilnException.user("Timed out talking to the store of " + what + " " + uri + ": " + firstLine(t), e);
      }
    }
    if (!s3 && e instanceof IOException) {
      return KilnException.user("Cannot use " + what + " " + uri + ": " + firstLine(e)
          + ". Check that the path exists and is writable", e);
    }
    return KilnException.user("Cannot use " + what + " " + uri + ": " + firstLine(e), e);
  }

  private static String firstLine(Throwable t) {
    String m = String.valueOf(t.getMessage());
    int nl = m.indexOf('\n');
    return nl >= 0 ? m.substring(0, nl) : m;
  }
}
