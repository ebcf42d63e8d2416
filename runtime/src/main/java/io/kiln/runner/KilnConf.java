package io.kiln.runner;

import io.kiln.record.Arns;
import io.kiln.record.Heartbeat;
import io.kiln.record.JobStore;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Kiln's own settings ({@code spark.kiln.*}), read from a snapshot of the Spark conf. A runner on a
 * session reads them through {@link #of(SparkSession)}: the session's runtime conf, so that
 * {@code spark.conf().set("spark.kiln.job-root", ...)} made after the session was built takes effect
 * for the runners created after it.
 */
public final class KilnConf {
  /** Where job records live. */
  public static final String JOB_ROOT = "spark.kiln.job-root";
  public static final String JOB_ROOT_DEFAULT = JobStore.DEFAULT_ROOT;
  /** Seconds between driver heartbeats (and record saves). */
  public static final String HEARTBEAT_INTERVAL = "spark.kiln.heartbeat.interval-seconds";
  public static final long HEARTBEAT_INTERVAL_DEFAULT = 10;
  /** Seconds without a heartbeat after which a job's driver counts as lost; 0: max(30, 3 intervals). */
  public static final String HEARTBEAT_LAPSE = "spark.kiln.heartbeat.lapse-seconds";
  public static final long HEARTBEAT_LAPSE_DEFAULT = 0;
  /** How long preflight waits for executors to register enough task slots. */
  public static final String SLOT_WAIT = "spark.kiln.preflight.slot-wait-seconds";
  public static final long SLOT_WAIT_DEFAULT = 60;
  /** Host the driver's control server binds to; default spark.driver.host. */
  public static final String CONTROL_HOST = "spark.kiln.control.host";
  /** Whether preflight probes S3 before work (off only for tests of the probe's absence). */
  public static final String STORAGE_PROBE = "spark.kiln.preflight.storage-probe";
  public static final boolean STORAGE_PROBE_DEFAULT = true;

  /**
   * Seconds a job's final writes (its final checkpoint, model and output archives, and its record)
   * keep retrying a storage failure with backoff before the job gives up on them; not used by
   * preflight's probes, which fail fast on a misconfigured endpoint.
   */
  public static final String STORAGE_RETRY_WINDOW = "spark.kiln.storage.retry-window-seconds";
  public static final long STORAGE_RETRY_WINDOW_DEFAULT = 180;

  private final SparkConf conf;

  /** The settings in {@code conf} (the CLI's, which sets them all before Spark starts). */
  public KilnConf(SparkConf conf) {
    this.conf = conf;
  }

  /**
   * The settings as {@code spark} sees them now: its runtime conf ({@code spark.conf()}, which holds
   * the SparkContext's settings from when the session was built and every {@code spark.conf().set}
   * since) over the SparkContext's conf. A snapshot: later changes need a new KilnConf (a new runner).
   */
  public static KilnConf of(SparkSession spark) {
    SparkConf merged = spark.sparkContext().getConf(); // a copy
    scala.collection.JavaConverters.mapAsJavaMapConverter(spark.conf().getAll()).asJava().forEach(merged::set);
    return new KilnConf(merged);
  }

  /** The snapshot these settings are read from (a copy), for settings other classes own. */
  public SparkConf sparkConf() {
    return conf.clone();
  }

  public String jobRoot() {
    return conf.get(JOB_ROOT, JOB_ROOT_DEFAULT);
  }

  public long heartbeatIntervalSeconds() {
    return Math.max(1, conf.getLong(HEARTBEAT_INTERVAL, HEARTBEAT_INTERVAL_DEFAULT));
  }

  public long heartbeatLapseSeconds() {
    return Heartbeat.lapseSeconds(conf.getLong(HEARTBEAT_LAPSE, HEARTBEAT_LAPSE_DEFAULT), heartbeatIntervalSeconds());
  }

  public long slotWaitSeconds() {
    return conf.getLong(SLOT_WAIT, SLOT_WAIT_DEFAULT);
  }

  public String controlHost() {
    return conf.get(CONTROL_HOST, conf.get("spark.driver.host", "127.0.0.1"));
  }

  /** {@link #STORAGE_RETRY_WINDOW}, at least 0. */
  public java.time.Duration storageRetryWindow() {
    return java.time.Duration.ofSeconds(Math.max(0, conf.getLong(STORAGE_RETRY_WINDOW, STORAGE_RETRY_WINDOW_DEFAULT)));
  }

  /**
   * The ARNs new jobs get: region, account and default role from {@code spark.kiln.arn.*} (see
   * {@link Arns}).
   *
   * @throws io.kiln.spi.KilnException USER when one of those settings is malformed
   */
  public Arns arns() {
    return Arns.from(k -> conf.get(k, null));
  }

  public boolean storageProbe() {
    return conf.getBoolean(STORAGE_PROBE, STORAGE_PROBE_DEFAULT);
  }
}
