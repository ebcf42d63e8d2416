package io.kiln.spi;

import java.util.Map;

/**
 * What training produced, besides the model files the algorithm wrote into the model directory.
 *
 * @param roundsCompleted rounds (or epochs) in the final model
 * @param finalMetrics the metrics of the final model, SageMaker-named
 * @param stoppedEarly true when a stop directive (user stop, tuner, early stopping) ended training
 */
public record TrainingOutcome(int roundsCompleted, Map<String, Double> finalMetrics, boolean stoppedEarly) {
  public TrainingOutcome {
    finalMetrics = Map.copyOf(finalMetrics);
  }
}
