package io.kiln.tuning.stopping;

import io.kiln.tuning.strategy.TrialView;
import java.util.List;

/** Whether a running trial should stop now, from the per-round objective of every trial. */
public interface EarlyStoppingRule {
  boolean shouldStop(TrialView running, List<TrialView> others);
}
