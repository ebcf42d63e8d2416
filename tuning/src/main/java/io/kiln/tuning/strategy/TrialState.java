package io.kiln.tuning.strategy;

/** Where a trial is, as a strategy sees it. */
public enum TrialState {
  /** Proposed and running (or waiting for its slots): no final objective yet. */
  RUNNING,
  /** Finished with a final objective value. */
  COMPLETED,
  /** Ended early by the early-stopping rule, with the objective it reached. */
  STOPPED,
  /** Failed: no objective. */
  FAILED
}
