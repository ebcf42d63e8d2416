package io.kiln.tuning.strategy;

import io.kiln.spi.KilnException;
import io.kiln.tuning.space.ParameterRange;
import io.kiln.tuning.space.SearchSpace;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * SageMaker's Grid strategy: every combination of categorical values once, in the order of
 * {@link SearchSpace#grid()} (the last range varies fastest), skipping combinations already tried.
 */
public final class GridSearch implements SearchStrategy {
  private final SearchSpace space;
  private final List<Map<String, String>> grid;

  public GridSearch(SearchSpace space) {
    for (ParameterRange range : space.ranges()) {
      if (!(range instanceof ParameterRange.Categorical)) {
        String kind = range instanceof ParameterRange.Integer ? "an IntegerParameterRange"
            : "a ContinuousParameterRange";
        throw KilnException.user("Cannot use the Grid strategy: hyperparameter " + range.name() + " is " + kind
            + ", and Grid needs categorical ranges only; make it a CategoricalParameterRange with the values to try,"
            + " or use Random or Bayesian");
      }
    }
    this.space = space;
    this.grid = space.grid();
  }

  /** Combinations in all: SageMaker's job count for Grid. */
  public int size() {
    return grid.size();
  }

  @Override
  public Optional<Suggestion> suggest(List<TrialView> history) {
    History tried = History.of(space, history);
    return grid.stream().filter(combination -> !tried.taken(combination)).findFirst().map(Suggestion::of);
  }

  @Override
  public boolean finished(List<TrialView> history) {
    return suggest(history).isEmpty();
  }
}
