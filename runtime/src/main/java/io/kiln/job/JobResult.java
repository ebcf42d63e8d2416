package io.kiln.job;

/**
 * How a job ended.
 *
 * @param name the job
 * @param status its final status
 * @param secondaryStatus its final secondary status
 * @param failureReason why it failed or stopped, or null
 * @param modelArtifacts the model.tar.gz URI, or null when none was written
 * @param exitCode what {@code kiln train} exits with: 0 Completed, 1 Failed, 2 bad spec, 3 Stopped
 */
public record JobResult(String name, TrainingJobStatus status, SecondaryStatus secondaryStatus, String failureReason,
    String modelArtifacts, int exitCode) {}
