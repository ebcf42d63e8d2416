package io.kiln.tuning.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.tuning.space.ParameterRange;
import io.kiln.tuning.space.ScalingType;
import io.kiln.tuning.space.SearchSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GridSearchTest {
  private static final SearchSpace SPACE = new SearchSpace(List.of(
      new ParameterRange.Categorical("booster", List.of("gbtree", "dart")),
      new ParameterRange.Categorical("max_depth", List.of("3", "6", "9"))));

  @Test
  void enumeratesEveryCombinationInGridOrderThenFinishes() {
    GridSearch grid = new GridSearch(SPACE);
    List<TrialView> history = new ArrayList<>();

    while (!grid.finished(history)) {
      Suggestion next = grid.suggest(history).orElseThrow();
      history.add(Trials.completed(history.size() + 1, next.hyperparameters(), 0.5));
    }

    assertThat(history).extracting(TrialView::hyperparameters).containsExactly(
        Map.of("booster", "gbtree", "max_depth", "3"), Map.of("booster", "gbtree", "max_depth", "6"),
        Map.of("booster", "gbtree", "max_depth", "9"), Map.of("booster", "dart", "max_depth", "3"),
        Map.of("booster", "dart", "max_depth", "6"), Map.of("booster", "dart", "max_depth", "9"));
    assertThat(grid.size()).isEqualTo(6);
    assertThat(grid.suggest(history)).isEmpty();
  }

  @Test
  void skipsCombinationsAlreadyTriedInAnyState() {
    List<TrialView> history = List.of(
        Trials.running(1, Map.of("booster", "gbtree", "max_depth", "3")),
        Trials.failed(2, Map.of("booster", "gbtree", "max_depth", "6")));

    Suggestion next = new GridSearch(SPACE).suggest(history).orElseThrow();

    assertThat(next.hyperparameters()).isEqualTo(Map.of("booster", "gbtree", "max_depth", "9"));
    assertThat(new GridSearch(SPACE).finished(history)).isFalse();
  }

  @Test
  void refusesASpaceWithANonCategoricalRange() {
    SearchSpace mixed = new SearchSpace(List.of(new ParameterRange.Categorical("booster", List.of("gbtree")),
        new ParameterRange.Continuous("eta", 0.1, 0.5, ScalingType.Auto)));

    assertThatThrownBy(() -> new GridSearch(mixed))
        .isInstanceOf(KilnException.class)
        .satisfies(e -> assertThat(((KilnException) e).type()).isEqualTo(ErrorType.USER))
        .hasMessageContaining("eta")
        .hasMessageContaining("ContinuousParameterRange")
        .hasMessageContaining("Grid needs categorical ranges only");
  }
}
