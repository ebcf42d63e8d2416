package io.kiln.spi;

/**
 * SageMaker's S3DataType: what a channel's URI (S3Uri) names. Kiln's spec spells the field
 * {@code dataType}.
 */
public enum S3DataType {
  /** A key prefix: every object whose key starts with it. */
  S3Prefix,
  /**
   * A manifest object: a JSON list whose first entry is {@code {"prefix": "s3://bucket/prefix/"}}
   * and whose other entries are keys relative to that prefix; the channel is those objects.
   */
  ManifestFile,
  /**
   * An augmented manifest object: JSON Lines, one JSON object per line, of which the channel's
   * AttributeNames select the attributes the algorithm reads, in order.
   */
  AugmentedManifestFile
}
