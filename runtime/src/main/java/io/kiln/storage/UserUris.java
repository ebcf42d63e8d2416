package io.kiln.storage;

import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shows users the URIs they wrote. Kiln reads and writes {@code s3://} locations through Hadoop's
 * s3a ({@link Uris#toHadoopUri}), so messages made where the data is read (a bad line, an unreadable
 * object) name {@code s3a://bucket/...}; this turns them back into {@code s3://bucket/...} for every
 * bucket the user wrote as {@code s3://} (and never wrote as {@code s3a://}), wherever such a URI
 * appears in a message, a log line or a status.
 */
public final class UserUris {
  private static final Pattern S3A = Pattern.compile("(?i)\\bs3a://([^/\\s'\"`),;]+)");

  private final Set<String> buckets;

  private UserUris(Set<String> buckets) {
    this.buckets = buckets;
  }

  /** The mapping for the URIs of one job as its user wrote them (channels, output, checkpoints). */
  public static UserUris of(Collection<String> written) {
    Set<String> s3 = new LinkedHashSet<>();
    Set<String> s3a = new HashSet<>();
    for (String uri : written) {
      if (uri == null) {
        continue;
      }
      String scheme = Uris.scheme(uri.trim());
      String bucket = Uris.bucket(uri);
      if (scheme == null || bucket == null) {
        continue;
      }
      if (scheme.equals("s3")) {
        s3.add(bucket.toLowerCase(Locale.ROOT));
      } else if (scheme.equals("s3a")) {
        s3a.add(bucket.toLowerCase(Locale.ROOT));
      }
    }
    s3.removeAll(s3a);
    return new UserUris(Set.copyOf(s3));
  }

  /** No mapping: text is shown as it is. */
  public static UserUris none() {
    return new UserUris(Set.of());
  }

  /** {@code text} with {@code s3a://b} written {@code s3://b} for the user's s3 buckets; null for null. */
  public String show(String text) {
    if (text == null || buckets.isEmpty() || !containsS3a(text)) {
      return text;
    }
    Matcher m = S3A.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String bucket = m.group(1);
      m.appendReplacement(out, Matcher.quoteReplacement(buckets.contains(bucket.toLowerCase(Locale.ROOT))
          ? "s3://" + bucket : m.group()));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static boolean containsS3a(String text) {
    return text.toLowerCase(Locale.ROOT).contains("s3a://");
  }
}
