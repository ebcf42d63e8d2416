package io.kiln.runner;

import io.kiln.storage.S3Settings;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import java.util.Timer;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a runner does to a session it did not start (a notebook's, a user program's) so that Kiln
 * behaves there as it does under {@code kiln train}:
 *
 * <ul>
 *   <li>the {@code AWS_*} environment variables reach s3a as the CLI maps them
 *       ({@link S3Settings#applyTo}: settings made explicitly win), on the session's Hadoop
 *       configuration, which Kiln's tasks carry to the executors;
 *   <li>on local Spark, where training tasks run in the user's JVM, Spark 3.5's barrier task timer
 *       ({@code BarrierTaskContext}'s {@code java.util.Timer}, a non-daemon thread that nothing ever
 *       cancels; SPARK-46895, fixed in Spark 4 by a daemon executor) is replaced by a daemon timer of
 *       the same name, so that a program returning from {@code main} after a job ends by itself.
 * </ul>
 */
final class SessionSetup {
  private static final Logger LOG = LoggerFactory.getLogger(SessionSetup.class);
  /** Spark 3.5's field for the timer: a Scala object's private final field, by its mangled name. */
  static final String TIMER_CLASS = "org.apache.spark.BarrierTaskContext$";
  static final String TIMER_FIELD = "org$apache$spark$BarrierTaskContext$$timer";
  private static boolean timerReplaced;

  private SessionSetup() {}

  /** Prepares {@code spark} for Kiln's jobs; idempotent, and cheap enough for every runner. */
  static void prepare(SparkSession spark) {
    SparkContext sc = spark.sparkContext();
    applyEnvironment(sc, System.getenv());
    if (sc.isLocal()) {
      daemonBarrierTimer();
    }
  }

  static void applyEnvironment(SparkContext sc, Map<String, String> env) {
    List<String> applied;
    synchronized (sc.hadoopConfiguration()) {
      applied = S3Settings.applyTo(sc.hadoopConfiguration(), env);
    }
    if (!applied.isEmpty()) {
      // names only: some values are secrets
      LOG.info("s3a settings from the AWS_* environment variables and Kiln's defaults (explicit settings win): {}",
          applied);
    }
  }

  /**
   * Replaces Spark 3.5's non-daemon barrier task timer by a daemon one, once per JVM; does nothing
   * on a Spark whose class has no such field (Spark 4). The timer only logs "waiting for the other
   * tasks" every minute while a {@code barrier()} call waits, so its being a daemon changes nothing
   * else.
   *
   * @return whether the timer in place is now a daemon one of Kiln's
   */
  static synchronized boolean daemonBarrierTimer() {
    if (timerReplaced) {
      return true;
    }
    try {
      Class<?> c = Class.forName(TIMER_CLASS, true, SparkContext.class.getClassLoader());
      Object module = c.getField("MODULE$").get(null);
      Field f = c.getDeclaredField(TIMER_FIELD);
      if (f.getType() != Timer.class) {
        return false;
      }
      f.setAccessible(true);
      Timer old = (Timer) f.get(module);
      f.set(module, new Timer("Barrier task timer for barrier() calls.", true));
      if (old != null) {
        old.cancel(); // its thread ends
      }
      timerReplaced = true;
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("Spark's barrier task timer was left as it is: {}", e.toString());
      return false;
    }
  }
}
