package io.kiln.testing;

import io.kiln.storage.S3Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Local Spark sessions for tests: one per test class, on loopback, wired to the test S3 server; and
 * the tests' temporary directories, which are deleted when the test JVM exits (the whole suite runs
 * several times in a row on one machine, {@code scripts/test-repeat}: no run may leave data behind).
 * Set the environment variable {@code KILN_KEEP_TEST_FILES=1} to keep them for a post-mortem.
 */
public final class TestSpark {
  private static final List<Path> TEMPORARY = new CopyOnWriteArrayList<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> TEMPORARY.forEach(TestSpark::delete),
        "kiln-test-temp-cleanup"));
  }

  private TestSpark() {}

  /** A local[2] session whose s3a settings point at {@code s3} (may be null), plus {@code extra}. */
  public static SparkSession start(S3Server s3, Map<String, String> extra) {
    SparkConf conf = new SparkConf()
        .setMaster("local[2]")
        .setAppName("kiln-test")
        .set("spark.ui.enabled", "false")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.sql.shuffle.partitions", "2")
        .set("spark.kiln.heartbeat.interval-seconds", "1")
        .set("spark.kiln.preflight.slot-wait-seconds", "5");
    conf.set("spark.kiln.job-root", tempDir("kiln-jobs-").toUri().toString());
    Map<String, String> settings = new LinkedHashMap<>(S3Settings.defaults());
    if (s3 != null) {
      settings.putAll(S3Settings.fromEnvironment(s3.environment()));
    }
    settings.putAll(extra);
    settings.forEach(conf::set);
    return SparkSession.builder().config(conf).getOrCreate();
  }

  /** A new directory under java.io.tmpdir, deleted with everything in it when the JVM exits. */
  public static Path tempDir(String prefix) {
    try {
      Path dir = Files.createTempDirectory(prefix);
      TEMPORARY.add(dir);
      return dir;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Deletes a file or a directory with everything in it, now (quietly: what cannot be deleted
   * stays); kept when {@code KILN_KEEP_TEST_FILES} is set.
   */
  public static void delete(Path path) {
    if (path == null || System.getenv("KILN_KEEP_TEST_FILES") != null || !Files.exists(path)) {
      return;
    }
    try (var s = Files.walk(path)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException | java.io.UncheckedIOException ignored) {
      // files that vanish or cannot be read are left to the OS
    }
  }
}
