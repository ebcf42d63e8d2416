package io.kiln.tuning.driver;

/**
 * How a tuning job ended.
 *
 * @param name the tuning job
 * @param status its final status
 * @param bestTrainingJob the best trial's training job, or null
 * @param bestObjective its objective value, or null
 * @param failureReason why it failed or stopped, or null
 * @param exitCode what {@code kiln tune} exits with: 0 Completed, 1 Failed, 3 Stopped
 */
public record TuningResult(String name, TuningJobStatus status, String bestTrainingJob, Double bestObjective,
    String failureReason, int exitCode) {}
