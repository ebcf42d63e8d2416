package io.kiln.tuning.strategy;

import io.kiln.tuning.space.ParameterRange;
import io.kiln.tuning.space.SearchSpace;
import io.kiln.tuning.strategy.gp.BoxMinimizer;
import io.kiln.tuning.strategy.gp.ExpectedImprovement;
import io.kiln.tuning.strategy.gp.GaussianProcess;
import io.kiln.tuning.strategy.gp.Lbfgs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Finds the point of the unit cube with the largest expected improvement that decodes to an untried
 * configuration. Candidates: a Latin hypercube over the cube and perturbations of the best
 * observations, all scored at once; then projected L-BFGS on log EI from the best few, in the
 * continuous relaxation (integers as reals, categories as their one-hot coordinates); finally every
 * finalist is snapped to what it decodes to and scored again there, so the winner's EI is that of a
 * valid configuration.
 */
final class AcquisitionOptimizer {
  /** Candidate budget: about this many multiply-adds in the triangular solves. */
  private static final double CANDIDATE_WORK = 4e8;
  private static final int MAX_CANDIDATES = 2048;
  private static final int MIN_CANDIDATES = 256;
  private static final int LOCAL_STARTS = 5;
  private static final int FINALISTS = 20;
  private static final int NEIGHBOURHOODS = 5;
  private static final double[] PERTURBATION_SCALES = {0.01, 0.03, 0.1, 0.25};

  private final SearchSpace space;
  private final GaussianProcess model;
  private final double best;
  private final Random random;
  private final int d;
  private final BoxMinimizer lbfgs;

  AcquisitionOptimizer(SearchSpace space, GaussianProcess model, double best, Random random) {
    this(space, model, best, random, Lbfgs::new);
  }

  /** @param minimizers makes the local search's minimiser (30 iterations, tolerances 1e-7 and 1e-9, step 0.25) */
  AcquisitionOptimizer(SearchSpace space, GaussianProcess model, double best, Random random,
      BoxMinimizer.Factory minimizers) {
    this.space = space;
    this.model = model;
    this.best = best;
    this.random = random;
    this.d = space.dimensions();
    this.lbfgs = minimizers.create(30, 1e-7, 1e-9, 0.25);
  }

  /** The best untried point (snapped), or null when every candidate decodes to a tried configuration. */
  double[] maximise(History history) {
    int n = model.size();
    int cap = n <= 100 ? MAX_CANDIDATES : MAX_CANDIDATES / 2;
    int budget = (int) Math.max(MIN_CANDIDATES, Math.min(cap, CANDIDATE_WORK / ((double) n * n)));
    List<double[]> candidates = new ArrayList<>(budget);
    candidates.addAll(Arrays.asList(LatinHypercube.sample(space, budget / 2, random)));
    candidates.addAll(neighbours(history, budget - budget / 2));
    double[][] points = candidates.toArray(double[][]::new);
    double[] scores = logEi(points);

    Integer[] order = ranking(scores);

    List<double[]> finalists = new ArrayList<>();
    for (int i = 0; i < Math.min(FINALISTS, points.length); i++) {
      finalists.add(points[order[i]]);
    }
    int starts = 0;
    for (int i = 0; i < order.length && starts < LOCAL_STARTS; i++) {
      double[] start = points[order[i]];
      if (!Double.isFinite(scores[order[i]])) {
        break;
      }
      finalists.add(0, climb(start));
      starts++;
    }
    double[][] snapped = finalists.stream().map(space::snap).toArray(double[][]::new);
    double[] snappedScores = logEi(snapped);
    for (int i : ranking(snappedScores)) {
      if (!history.taken(snapped[i])) {
        return snapped[i];
      }
    }
    // Every finalist decodes to something tried (a small discrete space): score all candidates snapped.
    double[][] all = Arrays.stream(points).map(space::snap).toArray(double[][]::new);
    double[] allScores = logEi(all);
    for (int i : ranking(allScores)) {
      if (!history.taken(all[i])) {
        return all[i];
      }
    }
    return null;
  }

  /** log EI at many points. */
  double[] logEi(double[][] points) {
    double[] means = new double[points.length];
    double[] variances = new double[points.length];
    model.predict(points, means, variances);
    double[] out = new double[points.length];
    for (int i = 0; i < points.length; i++) {
      out[i] = ExpectedImprovement.log(means[i], Math.sqrt(variances[i]), best);
    }
    return out;
  }

  /** Projected L-BFGS on -log EI over the relaxed cube. */
  private double[] climb(double[] start) {
    double[] lower = new double[d];
    double[] upper = new double[d];
    Arrays.fill(upper, 1);
    double[] meanGradient = new double[d];
    double[] varianceGradient = new double[d];
    Lbfgs.Objective negativeLogEi = (u, gradient) -> {
      GaussianProcess.Prediction p = model.predict(u, meanGradient, varianceGradient);
      double value = ExpectedImprovement.logWithGradient(p.mean(), p.variance(), best, meanGradient,
          varianceGradient, gradient);
      for (int i = 0; i < d; i++) {
        gradient[i] = -gradient[i];
      }
      return -value;
    };
    return lbfgs.minimize(negativeLogEi, start, lower, upper).x();
  }

  /** Indices by descending score, NaN last, ties by index. */
  private static Integer[] ranking(double[] scores) {
    Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> Double.isNaN(scores[i]) ? Double.NEGATIVE_INFINITY
        : -scores[i]).thenComparingInt(i -> i));
    return order;
  }

  /**
   * Perturbations of the best observations at several scales, half of them around the best one:
   * each range moves with a probability that keeps about five of them moving in high dimension (at
   * least one always moves); a numeric coordinate by a Gaussian step, a category by a fresh draw.
   */
  private List<double[]> neighbours(History history, int m) {
    double[][] observed = history.points();
    double[] losses = history.losses();
    Integer[] order = IntStream.range(0, losses.length).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> losses[i]).thenComparingInt(i -> i));
    int centres = Math.min(NEIGHBOURHOODS, order.length);
    if (centres == 0) {
      return Arrays.asList(LatinHypercube.sample(space, m, random));
    }
    int ranges = space.ranges().size();
    double moveProbability = Math.min(1, 5.0 / ranges);
    List<double[]> out = new ArrayList<>(m);
    for (int k = 0; k < m; k++) {
      int centre = k % 2 == 0 || centres == 1 ? order[0] : order[1 + (k / 2) % (centres - 1)];
      double[] p = observed[centre].clone();
      double scale = PERTURBATION_SCALES[(k / 2) % PERTURBATION_SCALES.length];
      boolean moved = false;
      for (int r = 0; r < ranges; r++) {
        if (random.nextDouble() < moveProbability) {
          move(p, r, scale);
          moved = true;
        }
      }
      if (!moved) {
        move(p, random.nextInt(ranges), scale);
      }
      out.add(p);
    }
    return out;
  }

  private void move(double[] p, int range, double scale) {
    int offset = space.offset(range);
    if (space.ranges().get(range) instanceof ParameterRange.Categorical c) {
      Arrays.fill(p, offset, offset + c.values().size(), 0);
      p[offset + random.nextInt(c.values().size())] = 1;
    } else {
      p[offset] = Math.max(0, Math.min(1, p[offset] + scale * random.nextGaussian()));
    }
  }
}
