package io.kiln.tuning.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.tuning.space.SearchSpace;
import io.kiln.tuning.strategy.BayesianSearch;
import io.kiln.tuning.strategy.RandomSearch;
import io.kiln.tuning.strategy.SearchStrategy;
import io.kiln.tuning.strategy.Suggestion;
import io.kiln.tuning.strategy.TrialState;
import io.kiln.tuning.strategy.TrialView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * Tuning strategies on standard test functions: median simple regret (best loss found minus the
 * known minimum) after a number of trials over several seeds, for Bayesian and Random search, beside
 * a reference TPE run (Optuna, results read from JSON written by scripts/bench/optuna_tpe.py); and
 * the suggestion latency of Bayesian search at a given number of observations. Prints; asserts
 * nothing.
 *
 * <pre>
 * TuningBenchmark [--functions branin,hartmann6,camel,rosenbrock4,levy4] [--seeds 10] [--trials 20,50]
 *                 [--tpe DIR] [--latency 200,750] [--latency-calls 15] [--no-regret]
 * </pre>
 */
public final class TuningBenchmark {
  /** Median regret at the last checkpoint, by "function/strategy"; latencies by observations. */
  private static final Map<String, Double> FINAL_REGRET = new LinkedHashMap<>();
  private static final Map<Integer, double[]> LATENCY = new LinkedHashMap<>();

  private TuningBenchmark() {
  }

