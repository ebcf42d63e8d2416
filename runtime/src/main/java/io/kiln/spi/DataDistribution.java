package io.kiln.spi;

/** SageMaker's S3DataDistributionType. */
public enum DataDistribution {
  /** The channel is read once and its rows are partitioned across the workers. */
  FullyReplicated,
  /** Each worker reads a disjoint set of whole objects. */
  ShardedByS3Key
}
