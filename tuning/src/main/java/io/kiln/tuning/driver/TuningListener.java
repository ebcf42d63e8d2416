package io.kiln.tuning.driver;

import io.kiln.record.TrainingJobStatus;
import java.util.Map;

/** Follows a tuning job from its driver, e.g. for the CLI's output. */
public interface TuningListener {
  TuningListener NONE = new TuningListener() {};

  default void onTrialStarted(int number, String name, Map<String, String> hyperparameters) {}

  default void onTrialEnded(int number, String name, TrainingJobStatus status, Double objective) {}

  default void onLog(String line) {}
}
