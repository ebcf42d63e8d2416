package io.kiln.tuning.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.tuning.space.ParameterRange;
import io.kiln.tuning.space.ScalingType;
import io.kiln.tuning.space.SearchSpace;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RandomSearchTest {
  private static final SearchSpace MIXED = new SearchSpace(List.of(
      new ParameterRange.Continuous("eta", 0.01, 0.5, ScalingType.Linear),
      new ParameterRange.Integer("max_depth", 1, 10, ScalingType.Linear),
      new ParameterRange.Categorical("booster", List.of("gbtree", "dart"))));

  @Test
  void sameSeedAndHistoryGiveTheSameSuggestion() {
    List<TrialView> history = Trials.run(new RandomSearch(MIXED, 7), p -> 1.0, 5);

    Suggestion a = new RandomSearch(MIXED, 7).suggest(history).orElseThrow();
    Suggestion b = new RandomSearch(MIXED, 7).suggest(history).orElseThrow();

    assertThat(a).isEqualTo(b);
  }

  @Test
  void differentSeedsGiveDifferentSuggestions() {
    Suggestion a = new RandomSearch(MIXED, 1).suggest(List.of()).orElseThrow();
    Suggestion b = new RandomSearch(MIXED, 2).suggest(List.of()).orElseThrow();

    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void suggestionsChangeAsTheHistoryGrows() {
    List<TrialView> history = Trials.run(new RandomSearch(MIXED, 3), p -> 1.0, 20);

    Set<Map<String, String>> distinct = new HashSet<>();
    history.forEach(t -> distinct.add(t.hyperparameters()));

    assertThat(distinct).hasSize(20);
  }

  @Test
  void neverRepeatsAConfigurationWhileTheSpaceHasUntriedOnes() {
    SearchSpace small = new SearchSpace(List.of(new ParameterRange.Integer("num_layers", 1, 4, ScalingType.Linear),
        new ParameterRange.Categorical("optimizer", List.of("sgd", "adam", "rmsprop"))));

    List<TrialView> history = Trials.run(new RandomSearch(small, 11), p -> 1.0, 12);

    Set<Map<String, String>> distinct = new HashSet<>();
    history.forEach(t -> distinct.add(t.hyperparameters()));
    assertThat(distinct).hasSize(12);
    // The space is exhausted: the strategy still answers, with a valid configuration.
    Map<String, String> thirteenth = new RandomSearch(small, 11).suggest(history).orElseThrow().hyperparameters();
    assertThat(distinct).contains(thirteenth);
  }

  @Test
  void runningAndFailedTrialsCountAsTried() {
    SearchSpace pair = new SearchSpace(List.of(new ParameterRange.Categorical("loss", List.of("l1", "l2"))));
    List<TrialView> history = new ArrayList<>();
    history.add(Trials.running(1, Map.of("loss", "l1")));

    assertThat(new RandomSearch(pair, 0).suggest(history).orElseThrow().hyperparameters()).containsEntry("loss", "l2");
    history.set(0, Trials.failed(1, Map.of("loss", "l2")));
    assertThat(new RandomSearch(pair, 0).suggest(history).orElseThrow().hyperparameters()).containsEntry("loss", "l1");
  }

  @Test
  void samplesLogarithmicRangesUniformlyInLogSpace() {
    SearchSpace lr = new SearchSpace(List.of(
        new ParameterRange.Continuous("learning_rate", 1e-6, 1, ScalingType.Logarithmic)));

    List<TrialView> history = Trials.run(new RandomSearch(lr, 5), p -> 1.0, 400);

    long belowMilli = history.stream()
        .filter(t -> Double.parseDouble(t.hyperparameters().get("learning_rate")) < 1e-3).count();
    // Half of [1e-6, 1] in log space lies below 1e-3; a linear draw would put 0.1% there.
    assertThat(belowMilli).isBetween(160L, 240L);
  }
}
