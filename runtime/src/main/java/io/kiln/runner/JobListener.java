package io.kiln.runner;

import io.kiln.record.SecondaryStatus;
import java.util.Map;

/** Follows a running job from the driver, e.g. to draw the CLI's progress line. */
public interface JobListener {
  JobListener NONE = new JobListener() {};

  default void onTransition(SecondaryStatus status, String message) {}

  /** A round finished; {@code plannedRounds} is 0 when unknown. */
  default void onRound(int round, int plannedRounds, Map<String, Double> metrics) {}

  default void onNotice(String message) {}
}
