package io.kiln.spi;

import java.io.Serializable;

/**
 * A job's CheckpointConfig as written, for an algorithm that syncs a local directory with it itself
 * (a script job, as SageMaker syncs {@code /opt/ml/checkpoints}) instead of using the runtime's
 * {@link CheckpointStore}.
 *
 * @param uri SageMaker's {@code CheckpointConfig.S3Uri} (Kiln's {@code checkpoint.uri}), as written:
 *     {@code s3://}, {@code s3a://}, {@code file://} or any Hadoop URI
 * @param localPath SageMaker's {@code CheckpointConfig.LocalPath} (Kiln's {@code checkpoint.localPath});
 *     {@code /opt/ml/checkpoints} when the job gives none
 */
public record CheckpointLocation(String uri, String localPath) implements Serializable {}
