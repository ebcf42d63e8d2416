package io.kiln.tuning.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spi.KilnException;
import io.kiln.tuning.space.ParameterRange;
import io.kiln.tuning.space.ScalingType;
import io.kiln.tuning.space.SearchSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HyperbandSearchTest {
  static final SearchSpace SPACE = new SearchSpace(List.of(
      new ParameterRange.Continuous("x", 0, 1, ScalingType.Linear)));

  @Test
  void thePlanFollowsSuccessiveHalvingWithEtaThree() {
    List<HyperbandSearch.Slot> plan = HyperbandSearch.plan(1, 27);
    // brackets s = 3..0: (27 x 1, 9 x 3, 3 x 9, 1 x 27), (12 x 3, 4 x 9, 1 x 27), (6 x 9, 2 x 27), (4 x 27)
    assertThat(plan).filteredOn(s -> s.bracket() == 0).extracting(HyperbandSearch.Slot::resource)
        .containsExactly(fill(27, 1, 9, 3, 3, 9, 1, 27));
    assertThat(plan).filteredOn(s -> s.bracket() == 1).extracting(HyperbandSearch.Slot::resource)
        .containsExactly(fill(12, 3, 4, 9, 1, 27));
    assertThat(plan).filteredOn(s -> s.bracket() == 3).extracting(HyperbandSearch.Slot::resource)
        .containsExactly(fill(4, 27));
    assertThat(plan).hasSize(27 + 9 + 3 + 1 + 12 + 4 + 1 + 6 + 2 + 4);
    // first rungs of every bracket come first, then second rungs ...
    assertThat(plan.subList(0, 27 + 12 + 6 + 4)).allMatch(s -> s.rung() == 0);
  }

  static Integer[] fill(int... countAndResource) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < countAndResource.length; i += 2) {
      for (int j = 0; j < countAndResource[i]; j++) {
        out.add(countAndResource[i + 1]);
      }
    }
    return out.toArray(Integer[]::new);
  }

  @Test
  void promotionsWaitForTheirRungAndContinueTheBestTrials() {
    HyperbandSearch h = new HyperbandSearch(SPACE, 1, 9, 100, 5);
    List<TrialView> history = new ArrayList<>();
    // run until the first promotion is due, every trial finishing with loss = x
    while (true) {
      Optional<Suggestion> s = h.suggest(history);
      assertThat(s).isPresent();
      if (s.get().continueFrom() != 0) {
        break;
      }
      history.add(finished(history.size() + 1, s.get()));
    }
    // bracket 0 is (9 x 1, 3 x 3, 1 x 9): with a rung-0 trial still running, the promotion waits
    TrialView last = history.get(history.size() - 1);
    List<TrialView> pending = new ArrayList<>(history);
    pending.set(0, new TrialView(1, history.get(0).hyperparameters(), TrialState.RUNNING, Double.NaN, List.of(), 1, 0));
    assertThat(h.suggest(pending)).isEmpty();
    // the three best of bracket 0's first rung are promoted to 3 rounds, continuing from them
    List<TrialView> bracket0 = history.subList(0, 9);
    List<Integer> best = bracket0.stream().sorted((a, b) -> Double.compare(a.loss(), b.loss()))
        .map(TrialView::number).limit(3).toList();
    List<Integer> promoted = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Suggestion s = h.suggest(history).orElseThrow();
      assertThat(s.resource()).isEqualTo(3);
      promoted.add(s.continueFrom());
      assertThat(s.hyperparameters()).isEqualTo(byNumber(history, s.continueFrom()).hyperparameters());
      history.add(new TrialView(history.size() + 1, s.hyperparameters(), TrialState.COMPLETED,
          Double.parseDouble(s.hyperparameters().get("x")) / 2, List.of(), s.resource(), s.continueFrom()));
    }
    assertThat(promoted).containsExactlyElementsOf(best);
    assertThat(last.state()).isEqualTo(TrialState.COMPLETED);
  }

  @Test
  void theSameSeedAndHistoryGiveTheSameSuggestions() {
    HyperbandSearch a = new HyperbandSearch(SPACE, 1, 27, 50, 9);
    HyperbandSearch b = new HyperbandSearch(SPACE, 1, 27, 50, 9);
    HyperbandSearch c = new HyperbandSearch(SPACE, 1, 27, 50, 10);
    assertThat(a.suggest(List.of())).isEqualTo(b.suggest(List.of()));
    assertThat(a.suggest(List.of())).isNotEqualTo(c.suggest(List.of()));
  }

  @Test
  void theTrialLimitCapsThePlan() {
    HyperbandSearch h = new HyperbandSearch(SPACE, 1, 27, 10, 1);
    List<TrialView> history = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      history.add(finished(i + 1, h.suggest(history).orElseThrow()));
    }
    assertThat(h.suggest(history)).isEmpty();
    assertThat(h.finished(history)).isTrue();
  }

  @Test
  void resourcesMustBeOrdered() {
    assertThatThrownBy(() -> new HyperbandSearch(SPACE, 5, 5, 10, 1)).isInstanceOf(KilnException.class)
        .hasMessageContaining("1 <= MinResource < MaxResource");
  }

  static TrialView finished(int number, Suggestion s) {
    double x = Double.parseDouble(s.hyperparameters().get("x"));
    return new TrialView(number, s.hyperparameters(), TrialState.COMPLETED, x, List.of(x), s.resource(), s.continueFrom());
  }

  static TrialView byNumber(List<TrialView> history, int n) {
    return history.stream().filter(t -> t.number() == n).findFirst().orElseThrow();
  }

  static Map<String, String> hp(double x) {
    return Map.of("x", Double.toString(x));
  }
}
