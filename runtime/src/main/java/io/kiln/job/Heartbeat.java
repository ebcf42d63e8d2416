package io.kiln.job;

import java.time.Instant;

/**
 * When a driver that writes heartbeats into a job's record counts as lost: the lapse is the one
 * configured, or three heartbeat intervals and never under 30 seconds. Training and tuning
 * records share the rule, so {@code describe} and {@code list} judge both alike.
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

  /** True when the last heartbeat is older than the lapse at {@code now}. */
  public static boolean lapsed(Instant lastHeartbeat, Long configuredLapse, Long intervalSeconds, Instant now) {
    return lastHeartbeat != null
        && lastHeartbeat.plusSeconds(lapseSeconds(configuredLapse, intervalSeconds)).isBefore(now);
  }
}
