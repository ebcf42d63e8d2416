package io.kiln.tuning.strategy;

import io.kiln.spi.KilnException;
import io.kiln.tuning.space.SearchSpace;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Hyperband (Li et al., JMLR 2018): brackets of successive halving over a resource (rounds for
 * XGBoost, epochs elsewhere) between {@code minResource} and {@code maxResource}, with reduction
 * factor {@code eta} = 3. Each bracket starts many configurations on a small resource and promotes
 * the best third to three times the resource, until one reaches {@code maxResource}. A promoted
 * trial continues from its parent's checkpoint instead of training again from scratch.
 *
 * <p>The plan is fixed by the resources: trial {@code k} fills slot {@code k} of the plan (every
 * bracket's first rung, then every bracket's second rung, and so on), so the strategy needs no state
 * beyond the history. A promotion waits until every trial of the rung below has finished.
 */
public final class HyperbandSearch implements SearchStrategy {
  static final int ETA = 3;

  private final SearchSpace space;
  private final long seed;
  private final int maxTrials;
  private final List<Slot> plan;

  /** One planned trial: its bracket, rung, place in the rung, and resource. */
  record Slot(int bracket, int rung, int index, int resource) {}

  public HyperbandSearch(SearchSpace space, int minResource, int maxResource, int maxTrials, long seed) {
    if (minResource < 1 || maxResource <= minResource) {
      throw KilnException.user("Hyperband needs 1 <= MinResource < MaxResource, not MinResource " + minResource
          + " and MaxResource " + maxResource);
    }
    this.space = space;
    this.seed = seed;
    this.maxTrials = maxTrials;
    this.plan = plan(minResource, maxResource);
  }

  static List<Slot> plan(int minResource, int maxResource) {
    int sMax = (int) Math.floor(Math.log((double) maxResource / minResource) / Math.log(ETA) + 1e-9);
    List<List<Slot>> rungs = new ArrayList<>();
    for (int s = sMax, bracket = 0; s >= 0; s--, bracket++) {
      int n = (int) Math.ceil((double) (sMax + 1) / (s + 1) * Math.pow(ETA, s));
      double r = maxResource * Math.pow(ETA, -s);
      for (int i = 0; i <= s; i++) {
        int ni = Math.max(1, (int) Math.floor(n * Math.pow(ETA, -i)));
        int ri = (int) Math.max(minResource, Math.min(maxResource, Math.round(r * Math.pow(ETA, i))));
        while (rungs.size() <= i) {
          rungs.add(new ArrayList<>());
        }
        for (int j = 0; j < ni; j++) {
          rungs.get(i).add(new Slot(bracket, i, j, ri));
        }
      }
    }
    List<Slot> out = new ArrayList<>();
    rungs.forEach(out::addAll);
    return out;
  }

  /** The whole plan, in trial order. */
  List<Slot> plan() {
    return plan;
  }

  /** Trials the plan holds, capped by the tuning job's limit. */
  public int plannedTrials() {
    return Math.min(plan.size(), maxTrials);
  }

  @Override
  public Optional<Suggestion> suggest(List<TrialView> history) {
    int k = history.size();
    if (k >= plannedTrials()) {
      return Optional.empty();
    }
    Slot slot = plan.get(k);
    if (slot.rung() == 0) {
      return Optional.of(new Suggestion(space.sample(Seeds.forCall(seed, k, 0x4879)), slot.resource(), 0));
    }
    List<TrialView> below = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      Slot s = plan.get(i);
      if (s.bracket() == slot.bracket() && s.rung() == slot.rung() - 1) {
        below.add(byNumber(history, i + 1));
      }
    }
    if (below.stream().anyMatch(t -> t.state() == TrialState.RUNNING)) {
      return Optional.empty();
    }
    below.sort(Comparator.comparingDouble((TrialView t) -> t.hasLoss() ? t.loss() : Double.POSITIVE_INFINITY)
        .thenComparingInt(TrialView::number));
    if (slot.index() >= below.size() || !below.get(slot.index()).hasLoss()) {
      // the rung below has too few trials with an objective (failures): promote nothing more
      return Optional.of(new Suggestion(space.sample(Seeds.forCall(seed, k, 0x4879)), slot.resource(), 0));
    }
    TrialView parent = below.get(slot.index());
    return Optional.of(new Suggestion(parent.hyperparameters(), slot.resource(), parent.number()));
  }

  @Override
  public boolean finished(List<TrialView> history) {
    return history.size() >= plannedTrials();
  }

  private static TrialView byNumber(List<TrialView> history, int number) {
    for (TrialView t : history) {
      if (t.number() == number) {
        return t;
      }
    }
    throw new IllegalStateException("no trial " + number + " in the history");
  }
}
