package io.kiln.spi;

/** What kind of failure an error is, which decides what the runtime does about it. */
public enum ErrorType {
  /** Bad spec, bad hyperparameter, bad data: reported as the failure reason, never retried. */
  USER,
  /** The algorithm itself failed on valid input. */
  ALGORITHM,
  /** Capacity went away (lost executor, spot reclaim): resume from the newest checkpoint. */
  CAPACITY,
  /** A fault in Kiln or its environment that is neither of the above. */
  INTERNAL
}
