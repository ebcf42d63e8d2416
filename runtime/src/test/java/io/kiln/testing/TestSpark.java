package io.kiln.testing;

import io.kiln.storage.S3Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Local Spark sessions for tests: one per test class, on loopback, wired to the test S3 server. */
public final class TestSpark {
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
    try {
      conf.set("spark.kiln.job-root", Files.createTempDirectory("kiln-jobs-").toUri().toString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    Map<String, String> settings = new LinkedHashMap<>(S3Settings.defaults());
    if (s3 != null) {
      settings.putAll(S3Settings.fromEnvironment(s3.environment()));
    }
    settings.putAll(extra);
    settings.forEach(conf::set);
    return SparkSession.builder().config(conf).getOrCreate();
  }

  public static Path tempDir(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
