package io.kiln.spi;

import java.util.Map;

/**
 * What training produced, besides the model files the algorithm wrote into the model directory.
 *
 * @param roundsCompleted rounds (or epochs) in the final model; {@link #ROUNDS_NOT_COUNTED} when the
 *     algorithm does not count them (a script: its steps are whatever its MetricDefinitions read)
 * @param finalMetrics the metrics of the final model, SageMaker-named
 * @param stoppedEarly true when a stop directive (user stop, tuner, early stopping) ended training
 */
public record TrainingOutcome(int roundsCompleted, Map<String, Double> finalMetrics, boolean stoppedEarly) {
  /** {@link #roundsCompleted} of an algorithm that does not count rounds. */
  public static final int ROUNDS_NOT_COUNTED = -1;

  public TrainingOutcome {
    finalMetrics = Map.copyOf(finalMetrics);
  }

  /** Whether the algorithm counted the final model's rounds. */
  public boolean roundsCounted() {
    return roundsCompleted != ROUNDS_NOT_COUNTED;
  }
}
