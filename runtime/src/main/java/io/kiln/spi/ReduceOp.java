package io.kiln.spi;

/** How {@link WorkerContext#allReduce} combines the workers' values, element by element. */
public enum ReduceOp {
  SUM,
  MIN,
  MAX
}
