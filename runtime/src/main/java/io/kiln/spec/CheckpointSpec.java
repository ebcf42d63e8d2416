package io.kiln.spec;

import io.kiln.spi.KilnException;

/**
 * SageMaker's CheckpointConfig plus an interval.
 *
 * @param uri where checkpoints are kept ({@code s3://}, {@code s3a://}, {@code file://})
 * @param localPath SageMaker's LocalPath (for script mode); default {@code /opt/ml/checkpoints}
 * @param intervalRounds rounds between checkpoints, or null for the algorithm's default
 */
public record CheckpointSpec(String uri, String localPath, Integer intervalRounds) {
  public static final String DEFAULT_LOCAL_PATH = "/opt/ml/checkpoints";

  public CheckpointSpec {
    if (uri == null || uri.isBlank()) {
      throw KilnException.user("checkpoint.uri (CheckpointConfig.S3Uri) is missing");
    }
    SpecUris.check(uri, "checkpoint.uri (CheckpointConfig.S3Uri)");
    if (localPath == null) {
      localPath = DEFAULT_LOCAL_PATH;
    }
    if (intervalRounds != null && intervalRounds < 1) {
      throw KilnException.user("checkpoint.intervalRounds is " + intervalRounds + "; expected at least 1");
    }
  }
}
