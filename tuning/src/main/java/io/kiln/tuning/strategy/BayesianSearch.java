package io.kiln.tuning.strategy;

import io.kiln.tuning.space.SearchSpace;
import io.kiln.tuning.strategy.gp.BoxMinimizer;
import io.kiln.tuning.strategy.gp.GaussianProcess;
import io.kiln.tuning.strategy.gp.Lbfgs;
import io.kiln.tuning.strategy.gp.OutputWarping;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * SageMaker's Bayesian strategy: a Gaussian process models the loss over the search space's unit
 * cube, and the next trial maximises expected improvement over the best loss so far.
 *
 * <ul>
 *   <li>The first {@link #initialPoints()} trials are a Latin hypercube design (seeded); after that,
 *       every trial with a loss (completed or stopped, from this job or from warm-start parents) is
 *       an observation.
 *   <li>The kernel's hyperparameters are refitted at every suggestion: from a default and random
 *       starts while observations are few, then from the previous fit with fewer iterations, and on
 *       a subsample once there are many (the model then conditions on all observations).
 *   <li>Running trials are pending: each is added as an observation of the model's own prediction
 *       (the kriging believer), so trials suggested in parallel differ.
 *   <li>Integers and categories are searched in their continuous relaxation and snapped; a
 *       configuration already tried is never proposed again while another one scores.
 * </ul>
 *
 * <p>Up to {@value #COLD_FITS_UP_TO} observations a suggestion depends only on the seed and the
 * history. Beyond, it also depends on the previous fit through where the kernel search starts: the
 * same seed shown the same sequence of histories still proposes the same trials, but a restarted
 * strategy shown only the latest history may differ slightly.
 */
public final class BayesianSearch implements SearchStrategy {
  private static final long DESIGN = 2;
  private static final long MODEL = 3;
  private static final long FALLBACK = 4;
  /**
   * Up to this many observations the kernel fit starts afresh every time (it is cheap there), so a
   * suggestion is a function of the seed and the history alone.
   */
  static final int COLD_FITS_UP_TO = 60;

  private final SearchSpace space;
  private final long seed;
  private final int initialPoints;
  private final double[][] design;
  private final BoxMinimizer.Factory minimizers;
  private GaussianProcess lastFit;

  /** With an initial design of one trial per range plus one, at least 3 and at most 20. */
  public BayesianSearch(SearchSpace space, long seed) {
    this(space, seed, Math.max(3, Math.min(space.ranges().size() + 1, 20)));
  }

  /** @param initialPoints trials drawn from the initial design before the model is used (at least 2) */
  public BayesianSearch(SearchSpace space, long seed, int initialPoints) {
    this(space, seed, initialPoints, Lbfgs::new);
  }

  /**
   * @param initialPoints trials drawn from the initial design before the model is used (at least 2)
   * @param minimizers the box minimiser of the kernel fit and the acquisition search ({@code Lbfgs::new}
   *     in production; another only to compare optimisers, as scripts/bench-lbfgs does)
   */
  public BayesianSearch(SearchSpace space, long seed, int initialPoints, BoxMinimizer.Factory minimizers) {
    if (initialPoints < 2) {
      throw new IllegalArgumentException("BayesianSearch needs at least 2 initial points, not " + initialPoints);
    }
    this.space = space;
    this.seed = seed;
    this.initialPoints = initialPoints;
    this.design = LatinHypercube.sample(space, initialPoints, Seeds.forCall(seed, 0, DESIGN));
    this.minimizers = minimizers;
  }

  /** Observations needed before the model proposes trials. */
  public int initialPoints() {
    return initialPoints;
  }

  /** The model behind the latest model-based suggestion, without fantasies; empty before the first. */
  public synchronized Optional<GaussianProcess> model() {
    return Optional.ofNullable(lastFit);
  }

  @Override
  public synchronized Optional<Suggestion> suggest(List<TrialView> trials) {
    History history = History.of(space, trials);
    if (history.observed() < initialPoints) {
      return Optional.of(Suggestion.of(initial(history)));
    }
    Random random = Seeds.forCall(seed, history.size(), MODEL);
    double[] losses = OutputWarping.warp(history.losses());
    double best = Arrays.stream(losses).min().orElseThrow();
    GaussianProcess warmStart = history.observed() > COLD_FITS_UP_TO ? lastFit : null;
    GaussianProcess fit = GaussianProcess.fit(history.points(), losses, settings(history.observed()), random,
        warmStart, minimizers);
    lastFit = fit;
    GaussianProcess believer = fit.withFantasies(history.pending());
    double[] next = new AcquisitionOptimizer(space, believer, best, random, minimizers).maximise(history);
    if (next == null) {
      return Optional.of(Suggestion.of(RandomSearch.untried(space, history,
          Seeds.forCall(seed, history.size(), FALLBACK))));
    }
    return Optional.of(Suggestion.of(space.decode(next)));
  }

  /** The design point for this trial, or a random untried one when the design is used up or taken. */
  private Map<String, String> initial(History history) {
    int index = history.size();
    if (index < design.length) {
      Map<String, String> point = space.decode(design[index]);
      if (!history.taken(point)) {
        return point;
      }
    }
    return RandomSearch.untried(space, history, Seeds.forCall(seed, history.size(), FALLBACK));
  }

  /** Less work on the kernel as observations grow: each step of the fit is O(n³) in the points fitted. */
  static GaussianProcess.Settings settings(int observations) {
    if (observations <= 60) {
      return new GaussianProcess.Settings(60, 2, 60);
    }
    if (observations <= 150) {
      return new GaussianProcess.Settings(150, 1, 30);
    }
    return new GaussianProcess.Settings(128, 0, 20);
  }
}
