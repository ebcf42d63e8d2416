package io.kiln.tuning.strategy;

import java.util.Map;

/**
 * What a strategy wants tried next.
 *
 * @param hyperparameters values for every tuned hyperparameter
 * @param resource rounds (epochs) to train for; 0: the job's own setting
 * @param continueFrom number of a finished trial whose checkpoint this one continues from
 *     (Hyperband promotion), or 0 to train from scratch
 */
public record Suggestion(Map<String, String> hyperparameters, int resource, int continueFrom) {
  public Suggestion {
    hyperparameters = Map.copyOf(hyperparameters);
  }

  public static Suggestion of(Map<String, String> hyperparameters) {
    return new Suggestion(hyperparameters, 0, 0);
  }
}
