package io.kiln.storage;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Maps the standard AWS environment variables onto Spark's {@code spark.hadoop.fs.s3a.*} settings,
 * so executors get them through the Spark conf.
 *
 * <ul>
 *   <li>{@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY} / {@code AWS_SESSION_TOKEN}: the
 *       keys, with the matching credentials provider named explicitly. With no keys, nothing is set
 *       and the default AWS chain (instance profiles on EMR) stays in force.
 *   <li>{@code AWS_ENDPOINT_URL_S3}, else {@code AWS_ENDPOINT_URL}: the endpoint. A non-AWS endpoint
 *       also turns on path-style access; {@code http://} turns SSL off.
 *   <li>{@code AWS_REGION}, else {@code AWS_DEFAULT_REGION}: the signing region.
 * </ul>
 */
public final class S3Settings {
  public static final String PREFIX = "spark.hadoop.fs.s3a.";
  static final String SIMPLE_PROVIDER = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider";
  static final String TEMPORARY_PROVIDER = "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider";

  private S3Settings() {}

  public static Map<String, String> fromEnvironment(Map<String, String> env) {
    Map<String, String> conf = new LinkedHashMap<>();
    String key = nonBlank(env.get("AWS_ACCESS_KEY_ID"));
    String secret = nonBlank(env.get("AWS_SECRET_ACCESS_KEY"));
    String token = nonBlank(env.get("AWS_SESSION_TOKEN"));
    if (key != null && secret != null) {
      conf.put(PREFIX + "access.key", key);
      conf.put(PREFIX + "secret.key", secret);
      if (token != null) {
        conf.put(PREFIX + "session.token", token);
        conf.put(PREFIX + "aws.credentials.provider", TEMPORARY_PROVIDER);
      } else {
        conf.put(PREFIX + "aws.credentials.provider", SIMPLE_PROVIDER);
      }
    }
    String endpoint = nonBlank(env.get("AWS_ENDPOINT_URL_S3"));
    if (endpoint == null) {
      endpoint = nonBlank(env.get("AWS_ENDPOINT_URL"));
    }
    String region = nonBlank(env.get("AWS_REGION"));
    if (region == null) {
      region = nonBlank(env.get("AWS_DEFAULT_REGION"));
    }
    if (endpoint != null) {
      conf.put(PREFIX + "endpoint", endpoint);
      if (!isAwsEndpoint(endpoint)) {
        conf.put(PREFIX + "path.style.access", "true");
        if (region == null) {
          // the SDK must not go looking for a region (that path ends at instance metadata)
          region = "us-east-1";
        }
      }
      if (endpoint.toLowerCase(Locale.ROOT).startsWith("http://")) {
        conf.put(PREFIX + "connection.ssl.enabled", "false");
      }
    }
    if (region != null) {
      conf.put(PREFIX + "endpoint.region", region);
    }
    return conf;
  }

  /** Settings Kiln always wants for s3a, unless the user set them. */
  public static Map<String, String> defaults() {
    Map<String, String> conf = new LinkedHashMap<>();
    // without it, every write is followed by a multi-object delete of parent markers
    conf.put(PREFIX + "directory.marker.retention", "keep");
    return conf;
  }

  /** The s3a keys (without {@code spark.hadoop.}) one group of {@link #fromEnvironment} sets together. */
  private static final java.util.List<String> CREDENTIAL_KEYS = java.util.List.of("fs.s3a.access.key",
      "fs.s3a.secret.key", "fs.s3a.session.token", "fs.s3a.aws.credentials.provider");
  private static final java.util.List<String> ENDPOINT_KEYS = java.util.List.of("fs.s3a.endpoint",
      "fs.s3a.path.style.access", "fs.s3a.connection.ssl.enabled");

  /**
   * Applies {@link #defaults()} and {@link #fromEnvironment} to a live Hadoop configuration (a
   * SparkSession's, for library users; the CLI puts them in the Spark conf instead), where the user
   * has not set them: a key set explicitly (through {@code spark.hadoop.*}, a {@code core-site.xml}
   * or code) wins over the environment, as {@code --conf} does for the CLI. Values only Hadoop's
   * {@code core-default.xml} gives, or that Spark itself filled in (its default endpoint, its copy of
   * {@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY}), count as unset. The keys travel as a
   * group where they belong together: any explicit credential key keeps every credential key from
   * the environment out, and an explicit endpoint keeps the environment's endpoint, path style and
   * SSL settings out.
   *
   * @param hadoop the configuration to change (e.g. {@code sparkContext().hadoopConfiguration()})
   * @param env the environment, e.g. {@code System.getenv()}
   * @return the keys set (never their values, which may be secrets), in order
   */
  public static java.util.List<String> applyTo(org.apache.hadoop.conf.Configuration hadoop, Map<String, String> env) {
    Map<String, String> wanted = new LinkedHashMap<>(defaults());
    wanted.putAll(fromEnvironment(env));
    boolean explicitCredentials = CREDENTIAL_KEYS.stream().anyMatch(k -> isExplicit(hadoop, k));
    boolean explicitEndpoint = isExplicit(hadoop, "fs.s3a.endpoint");
    java.util.List<String> applied = new java.util.ArrayList<>();
    wanted.forEach((sparkKey, value) -> {
      String key = sparkKey.substring("spark.hadoop.".length());
      if (isExplicit(hadoop, key) || explicitCredentials && CREDENTIAL_KEYS.contains(key)
          || explicitEndpoint && ENDPOINT_KEYS.contains(key)) {
        return;
      }
      if (!value.equals(hadoop.get(key))) {
        hadoop.set(key, value, "Kiln, from the AWS_* environment variables");
        applied.add(key);
      }
    });
    return applied;
  }

  /**
   * Whether {@code key} has a value someone chose: set, and not only by Hadoop's defaults or by
   * Spark's own fill-ins ({@code "Set by Spark to default values"}, {@code "Set by Spark on HOST from
   * AWS_..."}).
   */
  static boolean isExplicit(org.apache.hadoop.conf.Configuration hadoop, String key) {
    if (hadoop.get(key) == null) {
      return false;
    }
    String[] sources = hadoop.getPropertySources(key);
    if (sources == null || sources.length == 0) {
      return true;
    }
    String last = sources[sources.length - 1];
    return !(last.equals("core-default.xml") || last.equals("Set by Spark to default values")
        || last.startsWith("Set by Spark on ") || last.startsWith("Kiln, from the AWS_"));
  }

  static boolean isAwsEndpoint(String endpoint) {
    String e = endpoint.toLowerCase(Locale.ROOT);
    return e.contains("amazonaws.com") || e.contains("amazonaws.com.cn");
  }

  /** True for conf keys whose values are secrets and must never be printed or persisted. */
  public static boolean isSecretKey(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("secret") || k.contains("password") || k.contains("token") || k.contains("credential")
        || k.endsWith("access.key") || k.contains("private") || k.endsWith(".key") && k.contains("s3a");
  }

  private static String nonBlank(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
