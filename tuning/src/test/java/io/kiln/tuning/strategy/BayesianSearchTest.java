package io.kiln.tuning.strategy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.tuning.bench.TestFunction;
import io.kiln.tuning.space.ParameterRange;
import io.kiln.tuning.space.ScalingType;
import io.kiln.tuning.space.SearchSpace;
import io.kiln.tuning.strategy.gp.BoxMinimizer;
import io.kiln.tuning.strategy.gp.Lbfgs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BayesianSearchTest {
  private static final TestFunction BRANIN = TestFunction.BRANIN;

  @Test
  void sameSeedAndHistoryGiveTheSameSuggestions() {
    List<TrialView> a = Trials.run(new BayesianSearch(BRANIN.space(), 3), BRANIN::value, 12);
    List<TrialView> b = Trials.run(new BayesianSearch(BRANIN.space(), 3), BRANIN::value, 12);

    assertThat(a).isEqualTo(b);
    // A strategy created afresh (a restarted driver) proposes the same from the same history.
    BayesianSearch continuing = new BayesianSearch(BRANIN.space(), 3);
    Trials.run(continuing, BRANIN::value, 12, new ArrayList<>());
    assertThat(new BayesianSearch(BRANIN.space(), 3).suggest(a)).isEqualTo(continuing.suggest(a));
  }

  @Test
  void theKernelFitAndTheAcquisitionSearchUseTheMinimiserItIsGiven() {
    List<TrialView> history = Trials.run(new RandomSearch(BRANIN.space(), 0), BRANIN::value, 8);
    List<Double> gradientTolerances = new ArrayList<>();
    BoxMinimizer.Factory recording = (iterations, gradientTolerance, valueTolerance, maxStep) -> {
      gradientTolerances.add(gradientTolerance);
      return new Lbfgs(iterations, gradientTolerance, valueTolerance, maxStep);
    };
    BayesianSearch search = new BayesianSearch(BRANIN.space(), 3, 4, recording);

    // Kiln's own L-BFGS passed in proposes exactly what the default does.
    assertThat(search.suggest(history)).isEqualTo(new BayesianSearch(BRANIN.space(), 3, 4).suggest(history));
    assertThat(gradientTolerances).containsExactly(1e-5, 1e-7);
    // A minimiser that stays at its start changes the proposal: the search really goes through it.
    BoxMinimizer.Factory stay = (iterations, gradientTolerance, valueTolerance, maxStep) -> (f, start, lower, upper) ->
        new Lbfgs.Result(start.clone(), f.evaluate(start.clone(), new double[start.length]), 1);
    assertThat(new BayesianSearch(BRANIN.space(), 3, 4, stay).suggest(history)).isNotEqualTo(search.suggest(history));
  }

  @Test
  void differentSeedsGiveDifferentSuggestions() {
    BayesianSearch one = new BayesianSearch(BRANIN.space(), 1);
    BayesianSearch two = new BayesianSearch(BRANIN.space(), 2);
    List<TrialView> history = Trials.run(new RandomSearch(BRANIN.space(), 0), BRANIN::value, 8);

    assertThat(one.suggest(List.of())).isNotEqualTo(two.suggest(List.of()));
    assertThat(one.suggest(history)).isNotEqualTo(two.suggest(history));
  }

  @Test
  void beatsRandomSearchOnBraninInMedianRegretAfterThirtyTrials() {
    double[] bayesian = new double[5];
    double[] random = new double[5];
    for (int seed = 0; seed < 5; seed++) {
      bayesian[seed] = Trials.best(Trials.run(new BayesianSearch(BRANIN.space(), seed), BRANIN::value, 30))
          - BRANIN.minimum();
      random[seed] = Trials.best(Trials.run(new RandomSearch(BRANIN.space(), seed), BRANIN::value, 30))
          - BRANIN.minimum();
    }

    assertThat(median(bayesian)).isLessThan(median(random) / 10).isLessThan(0.05);
  }

  @Test
  void prefersAnUnexploredPromisingRegionToRefiningAWellKnownMinimum() {
    SearchSpace line = new SearchSpace(List.of(new ParameterRange.Continuous("x", 0, 1, ScalingType.Linear)));
    List<TrialView> history = new ArrayList<>();
    for (int i = 0; i <= 10; i++) {
      double x = i * 0.03;
      history.add(Trials.completed(i + 1, Map.of("x", Double.toString(x)), (x - 0.15) * (x - 0.15)));
    }
    history.add(Trials.completed(12, Map.of("x", "0.9"), 0.01));

    double next = Double.parseDouble(new BayesianSearch(line, 0).suggest(history).orElseThrow().hyperparameters()
        .get("x"));

    // Greedy use of the mean would refine x = 0.15 (loss 0, known to within 0.0002 around it).
    assertThat(next).isGreaterThan(0.4);
  }

  @Test
  void searchesLogarithmicRangesAcrossOrdersOfMagnitude() {
    SearchSpace lr = new SearchSpace(List.of(
        new ParameterRange.Continuous("learning_rate", 1e-6, 1, ScalingType.Logarithmic)));
    BayesianSearch search = new BayesianSearch(lr, 4);

    List<TrialView> history = Trials.run(search, p -> {
      double decade = Math.log10(Double.parseDouble(p.get("learning_rate")));
      return (decade + 4) * (decade + 4);
    }, 15);

    double[] values = history.stream().mapToDouble(t -> Double.parseDouble(t.hyperparameters().get("learning_rate")))
        .toArray();
    assertThat(Arrays.stream(values).max().orElseThrow() / Arrays.stream(values).min().orElseThrow())
        .isGreaterThan(1e4);
    assertThat(Arrays.stream(values).filter(v -> v < 1e-3).count()).isGreaterThanOrEqualTo(5);
    // The minimum at 1e-4 is found to within a tenth of a decade.
    assertThat(Trials.best(history)).isLessThan(0.01);
  }

  @Test
  void integersAndCategoriesComeBackValidAndWithoutDuplicates() {
    SearchSpace space = new SearchSpace(List.of(
        new ParameterRange.Integer("num_layers", 1, 4, ScalingType.Linear),
        new ParameterRange.Categorical("optimizer", List.of("sgd", "adam", "rmsprop"))));
    BayesianSearch search = new BayesianSearch(space, 6);

    List<TrialView> history = Trials.run(search, p -> Integer.parseInt(p.get("num_layers"))
        + (p.get("optimizer").equals("adam") ? 0 : 2.5), 12);

    Set<Map<String, String>> distinct = new HashSet<>();
    for (TrialView t : history) {
      assertThat(t.hyperparameters().get("num_layers")).isIn("1", "2", "3", "4");
      assertThat(t.hyperparameters().get("optimizer")).isIn("sgd", "adam", "rmsprop");
      distinct.add(t.hyperparameters());
    }
    assertThat(distinct).hasSize(12);
    Map<String, String> thirteenth = search.suggest(history).orElseThrow().hyperparameters();
    assertThat(distinct).contains(thirteenth);
  }

  @Test
  void mixedSpacesWithLogIntegersStayValidAndDistinct() {
    SearchSpace space = new SearchSpace(List.of(
        new ParameterRange.Integer("num_round", 1, 1000, ScalingType.Logarithmic),
        new ParameterRange.Integer("max_depth", 1, 6, ScalingType.Linear),
        new ParameterRange.Categorical("booster", List.of("gbtree", "gblinear", "dart"))));

    List<TrialView> history = Trials.run(new BayesianSearch(space, 8), p -> {
      double rounds = Math.log10(Long.parseLong(p.get("num_round")));
      return (rounds - 2) * (rounds - 2) + Math.abs(Long.parseLong(p.get("max_depth")) - 3)
          + (p.get("booster").equals("dart") ? 0 : 1);
    }, 30);

    Set<Map<String, String>> distinct = new HashSet<>();
    for (TrialView t : history) {
      assertThat(Long.parseLong(t.hyperparameters().get("num_round"))).isBetween(1L, 1000L);
      assertThat(Long.parseLong(t.hyperparameters().get("max_depth"))).isBetween(1L, 6L);
      distinct.add(t.hyperparameters());
    }
    assertThat(distinct).hasSize(30);
    assertThat(Trials.best(history)).isLessThan(0.05);
  }

  @Test
  void pendingTrialsGiveDifferentParallelSuggestions() {
    SearchSpace space = BRANIN.space();
    List<TrialView> history = Trials.run(new BayesianSearch(space, 5), BRANIN::value, 12);
    BayesianSearch search = new BayesianSearch(space, 5);

    List<double[]> parallel = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      Map<String, String> next = search.suggest(history).orElseThrow().hyperparameters();
      parallel.add(space.encode(next));
      history.add(Trials.running(history.size() + 1, next));
    }

    for (int i = 0; i < parallel.size(); i++) {
      for (int j = 0; j < i; j++) {
        assertThat(distance(parallel.get(i), parallel.get(j))).as("suggestions %d and %d", j, i).isGreaterThan(0.02);
      }
    }
  }

  @Test
  void warmStartHistoryChangesTheFirstSuggestion() {
    List<TrialView> parents = Trials.run(new RandomSearch(BRANIN.space(), 42), BRANIN::value, 10);
    BayesianSearch cold = new BayesianSearch(BRANIN.space(), 0);
    BayesianSearch warm = new BayesianSearch(BRANIN.space(), 0);

    Suggestion withoutHistory = cold.suggest(List.of()).orElseThrow();
    Suggestion withParents = warm.suggest(parents).orElseThrow();

    assertThat(withParents).isNotEqualTo(withoutHistory);
    assertThat(cold.model()).isEmpty();
    assertThat(warm.model()).hasValueSatisfying(gp -> assertThat(gp.observed()).isEqualTo(10));
  }

  @Test
  void failedTrialsAreNeitherModelledNorRepeated() {
    SearchSpace space = new SearchSpace(List.of(new ParameterRange.Integer("k", 1, 5, ScalingType.Linear)));
    List<TrialView> history = new ArrayList<>(List.of(Trials.completed(1, Map.of("k", "1"), 3.0),
        Trials.completed(2, Map.of("k", "3"), 1.0), Trials.failed(3, Map.of("k", "2"))));
    BayesianSearch search = new BayesianSearch(space, 0, 2);

    Map<String, String> next = search.suggest(history).orElseThrow().hyperparameters();

    assertThat(search.model()).hasValueSatisfying(gp -> assertThat(gp.observed()).isEqualTo(2));
    assertThat(next.get("k")).isIn("4", "5");
  }

  @Test
  void skipsParentTrialsThatDoNotFitTheSpace() {
    List<TrialView> history = new ArrayList<>(Trials.run(new RandomSearch(BRANIN.space(), 1), BRANIN::value, 4));
    history.add(Trials.completed(5, Map.of("x0", "2.5"), 1.0));
    history.add(Trials.completed(6, Map.of("x0", "abc", "x1", "3"), 1.0));
    BayesianSearch search = new BayesianSearch(BRANIN.space(), 0);

    Map<String, String> next = search.suggest(history).orElseThrow().hyperparameters();

    assertThat(search.model()).hasValueSatisfying(gp -> assertThat(gp.observed()).isEqualTo(4));
    assertThat(next).containsOnlyKeys("x0", "x1");
  }

  private static double distance(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += (a[i] - b[i]) * (a[i] - b[i]);
    }
    return Math.sqrt(sum);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
