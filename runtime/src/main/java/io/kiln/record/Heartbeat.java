package io.kiln.record;

import java.time.Instant;

/**
 * The heartbeat of a driver that runs a job, shared by training and tuning: {@link #every} runs
 * the beat on its own daemon thread, and {@link #lapsed} says when a driver that stopped beating
 * counts as lost (the configured lapse, or three heartbeat intervals and never under 30 seconds),
 * so {@code describe} and {@code list} judge both kinds of record alike.
 */
public final class Heartbeat {

  static final long DEFAULT_INTERVAL_SECONDS = 10;
  private static final long MIN_LAPSE_SECONDS = 30;

  private Heartbeat() {}

  /** The lapse in seconds after which a silent driver is lost. */
  public static long lapseSeconds(Long configuredLapse, Long intervalSeconds) {
    if (configuredLapse != null && configuredLapse > 0) {
      return configuredLapse;
    }
    long interval = intervalSeconds == null ? DEFAULT_INTERVAL_SECONDS : intervalSeconds;
    return Math.max(MIN_LAPSE_SECONDS, 3 * interval);
  }

  /**
   * Runs {@code beat} every {@code intervalSeconds} (the first after one interval) on a daemon
   * thread named {@code threadName}, until the returned schedule is closed.
   */
  public static Schedule every(long intervalSeconds, String threadName, Runnable beat) {
    java.util.concurrent.ScheduledExecutorService executor =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, threadName);
          t.setDaemon(true);
          return t;
        });
    executor.scheduleWithFixedDelay(beat, intervalSeconds, intervalSeconds, java.util.concurrent.TimeUnit.SECONDS);
    return new Schedule(executor);
  }

  /** A running heartbeat. */
  public static final class Schedule implements AutoCloseable {
    private final java.util.concurrent.ScheduledExecutorService executor;

    private Schedule(java.util.concurrent.ScheduledExecutorService executor) {
      this.executor = executor;
    }

    /** Stops beating; waits up to 30 s for a beat under way, so no beat follows a final save. */
    @Override
    public void close() {
      executor.shutdown();
      try {
        executor.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** True when the last heartbeat is older than the lapse at {@code now}. */
  public static boolean lapsed(Instant lastHeartbeat, Long configuredLapse, Long intervalSeconds, Instant now) {
    return lastHeartbeat != null
        && lastHeartbeat.plusSeconds(lapseSeconds(configuredLapse, intervalSeconds)).isBefore(now);
  }
}
