package io.kiln.tuning.strategy;

import java.util.List;
import java.util.Optional;

/**
 * What to try next. A strategy sees read-only snapshots of every trial so far (finished, failed,
 * and still running, which it must not propose again) and never the driver. Given the same seed and
 * the same history, it proposes the same thing.
 */
public interface SearchStrategy {

  /**
   * The next trial to start, or empty when there is nothing to propose now: the search is
   * exhausted (Grid), or waiting for running trials (a Hyperband rung).
   */
  Optional<Suggestion> suggest(List<TrialView> history);

  /** True when the strategy will never propose anything again (then the tuning job ends). */
  default boolean finished(List<TrialView> history) {
    return false;
  }
}