  public static void main(String[] args) throws IOException {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--no-regret")) {
        options.put("no-regret", "true");
      } else {
        options.put(args[i].replaceFirst("^--", ""), args[++i]);
      }
    }
    List<String> functions = List.of(options.getOrDefault("functions", "branin,hartmann6,camel,rosenbrock4,levy4")
        .split(","));
    int seeds = Integer.parseInt(options.getOrDefault("seeds", "10"));
    int[] checkpoints = Arrays.stream(options.getOrDefault("trials", "20,50").split(",")).mapToInt(Integer::parseInt)
        .toArray();
    Path tpe = options.containsKey("tpe") ? Path.of(options.get("tpe")) : null;

    if (!options.containsKey("no-regret")) {
      regret(functions, seeds, checkpoints, tpe);
    }
    if (!options.getOrDefault("latency", "200,750").isEmpty()) {
      int calls = Integer.parseInt(options.getOrDefault("latency-calls", "15"));
      for (String n : options.getOrDefault("latency", "200,750").split(",")) {
        latency(Integer.parseInt(n), calls);
      }
    }
    goals(checkpoints[checkpoints.length - 1]);
  }

  /** The targets set for Bayesian search, checked against what was measured (printed, not enforced). */
  private static void goals(int trials) {
    System.out.println("== goals");
    for (String function : List.of("branin", "hartmann6")) {
      Double bayesian = FINAL_REGRET.get(function + "/bayesian");
      Double tpe = FINAL_REGRET.get(function + "/tpe");
      if (bayesian != null && tpe != null) {
        System.out.printf(Locale.ROOT, "%-9s Bayesian median regret @%d %.3g <= TPE's / 5 = %.3g: %s%n", function,
            trials, bayesian, tpe / 5, bayesian <= tpe / 5 ? "met" : "NOT met");
      }
    }
    Map<Integer, Double> limits = Map.of(200, 200.0, 750, 1000.0);
    for (Map.Entry<Integer, double[]> e : LATENCY.entrySet()) {
      Double limit = limits.get(e.getKey());
      if (limit != null) {
        System.out.printf(Locale.ROOT, "latency at %d observations: median %.0f ms, p90 %.0f ms <= %.0f ms: %s%n",
            e.getKey(), e.getValue()[0], e.getValue()[1], limit, e.getValue()[0] <= limit ? "met (median)"
                : "NOT met");
      }
    }
  }

  private static void regret(List<String> functions, int seeds, int[] checkpoints, Path tpe) throws IOException {
    int trials = Arrays.stream(checkpoints).max().orElseThrow();
    System.out.printf(Locale.ROOT, "== median simple regret over %d seeds (seeds 0..%d), same budget for all%n", seeds,
        seeds - 1);
    StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-12s %-10s", "function", "strategy"));
    for (int c : checkpoints) {
      header.append(String.format(Locale.ROOT, " %12s", "@" + c));
    }
    header.append(String.format(Locale.ROOT, " %14s", "ms/suggestion"));
    System.out.println(header);
    Map<String, BiFunction<SearchSpace, Long, SearchStrategy>> strategies = new LinkedHashMap<>();
    strategies.put("bayesian", BayesianSearch::new);
    strategies.put("random", RandomSearch::new);
    for (String id : functions) {
      TestFunction function = TestFunction.byId(id);
      for (Map.Entry<String, BiFunction<SearchSpace, Long, SearchStrategy>> strategy : strategies.entrySet()) {
        double[][] regrets = new double[checkpoints.length][seeds];
        long nanos = 0;
        for (int seed = 0; seed < seeds; seed++) {
          SearchStrategy s = strategy.getValue().apply(function.space(), (long) seed);
          long start = System.nanoTime();
          double[] best = run(function, s, trials);
          nanos += System.nanoTime() - start;
          for (int c = 0; c < checkpoints.length; c++) {
            regrets[c][seed] = best[checkpoints[c] - 1] - function.minimum();
          }
        }
        print(id, strategy.getKey(), regrets, nanos / 1e6 / seeds / trials);
      }
      if (tpe != null) {
        Path file = tpe.resolve("tpe-" + id + ".json");
        if (Files.exists(file)) {
          JsonNode json = new ObjectMapper().readTree(file.toFile());
          double[][] regrets = new double[checkpoints.length][];
          for (int c = 0; c < checkpoints.length; c++) {
            JsonNode values = json.path("regret").path(Integer.toString(checkpoints[c]));
            regrets[c] = new double[values.size()];
            for (int i = 0; i < values.size(); i++) {
              regrets[c][i] = values.get(i).asDouble();
            }
          }
          print(id, "tpe", regrets, json.path("seconds").asDouble() * 1000 / json.path("seeds").asInt(1) / trials);
        }
      }
    }
  }

  private static void print(String function, String strategy, double[][] regrets, double msPerSuggestion) {
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-12s %-10s", function, strategy));
    StringBuilder result = new StringBuilder("RESULT function=" + function + " strategy=" + strategy);
    for (double[] r : regrets) {
      line.append(String.format(Locale.ROOT, " %12.4g", median(r)));
      result.append(" regret=").append(median(r));
    }
    line.append(String.format(Locale.ROOT, " %14.1f", msPerSuggestion));
    FINAL_REGRET.put(function + "/" + strategy, median(regrets[regrets.length - 1]));
    System.out.println(line);
    System.out.println(result);
  }

  /** Best loss so far after each trial. */
  static double[] run(TestFunction function, SearchStrategy strategy, int trials) {
    List<TrialView> history = new ArrayList<>();
    double[] best = new double[trials];
    double incumbent = Double.POSITIVE_INFINITY;
    for (int t = 0; t < trials; t++) {
      Suggestion s = strategy.suggest(history).orElseThrow();
      double loss = function.value(s.hyperparameters());
      history.add(new TrialView(t + 1, s.hyperparameters(), TrialState.COMPLETED, loss, List.of(), 0, 0));
      incumbent = Math.min(incumbent, loss);
      best[t] = incumbent;
    }
    return best;
  }

  /**
   * Bayesian search on Hartmann-6 with {@code observations} random trials done: {@code calls}
   * suggestions in a row, each evaluated and added before the next (so each refit warm-starts from
   * the last), after a warm-up of the JIT at 50 observations.
   */
  private static void latency(int observations, int calls) {
    TestFunction function = TestFunction.HARTMANN6;
    SearchSpace space = function.space();
    Random random = new Random(observations);
    List<TrialView> history = new ArrayList<>();
    for (int i = 0; i < observations; i++) {
      Map<String, String> x = space.sample(random);
      history.add(new TrialView(i + 1, x, TrialState.COMPLETED, function.value(x), List.of(), 0, 0));
    }
    BayesianSearch warmup = new BayesianSearch(space, 1);
    for (int i = 0; i < 5; i++) {
      warmup.suggest(history.subList(0, Math.min(50, observations)));
    }
    BayesianSearch search = new BayesianSearch(space, 0);
    double[] ms = new double[calls];
    for (int c = 0; c < calls; c++) {
      long start = System.nanoTime();
      Suggestion s = search.suggest(history).orElseThrow();
      ms[c] = (System.nanoTime() - start) / 1e6;
      history.add(new TrialView(history.size() + 1, s.hyperparameters(), TrialState.COMPLETED,
          function.value(s.hyperparameters()), List.of(), 0, 0));
    }
    double[] warm = Arrays.copyOfRange(ms, 1, calls);
    System.out.printf(Locale.ROOT, "== Bayesian suggestion latency at %d observations (Hartmann-6, %d calls): "
        + "median %.0f ms, p90 %.0f ms, first (cold fit) %.0f ms, warm median %.0f ms%n", observations, calls, median(ms),
        quantile(ms, 0.9), ms[0], median(warm));
    LATENCY.put(observations, new double[] {median(ms), quantile(ms, 0.9)});
    System.out.printf(Locale.ROOT, "RESULT latency observations=%d median_ms=%.1f p90_ms=%.1f cold_ms=%.1f%n",
        observations, median(ms), quantile(ms, 0.9), ms[0]);
  }

  static double median(double[] values) {
    return quantile(values, 0.5);
  }

  /** Linear interpolation between order statistics (NumPy's default). */
  static double quantile(double[] values, double q) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double position = q * (sorted.length - 1);
    int lo = (int) Math.floor(position);
    int hi = (int) Math.ceil(position);
    return sorted[lo] + (position - lo) * (sorted[hi] - sorted[lo]);
  }
}
