package io.kiln.spec;

import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import java.util.Locale;

/**
 * The one check every URI a user writes in a spec passes where it enters (a channel's, the output
 * path, the checkpoint location), so nothing later can be led outside what the spec names.
 *
 * <p>A URI is refused, never rewritten, when it:
 * <ul>
 *   <li>has more than {@value #MAX_LENGTH} characters (SageMaker's S3Uri limit) or a control
 *       character (a line break would forge lines in the job log);</li>
 *   <li>carries credentials in its authority ({@code s3a://KEY:SECRET@bucket/}): they would be
 *       stored in the record and printed; the message masks them;</li>
 *   <li>has a {@code .} or {@code ..} path segment, also percent-encoded: Hadoop normalises
 *       {@code s3://b/out/../victim/} to {@code s3://b/victim/}, outside the prefix the spec
 *       names;</li>
 *   <li>is an HTTP(S) URL (Kiln reads through the S3 API), an object-store URI with no bucket, or
 *       a relative local path (it would land under whatever directory the driver runs in).</li>
 * </ul>
 * Absolute local paths ({@code /data/train/}) and {@code file://} URIs are local files.
 */
public final class SpecUris {
  /** SageMaker's S3Uri maximum length. */
  public static final int MAX_LENGTH = 1024;

  private SpecUris() {}

  /**
   * Checks {@code uri}, written for {@code field} (named in both spellings, e.g.
   * {@code "outputPath (OutputDataConfig.S3OutputPath)"}).
   *
   * @return {@code uri} unchanged
   * @throws KilnException (USER) naming the field, the value (escaped, credentials masked) and the fix
   */
  public static String check(String uri, String field) {
    if (uri.length() > MAX_LENGTH) {
      throw KilnException.user(field + " has " + uri.length() + " characters ('" + Messages.echo(masked(uri))
          + "'); the limit is " + MAX_LENGTH);
    }
    for (int i = 0; i < uri.length(); i++) {
      if (Character.isISOControl(uri.charAt(i))) {
        throw KilnException.user(field + " '" + Messages.echo(masked(uri)) + "' has a control character at position "
            + (i + 1) + "; write the URI on one line without tabs or line breaks");
      }
    }
    String u = uri.strip();
    String scheme = io.kiln.storage.Uris.scheme(u);
    if (scheme == null) {
      if (!u.startsWith("/")) {
        throw KilnException.user(field + " '" + Messages.echo(u) + "' is a relative path; write an absolute path"
            + " (/data/...) or a URI (s3://bucket/prefix/, file:///data/...)");
      }
      checkSegments(u, u, field);
      return uri;
    }
    if (scheme.equals("http") || scheme.equals("https")) {
      throw KilnException.user(field + " '" + Messages.echo(masked(u)) + "' is an HTTP URL; use an s3:// URI (Kiln"
          + " reads through the S3 API) or a local path");
    }
    String rest = u.substring(scheme.length() + 1);
    if (!rest.startsWith("//")) {
      if (scheme.equals("file") && rest.startsWith("/")) {
        checkSegments(rest, u, field);
        return uri;
      }
      throw KilnException.user(field + " '" + Messages.echo(u) + "' is not a URI of the form " + scheme
          + "://bucket/prefix/");
    }
    String afterSlashes = rest.substring(2);
    int slash = afterSlashes.indexOf('/');
    String authority = slash < 0 ? afterSlashes : afterSlashes.substring(0, slash);
    String path = slash < 0 ? "" : afterSlashes.substring(slash);
    if (authority.contains("@") || userinfoEnd(u) >= 0) {
      throw KilnException.user(field + " '" + Messages.echo(masked(u)) + "' carries credentials in the URI; remove"
          + " them and give them as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or spark.hadoop.fs.s3a.* settings"
          + " (Kiln never stores or prints a secret)");
    }
    if (authority.isEmpty() && !scheme.equals("file")) {
      throw KilnException.user(field + " '" + Messages.echo(u) + "' names no bucket; write " + scheme
          + "://bucket/prefix/");
    }
    checkSegments(path, u, field);
    return uri;
  }

  private static void checkSegments(String path, String uri, String field) {
    for (String segment : path.split("/", -1)) {
      String decoded = segment.toLowerCase(Locale.ROOT).replace("%2e", ".");
      if (decoded.equals(".") || decoded.equals("..")) {
        throw KilnException.user(field + " '" + Messages.echo(uri) + "' has a '" + segment + "' path segment; write"
            + " the path without . or .. segments (Kiln does not resolve them, so a URI cannot lead outside the"
            + " prefix it names)");
      }
    }
  }

  /**
   * {@code uri} with any credentials in its authority replaced by {@code ****}. Credentials are
   * {@code KEY:SECRET@} right after {@code ://}: the key has no {@code /} (an access key ID never
   * does) but the secret may (AWS secret keys often do, unencoded).
   */
  public static String masked(String uri) {
    int userinfo = userinfoEnd(uri);
    return userinfo < 0 ? uri : uri.substring(0, uri.indexOf("://") + 3) + "****" + uri.substring(userinfo);
  }

  /** The index of the {@code @} that ends credentials in {@code uri}, or -1. */
  private static int userinfoEnd(String uri) {
    int start = uri.indexOf("://");
    if (start < 0) {
      return -1;
    }
    int from = start + 3;
    int slash = uri.indexOf('/', from);
    int at = uri.indexOf('@', from);
    if (at < 0) {
      return -1;
    }
    if (slash < 0 || at < slash) {
      return at; // user@host or key:secret@bucket
    }
    int colon = uri.indexOf(':', from);
    return colon >= 0 && colon < slash && colon < at ? at : -1;
  }
}
