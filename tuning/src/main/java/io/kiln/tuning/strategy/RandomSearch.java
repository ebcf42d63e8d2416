package io.kiln.tuning.strategy;

import io.kiln.tuning.space.ParameterRange;
import io.kiln.tuning.space.SearchSpace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * SageMaker's Random strategy: each trial uniform in the search space's unit cube (so log-scaled
 * ranges are sampled uniformly in log space), never repeating a configuration already tried while an
 * untried one exists. Suggestions depend only on the seed and the history.
 */
public final class RandomSearch implements SearchStrategy {
  /** Draws before a discrete space is enumerated to find what is left. */
  static final int DRAWS = 32;
  /** Discrete spaces up to this many configurations are enumerated when draws keep colliding. */
  static final long ENUMERATION_LIMIT = 100_000;

  private final SearchSpace space;
  private final long seed;

  public RandomSearch(SearchSpace space, long seed) {
    this.space = space;
    this.seed = seed;
  }

  @Override
  public Optional<Suggestion> suggest(List<TrialView> history) {
    Random random = Seeds.forCall(seed, history.size(), 1);
    return Optional.of(Suggestion.of(untried(space, History.of(space, history), random)));
  }

  /**
   * A uniform configuration not tried before: a few draws, then (for a small discrete space) a
   * uniform choice among what is left. When everything was tried, a uniform draw.
   */
  static Map<String, String> untried(SearchSpace space, History history, Random random) {
    Map<String, String> draw = space.sample(random);
    for (int k = 1; k < DRAWS && history.taken(draw); k++) {
      draw = space.sample(random);
    }
    if (!history.taken(draw)) {
      return draw;
    }
    List<Map<String, String>> left = remaining(space, history);
    return left.isEmpty() ? draw : left.get(random.nextInt(left.size()));
  }

  /** Untried configurations of a discrete space small enough to list; empty otherwise. */
  private static List<Map<String, String>> remaining(SearchSpace space, History history) {
    List<ParameterRange> ranges = space.ranges();
    long[] sizes = new long[ranges.size()];
    long total = 1;
    for (int i = 0; i < ranges.size(); i++) {
      ParameterRange r = ranges.get(i);
      if (r instanceof ParameterRange.Continuous) {
        return List.of();
      }
      sizes[i] = r instanceof ParameterRange.Integer ir ? ir.max() - ir.min() + 1
          : ((ParameterRange.Categorical) r).values().size();
      if (sizes[i] <= 0 || sizes[i] > ENUMERATION_LIMIT || total * sizes[i] > ENUMERATION_LIMIT) {
        return List.of();
      }
      total *= sizes[i];
    }
    List<Map<String, String>> left = new ArrayList<>();
    for (long index = 0; index < total; index++) {
      Map<String, String> configuration = new LinkedHashMap<>();
      long rest = index;
      for (int i = ranges.size() - 1; i >= 0; i--) {
        long digit = rest % sizes[i];
        rest /= sizes[i];
        ParameterRange r = ranges.get(i);
        configuration.put(r.name(), r instanceof ParameterRange.Integer ir ? Long.toString(ir.min() + digit)
            : ((ParameterRange.Categorical) r).values().get((int) digit));
      }
      if (!history.taken(configuration)) {
        left.add(configuration);
      }
    }
    return left;
  }
}
