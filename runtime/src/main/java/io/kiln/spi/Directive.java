package io.kiln.spi;

/** What the driver tells workers after a round. */
public enum Directive {
  /** Go on training. */
  CONTINUE,
  /** Save a checkpoint now (capacity is about to go away), then go on. */
  CHECKPOINT,
  /** Save a checkpoint and stop, keeping the model so far. */
  STOP
}
