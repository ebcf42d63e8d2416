package io.kiln.tuning.bench;

import io.kiln.tuning.space.SearchSpace;
import io.kiln.tuning.strategy.BayesianSearch;
import io.kiln.tuning.strategy.Suggestion;
import io.kiln.tuning.strategy.TrialState;
import io.kiln.tuning.strategy.TrialView;
import io.kiln.tuning.strategy.gp.BoxMinimizer;
import io.kiln.tuning.strategy.gp.GaussianProcess;
import io.kiln.tuning.strategy.gp.Lbfgs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Kiln's hand-written L-BFGS ({@link Lbfgs}) against Breeze's bounded L-BFGS ({@link BreezeLbfgsb}) inside
 * Bayesian search, on scripts/bench-tuning's test functions and seeds: for issue 10 item 7's rule
 * "replace ours with Breeze's if it gives the same proposals within 1e-6 and no slower fits".
 *
 * <p>Two strategies with the same seed, one per optimiser, are shown the same history at every step
 * (the history Kiln's own strategy produces: its proposal is evaluated and appended), so each
 * model-based proposal is compared on equal inputs. Up to 60 observations a suggestion depends only
 * on the seed and the history (BayesianSearch.COLD_FITS_UP_TO), so this is exactly the comparison of
 * the two optimisers. Per model-based suggestion it records: the largest coordinate difference of the
 * two proposals in the unit cube the strategy searches; the largest difference of the fitted log
 * hyperparameters (log length scales, log signal and noise variances) and of the fitted model's log
 * marginal likelihood; and the wall time spent inside each optimiser, split into the kernel fit (the
 * minimiser asked for gradient tolerance 1e-5) and the acquisition search (1e-7). Which optimiser runs
 * first alternates from step to step, after a discarded warm-up, so both share the machine's load.
 *
 * <p>Optionally ({@code --latency N}) the same on bench-tuning's latency case: Hartmann-6 with N random
 * observations and 15 suggestions in a row, where fits warm-start from each strategy's previous fit.
 *
 * <pre>
 * LbfgsBenchmark [--functions branin,hartmann6,camel,rosenbrock4,levy4] [--seeds 10] [--trials 50]
 *                [--latency 200] [--latency-calls 15]
 * </pre>
 * Prints a table and RESULT lines; asserts nothing.
 */
public final class LbfgsBenchmark {
  private static final double SAME = 1e-6;

  private LbfgsBenchmark() {
  }

  /** Wall time spent inside the minimisers a strategy made, by search. */
  private static final class Clock {
    long fitNanos;
    long acquisitionNanos;
    long fitEvaluations;

    void reset() {
      fitNanos = 0;
      acquisitionNanos = 0;
      fitEvaluations = 0;
    }

    BoxMinimizer.Factory timing(BoxMinimizer.Factory inner) {
      return (maxIterations, gradientTolerance, valueTolerance, maxStep) -> {
        BoxMinimizer m = inner.create(maxIterations, gradientTolerance, valueTolerance, maxStep);
        boolean fit = gradientTolerance == 1e-5;
        return (f, start, lower, upper) -> {
          long t0 = System.nanoTime();
          Lbfgs.Result r = m.minimize(f, start, lower, upper);
          long dt = System.nanoTime() - t0;
          if (fit) {
            fitNanos += dt;
            fitEvaluations += r.evaluations();
          } else {
            acquisitionNanos += dt;
          }
          return r;
        };
      };
    }
  }

  /** What one comparison collected: per model-based suggestion, differences and times. */
  private static final class Tally {
    final List<Double> proposal = new ArrayList<>();
    final List<Double> hyper = new ArrayList<>();
    final List<Double> lml = new ArrayList<>();
    final List<Double> oursFitMs = new ArrayList<>();
    final List<Double> breezeFitMs = new ArrayList<>();
    final List<Double> oursAcqMs = new ArrayList<>();
    final List<Double> breezeAcqMs = new ArrayList<>();
    long oursEvaluations;
    long breezeEvaluations;
    int breezeHigherLml;

    void add(Tally o) {
      proposal.addAll(o.proposal);
      hyper.addAll(o.hyper);
      lml.addAll(o.lml);
      oursFitMs.addAll(o.oursFitMs);
      breezeFitMs.addAll(o.breezeFitMs);
      oursAcqMs.addAll(o.oursAcqMs);
      breezeAcqMs.addAll(o.breezeAcqMs);
      oursEvaluations += o.oursEvaluations;
      breezeEvaluations += o.breezeEvaluations;
      breezeHigherLml += o.breezeHigherLml;
    }
  }

  public static void main(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      options.put(args[i].replaceFirst("^--", ""), args[++i]);
    }
    List<String> functions = List.of(options.getOrDefault("functions", "branin,hartmann6,camel,rosenbrock4,levy4")
        .split(","));
    int seeds = Integer.parseInt(options.getOrDefault("seeds", "10"));
    int trials = Integer.parseInt(options.getOrDefault("trials", "50"));
    String latency = options.getOrDefault("latency", "");
    int latencyCalls = Integer.parseInt(options.getOrDefault("latency-calls", "15"));

    sanity();
    compare(TestFunction.BRANIN, 99, Math.min(trials, 25)); // warm-up of both, discarded

    System.out.printf(Locale.ROOT, "== Kiln's Lbfgs vs Breeze 2.1.0 LBFGSB in Bayesian search: %d seeds (0..%d), "
        + "%d trials, same history for both%n", seeds, seeds - 1, trials);
    System.out.printf(Locale.ROOT, "%-12s %5s %12s %9s %12s %10s %9s %9s %7s %9s %9s %7s%n", "function", "props",
        "max|dprop|", "<=1e-6", "max|dlogθ|", "max|dLML|", "fit ours", "fit brz", "ratio", "acq ours", "acq brz",
        "ratio");
    Tally all = new Tally();
    for (String id : functions) {
      TestFunction function = TestFunction.byId(id);
      Tally t = new Tally();
      for (int seed = 0; seed < seeds; seed++) {
        t.add(compare(function, seed, trials));
      }
      print(id, t);
      all.add(t);
    }
    print("all", all);
    if (!latency.isEmpty()) {
      for (String n : latency.split(",")) {
        Tally t = latency(Integer.parseInt(n), latencyCalls);
        print("h6@" + n, t);
        all.add(t);
      }
    }
    double maxProposal = max(all.proposal);
    double ratio = median(all.breezeFitMs) / median(all.oursFitMs);
    double acqRatio = median(all.breezeAcqMs) / median(all.oursAcqMs);
    System.out.printf(Locale.ROOT, "objective evaluations in kernel fits: ours %d, Breeze %d; Breeze's fit has the "
        + "higher log marginal likelihood in %d of %d suggestions%n", all.oursEvaluations, all.breezeEvaluations,
        all.breezeHigherLml, all.lml.size());
    System.out.printf(Locale.ROOT, "RESULT proposals=%d max_proposal_diff=%.6g within_1e-6=%d max_log_hyper_diff=%.6g "
        + "max_lml_diff=%.6g median_fit_ms_ours=%.3f median_fit_ms_breeze=%.3f fit_ratio=%.3f "
        + "median_acq_ms_ours=%.3f median_acq_ms_breeze=%.3f acq_ratio=%.3f%n", all.proposal.size(), maxProposal,
        count(all.proposal), max(all.hyper), max(all.lml), median(all.oursFitMs), median(all.breezeFitMs), ratio,
        median(all.oursAcqMs), median(all.breezeAcqMs), acqRatio);
    boolean same = maxProposal <= SAME;
    boolean noSlower = ratio <= 1 && acqRatio <= 1;
    System.out.printf(Locale.ROOT, "== rule (same proposals within 1e-6 AND no slower fits): same proposals %s "
        + "(largest difference %.3g), fits %s (Breeze/ours: kernel fit %.2fx, acquisition %.2fx) -> %s%n",
        same ? "yes" : "NO", maxProposal, noSlower ? "no slower" : "SLOWER", ratio, acqRatio,
        same && noSlower ? "replace ours with Breeze's" : "keep Kiln's Lbfgs");
  }

  /** Both optimisers on Rosenbrock's valley in a box, to show the adapter works. */
  private static void sanity() {
    Lbfgs.Objective rosenbrock = (x, g) -> {
      double a = 1 - x[0];
      double b = x[1] - x[0] * x[0];
      g[0] = -2 * a - 400 * x[0] * b;
      g[1] = 200 * b;
      return a * a + 100 * b * b;
    };
    double[] lower = {-5, -5};
    double[] upper = {5, 5};
    Lbfgs.Result ours = new Lbfgs(500, 1e-10, 0, 1).minimize(rosenbrock, new double[] {-1.2, 1}, lower, upper);
    Lbfgs.Result breeze = new BreezeLbfgsb(500, 1e-10, 1e-12, 1).minimize(rosenbrock, new double[] {-1.2, 1},
        lower, upper);
    System.out.printf(Locale.ROOT, "== sanity, Rosenbrock from (-1.2, 1) in [-5, 5]^2: ours (%.8f, %.8f) f=%.3g in %d "
        + "evaluations; Breeze (%.8f, %.8f) f=%.3g in %d evaluations%n", ours.x()[0], ours.x()[1], ours.value(),
        ours.evaluations(), breeze.x()[0], breeze.x()[1], breeze.value(), breeze.evaluations());
  }

  /** One seed: both strategies shown Kiln's strategy's history, step by step. */
  private static Tally compare(TestFunction function, long seed, int trials) {
    SearchSpace space = function.space();
    Clock oursClock = new Clock();
    Clock breezeClock = new Clock();
    int initial = new BayesianSearch(space, seed).initialPoints();
    BayesianSearch ours = new BayesianSearch(space, seed, initial, oursClock.timing(Lbfgs::new));
    BayesianSearch breeze = new BayesianSearch(space, seed, initial, breezeClock.timing(BreezeLbfgsb::new));
    List<TrialView> history = new ArrayList<>();
    Tally tally = new Tally();
    for (int t = 0; t < trials; t++) {
      Suggestion next = step(space, ours, breeze, oursClock, breezeClock, history, t % 2 == 0, tally);
      double loss = function.value(next.hyperparameters());
      history.add(new TrialView(t + 1, next.hyperparameters(), TrialState.COMPLETED, loss, List.of(), 0, 0));
    }
    return tally;
  }

  /** bench-tuning's latency case: Hartmann-6 after {@code observations} random trials, warm-started refits. */
  private static Tally latency(int observations, int calls) {
    TestFunction function = TestFunction.HARTMANN6;
    SearchSpace space = function.space();
    Random random = new Random(observations);
    List<TrialView> history = new ArrayList<>();
    for (int i = 0; i < observations; i++) {
      Map<String, String> x = space.sample(random);
      history.add(new TrialView(i + 1, x, TrialState.COMPLETED, function.value(x), List.of(), 0, 0));
    }
    Clock oursClock = new Clock();
    Clock breezeClock = new Clock();
    int initial = new BayesianSearch(space, 0).initialPoints();
    BayesianSearch ours = new BayesianSearch(space, 0, initial, oursClock.timing(Lbfgs::new));
    BayesianSearch breeze = new BayesianSearch(space, 0, initial, breezeClock.timing(BreezeLbfgsb::new));
    Tally tally = new Tally();
    for (int c = 0; c < calls; c++) {
      Suggestion next = step(space, ours, breeze, oursClock, breezeClock, history, c % 2 == 0, tally);
      history.add(new TrialView(history.size() + 1, next.hyperparameters(), TrialState.COMPLETED,
          function.value(next.hyperparameters()), List.of(), 0, 0));
    }
    return tally;
  }

  /** Both strategies suggest on the same history; returns Kiln's suggestion. */
  private static Suggestion step(SearchSpace space, BayesianSearch ours, BayesianSearch breeze, Clock oursClock,
      Clock breezeClock, List<TrialView> history, boolean oursFirst, Tally tally) {
    oursClock.reset();
    breezeClock.reset();
    Suggestion a;
    Suggestion b;
    if (oursFirst) {
      a = ours.suggest(history).orElseThrow();
      b = breeze.suggest(history).orElseThrow();
    } else {
      b = breeze.suggest(history).orElseThrow();
      a = ours.suggest(history).orElseThrow();
    }
    if (history.size() >= ours.initialPoints()) {
      double[] pa = space.encode(a.hyperparameters());
      double[] pb = space.encode(b.hyperparameters());
      tally.proposal.add(maxAbsDiff(pa, pb));
      GaussianProcess ga = ours.model().orElseThrow();
      GaussianProcess gb = breeze.model().orElseThrow();
      tally.hyper.add(maxAbsDiff(logHyperparameters(ga), logHyperparameters(gb)));
      tally.lml.add(Math.abs(ga.logMarginalLikelihood() - gb.logMarginalLikelihood()));
      if (gb.logMarginalLikelihood() > ga.logMarginalLikelihood()) {
        tally.breezeHigherLml++;
      }
      tally.oursFitMs.add(oursClock.fitNanos / 1e6);
      tally.breezeFitMs.add(breezeClock.fitNanos / 1e6);
      tally.oursAcqMs.add(oursClock.acquisitionNanos / 1e6);
      tally.breezeAcqMs.add(breezeClock.acquisitionNanos / 1e6);
      tally.oursEvaluations += oursClock.fitEvaluations;
      tally.breezeEvaluations += breezeClock.fitEvaluations;
    }
    return a;
  }

  private static double[] logHyperparameters(GaussianProcess gp) {
    double[] l = gp.lengthScales();
    double[] out = new double[l.length + 2];
    for (int i = 0; i < l.length; i++) {
      out[i] = Math.log(l[i]);
    }
    out[l.length] = Math.log(gp.signalVariance());
    out[l.length + 1] = Math.log(gp.noiseVariance());
    return out;
  }

  private static void print(String name, Tally t) {
    if (t.proposal.isEmpty()) {
      return;
    }
    System.out.printf(Locale.ROOT, "%-12s %5d %12.3g %4d/%-4d %12.3g %10.3g %9.2f %9.2f %6.2fx %9.2f %9.2f %6.2fx%n",
        name, t.proposal.size(), max(t.proposal), count(t.proposal), t.proposal.size(), max(t.hyper), max(t.lml),
        median(t.oursFitMs), median(t.breezeFitMs), median(t.breezeFitMs) / median(t.oursFitMs), median(t.oursAcqMs),
        median(t.breezeAcqMs), median(t.breezeAcqMs) / median(t.oursAcqMs));
    System.out.printf(Locale.ROOT, "RESULT function=%s proposals=%d max_proposal_diff=%.6g within_1e-6=%d "
        + "max_log_hyper_diff=%.6g max_lml_diff=%.6g median_fit_ms_ours=%.3f median_fit_ms_breeze=%.3f "
        + "median_acq_ms_ours=%.3f median_acq_ms_breeze=%.3f%n", name, t.proposal.size(), max(t.proposal),
        count(t.proposal), max(t.hyper), max(t.lml), median(t.oursFitMs), median(t.breezeFitMs), median(t.oursAcqMs),
        median(t.breezeAcqMs));
  }

  private static double maxAbsDiff(double[] a, double[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  private static int count(List<Double> diffs) {
    return (int) diffs.stream().filter(d -> d <= SAME).count();
  }

  private static double max(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  private static double median(List<Double> values) {
    return TuningBenchmark.median(values.stream().mapToDouble(Double::doubleValue).toArray());
  }
}
